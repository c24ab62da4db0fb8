import { LockTimeoutError } from '../ports/locker.js';
import type { UploadRecord } from '../ports/metadata-store.js';
import type { Actor } from './actor.js';
import { errors } from './errors.js';
import type { UploadDeps } from './upload-deps.js';

const fmt = (n: number) => `${n} bytes`;

/**
 * Per-owner storage quotas, counted on declared lengths when an upload is created (a deferred
 * upload counts its bytes as they arrive plus, while it writes, the room it reserved). The limit is
 * the owner's, like the usage: the smallest quota set on any of the owner's live tokens, else
 * DEPOT_QUOTA; admins have none. (Taken from the token used, a second token of the same owner
 * without a quota would lift the limit.)
 */
export class Quota {
  readonly #deps: UploadDeps;

  constructor(deps: UploadDeps) {
    this.#deps = deps;
  }

  async limitFor(actor: Actor): Promise<number | undefined> {
    if (actor.admin) return undefined;
    return (await this.#deps.store.tokens.ownerQuota(actor.owner)) ?? this.#deps.options.defaultQuota;
  }

  /**
   * The offset a deferred-length upload may write up to under its owner's quota (undefined: no
   * quota applies). Room for `want` more bytes (all that is left when unknown) is reserved in the
   * store until {@link release}, so concurrent writes of one owner never share the same free bytes.
   */
  async reserve(actor: Actor, upload: UploadRecord, want: number | undefined): Promise<number | undefined> {
    const limit = await this.limitFor(actor);
    if (limit === undefined) return undefined;
    return this.#serialised(actor, async () => {
      const others = await this.#deps.store.uploads.usage(actor.owner, upload.id);
      const room = Math.max(0, limit - others - upload.offset);
      // A body larger than the room is refused before any byte: nothing to hold for it.
      if (room > 0 && (want === undefined || want <= room)) {
        await this.#deps.store.uploads.reserve(upload.id, upload.offset + (want ?? room));
      }
      return upload.offset + Math.min(want ?? room, room);
    });
  }

  /** Gives back what {@link reserve} held once the write is over (its bytes now count as the offset). */
  async release(upload: UploadRecord): Promise<void> {
    await this.#deps.store.uploads.reserve(upload.id, null);
  }

  /**
   * Runs `create` if `bytes` more fit in the actor's quota (null: a deferred length, which needs
   * at least some room). Claims of one owner are serialised, so two racing creations can't both
   * take the last free bytes.
   */
  async claim<T>(actor: Actor, bytes: number | null, create: () => Promise<T>): Promise<T> {
    const limit = await this.limitFor(actor);
    if (limit === undefined) return create();
    return this.#serialised(actor, async () => {
      const used = await this.#deps.store.uploads.usage(actor.owner);
      const full = bytes === null ? used >= limit : used + bytes > limit;
      if (full) {
        throw errors.quotaExceeded(
          `the storage quota is ${fmt(limit)}; ${fmt(used)} are in use` +
            (bytes === null ? '' : `, so ${fmt(bytes)} more do not fit`),
        );
      }
      return create();
    });
  }

  /** Runs `fn` holding the owner's quota lock (on every node, with a shared locker). */
  async #serialised<T>(actor: Actor, fn: () => Promise<T>): Promise<T> {
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
      return await fn();
    } finally {
      await lock.release();
    }
  }
}
