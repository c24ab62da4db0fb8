import { LockTimeoutError } from '../ports/locker.js';
import type { UploadDeps } from './upload-deps.js';
import { isExpired } from './upload-state.js';

/**
 * Removes expired uploads, record and bytes, on a timer: unfinished ones, and finished parts of
 * parallel uploads that no final took (a final copies its parts' bytes, so a part can go later).
 * An upload being written right now is skipped (its write pushes the expiry forward anyway); so is
 * a part that a final declared before all its parts finished still waits for.
 */
export class ExpirySweeper {
  readonly #deps: UploadDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(deps: UploadDeps) {
    this.#deps = deps;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      void this.sweep().catch((err) => this.#deps.log.error({ err }, 'expiry sweep failed'));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }

  /** One pass; returns how many uploads were removed. Overlapping calls share one pass. */
  sweep(): Promise<number> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(): Promise<number> {
    const { store, storage, locker, events, log, now } = this.#deps;
    let removed = 0;
    for (;;) {
      const batch = await store.uploads.listExpired(now(), 100);
      let progressed = false;
      for (const upload of batch) {
        const lock = await locker
          .acquire(upload.id, { waitMs: 0, onReleaseRequested: () => {} })
          .catch((err) => {
            if (err instanceof LockTimeoutError) return undefined;
            throw err;
          });
        if (!lock) continue;
        try {
          const current = await store.uploads.get(upload.id);
          if (!current || !isExpired(current, now())) continue;
          if (
            current.concat === 'partial' &&
            (await store.uploads.listUnfinishedFinalsUsing(current.id)).length
          )
            continue;
          await store.uploads.delete(upload.id);
          await storage.blobs.remove(upload.id);
          this.#deps.digests.drop(upload.id);
          events.emit('upload.expired', current);
          removed++;
          progressed = true;
        } finally {
          await lock.release();
        }
      }
      if (batch.length < 100 || !progressed) break;
    }
    if (removed > 0) log.info({ removed }, 'expired uploads removed');
    return removed;
  }
}
