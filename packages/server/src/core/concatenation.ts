import type { UploadRecord } from '../ports/metadata-store.js';
import { type Actor, canSee } from './actor.js';
import { errors } from './errors.js';
import { OffThreadHash } from './offthread-hash.js';
import { sealUpload } from './seal-upload.js';
import type { UploadDeps } from './upload-deps.js';
import { isExpired, isFinished } from './upload-state.js';

/**
 * tus concatenation (and concatenation-unfinished): a final upload joins its partial uploads
 * once every part is finished — at creation if they already are, else when the last one finishes.
 */
export class Concatenation {
  readonly #deps: UploadDeps;

  constructor(deps: UploadDeps) {
    this.#deps = deps;
  }

  /** Looks up the parts named by a final upload; each must be the actor's own partial upload. */
  async resolveParts(actor: Actor, ids: readonly string[]): Promise<UploadRecord[]> {
    if (ids.length === 0) throw errors.invalidHeader('Upload-Concat: final needs at least one part');
    const now = this.#deps.now();
    const parts: UploadRecord[] = [];
    for (const id of ids) {
      const part = await this.#deps.store.uploads.get(id);
      if (!part || !canSee(actor, part.owner) || isExpired(part, now)) {
        throw errors.notFound(`Upload-Concat names ${id}, which does not exist`);
      }
      if (part.concat !== 'partial') {
        throw errors.invalidHeader(`Upload-Concat names ${id}, which is not a partial upload`);
      }
      parts.push(part);
    }
    return parts;
  }

  /** The final length, or null while some part's length is still deferred. */
  totalLength(parts: readonly UploadRecord[]): number | null {
    let total = 0;
    for (const p of parts) {
      if (p.length === null) return null;
      total += p.length;
    }
    return total;
  }

  async onPartFinished(partId: string): Promise<void> {
    const finals = await this.#deps.store.uploads.listUnfinishedFinalsUsing(partId);
    for (const f of finals) await this.tryFinish(f.id);
  }

  /** Joins the parts into the final upload if all of them are finished; returns the final's record. */
  async tryFinish(finalId: string): Promise<UploadRecord> {
    const { store, storage, locker, log } = this.#deps;
    const lock = await locker.acquire(finalId, { waitMs: 60_000, onReleaseRequested: () => {} });
    try {
      const final = await store.uploads.get(finalId);
      if (!final || isFinished(final) || !final.parts) return final as UploadRecord;
      const parts = await Promise.all(final.parts.map((id) => store.uploads.get(id)));
      if (!parts.every((p): p is UploadRecord => p !== undefined && isFinished(p))) return final;
      const length = this.totalLength(parts) ?? 0;
      const max = this.#deps.options.maxUploadSize;
      if (max !== undefined && length > max)
        throw errors.tooLarge(`the joined upload would be ${length} bytes`);
      if (storage.concat) {
        // The joined file's sha256, taken as its bytes pass by (if they do), instead of reading it
        // all again once it is whole.
        // (Made on the first bytes: a store that joins elsewhere never starts a hash for nothing.)
        let hash: OffThreadHash | undefined;
        let seen = 0;
        try {
          await storage.concat.concat(finalId, final.parts, (bytes) => {
            seen += bytes.byteLength;
            hash ??= new OffThreadHash('sha256', length);
            hash.update(bytes);
            return OffThreadHash.backlog();
          });
        } catch (err) {
          hash?.drop();
          throw err;
        }
        if (hash && seen === length) this.#deps.digests.put(finalId, hash, length);
        else hash?.drop();
      } else {
        let offset = 0;
        for (const p of parts) {
          const source = await storage.blobs.read(p.id);
          const { bytes } = await storage.blobs.write(finalId, offset, source, { limit: p.length ?? 0 });
          offset += bytes;
        }
      }
      const now = this.#deps.now();
      const patch = { length, offset: length, updatedAt: now, finishedAt: now, expiresAt: null };
      await store.uploads.update(finalId, patch);
      log.debug({ upload: finalId, parts: final.parts.length, length }, 'concatenated');
      return await sealUpload(this.#deps, { ...final, ...patch });
    } finally {
      await lock.release();
    }
  }
}
