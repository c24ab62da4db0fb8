import { LockTimeoutError } from '../ports/locker.js';
import type { Actor } from './actor.js';
import { errors } from './errors.js';
import type { UploadDeps } from './upload-deps.js';

const fmt = (n: number) => `${n} bytes`;

/**
 * Per-owner storage quotas, counted on declared lengths when an upload is created (a deferred
 * upload counts its bytes as they arrive, and may never write past what is left). The limit is the
 * token's own quota, else DEPOT_QUOTA; admins have none.
 */
export class Quota {
  readonly #deps: UploadDeps;

  constructor(deps: UploadDeps) {
    this.#deps = deps;
  }

  limitFor(actor: Actor): number | undefined {
    if (actor.admin) return undefined;
    return actor.quota ?? this.#deps.options.defaultQuota;
  }

  /** Bytes `actor` may still claim; undefined when unlimited. */
  async room(actor: Actor): Promise<number | undefined> {
    const limit = this.limitFor(actor);
    if (limit === undefined) return undefined;
    return Math.max(0, limit - (await this.#deps.store.uploads.usage(actor.owner)));
  }

  /**
   * Runs `create` if `bytes` more fit in the actor's quota (null: a deferred length, which needs
   * at least some room). Claims of one owner are serialised, so two racing creations can't both
   * take the last free bytes.
   */
  async claim<T>(actor: Actor, bytes: number | null, create: () => Promise<T>): Promise<T> {
    const limit = this.limitFor(actor);
    if (limit === undefined) return create();
    const lock = await this.#deps.locker
      .acquire(`quota:${actor.owner}`, {
        waitMs: this.#deps.options.lockWaitMs,
        onReleaseRequested: () => {},
      })
      .catch((err) => {
        if (err instanceof LockTimeoutError)
          throw errors.unavailable('too many uploads starting at once; retry');
        throw err;
      });
    try {
      const used = await this.#deps.store.uploads.usage(actor.owner);
      const full = bytes === null ? used >= limit : used + bytes > limit;
      if (full) {
        throw errors.quotaExceeded(
          `the storage quota is ${fmt(limit)}; ${fmt(used)} are in use` +
            (bytes === null ? '' : `, so ${fmt(bytes)} more do not fit`),
        );
      }
      return await create();
    } finally {
      await lock.release();
    }
  }
}
