import type { Readable } from 'node:stream';
import { type Lock, LockTimeoutError } from '../ports/locker.js';
import type { UploadRecord } from '../ports/metadata-store.js';
import { type Actor, canSee } from './actor.js';
import type { Checksum } from './checksum.js';
import { Concatenation } from './concatenation.js';
import { errors } from './errors.js';
import { newUploadId } from './ids.js';
import { sealUpload } from './seal-upload.js';
import type { UploadDeps } from './upload-deps.js';
import type { UploadGuard } from './upload-guard.js';
import { isExpired, isFinished } from './upload-state.js';
import { writeChunk } from './upload-writer.js';

export interface CreateUpload {
  /** null = deferred (creation-defer-length) */
  readonly length: number | null;
  readonly metadata: Record<string, string | null>;
  readonly concat?:
    | { readonly kind: 'partial' }
    | { readonly kind: 'final'; readonly parts: readonly string[] };
}

export interface AppendUpload {
  readonly offset: number;
  /** Upload-Length sent with a PATCH, to fix a deferred length */
  readonly length?: number;
  readonly contentLength?: number;
  readonly body: Readable;
  readonly checksum?: Checksum;
  readonly trailerChecksum?: () => Checksum | undefined;
}

/**
 * The tus upload life cycle: create, inspect, append, terminate. Owns the rules (offsets,
 * lengths, ownership, locking); the HTTP edge only translates headers.
 */
export class UploadService {
  readonly #deps: UploadDeps;
  readonly #concat: Concatenation;
  /** aborts every in-flight write at shutdown, so each saves its bytes and answers */
  readonly #shutdown = new AbortController();

  constructor(deps: UploadDeps) {
    this.#deps = deps;
    this.#concat = new Concatenation(deps);
  }

  async create(actor: Actor, input: CreateUpload): Promise<UploadRecord> {
    const { store, options, now } = this.#deps;
    const max = options.maxUploadSize;
    let length = input.length;
    let parts: UploadRecord[] | null = null;
    if (input.concat?.kind === 'final') {
      parts = await this.#concat.resolveParts(actor, input.concat.parts);
      length = this.#concat.totalLength(parts);
    }
    if (length !== null && max !== undefined && length > max) {
      throw errors.tooLarge(`the upload is ${length} bytes; the limit is ${max}`);
    }
    const t = now();
    const upload: UploadRecord = {
      id: newUploadId(),
      owner: actor.owner,
      length,
      offset: 0,
      metadata: input.metadata,
      concat: input.concat?.kind ?? null,
      parts: parts?.map((p) => p.id) ?? null,
      createdAt: t,
      updatedAt: t,
      expiresAt: length === 0 ? null : t + options.uploadExpiry,
      finishedAt: length === 0 && !parts ? t : null,
      sha256: null,
    };
    await this.#deps.storage.blobs.create(upload.id, upload.length ?? this.#deps.options.maxUploadSize);
    await store.uploads.insert(upload);
    this.#deps.events.emit('upload.created', upload);
    if (parts) return this.#concat.tryFinish(upload.id);
    if (upload.finishedAt !== null) return sealUpload(this.#deps, upload);
    return upload;
  }

  /** The upload as `actor` may see it: 404 if missing or someone else's, 410 once expired. */
  async get(actor: Actor, id: string): Promise<UploadRecord> {
    const upload = await this.#deps.store.uploads.get(id);
    if (!upload || !canSee(actor, upload.owner)) throw errors.notFound(`no upload ${id}`);
    if (isExpired(upload, this.#deps.now())) throw errors.gone(`upload ${id} has expired`);
    return upload;
  }

  /**
   * The upload's state for a client about to resume (tus HEAD). A request still holding the
   * upload but stalled (a dead connection) is asked to stop first, so the offset returned counts
   * the bytes it had received. A live writer is not disturbed: after a short wait the committed
   * offset is returned as it is.
   */
  async inspect(actor: Actor, id: string): Promise<UploadRecord> {
    const upload = await this.get(actor, id);
    if (isFinished(upload)) return upload;
    const { stallMs } = this.#deps.options;
    const lock = await this.#lock(id, () => undefined, stallMs + 750).catch((err) => {
      if (err?.code === 'ERR_UPLOAD_LOCKED') return undefined;
      throw err;
    });
    if (!lock) return this.get(actor, id);
    try {
      return await this.get(actor, id);
    } finally {
      await lock.release();
    }
  }

  async append(actor: Actor, id: string, input: AppendUpload): Promise<UploadRecord> {
    let upload = await this.get(actor, id);
    if (upload.concat === 'final')
      throw errors.finalUpload('a final (concatenated) upload cannot be patched');
    const lock = await this.#lock(id, () => guard);
    let guard: UploadGuard | undefined;
    try {
      upload = await this.get(actor, id);
      if (input.offset !== upload.offset) throw errors.offsetMismatch(upload.offset);
      upload = await this.#settleLength(upload, input.length);
      if (isFinished(upload)) {
        if ((input.contentLength ?? 0) === 0) return upload;
        throw errors.uploadFinished('the upload is already complete');
      }
      const remaining =
        (upload.length ?? this.#deps.options.maxUploadSize ?? Number.MAX_SAFE_INTEGER) - upload.offset;
      if (input.contentLength !== undefined && input.contentLength > remaining) {
        throw errors.tooLarge(`the body is ${input.contentLength} bytes but only ${remaining} remain`);
      }
      const stored = await this.#deps.storage.blobs.size(id);
      if (stored !== undefined && stored > upload.offset)
        await this.#deps.storage.blobs.truncate(id, upload.offset);

      const outcome = await writeChunk(this.#deps, {
        upload,
        body: input.body,
        checksum: input.checksum,
        trailerChecksum: input.trailerChecksum,
        signal: AbortSignal.any([lock.signal, this.#shutdown.signal]),
        onGuard: (g) => {
          guard = g;
        },
      });
      let after = (await this.#deps.store.uploads.get(id)) ?? upload;
      if (outcome.offset !== upload.offset) this.#deps.events.emit('upload.progress', after);
      if (isFinished(after)) after = await this.#onFinished(after);
      if (outcome.overflow) {
        throw errors.tooLarge('the body is longer than the upload; bytes past its length were not stored', {
          'Upload-Offset': String(outcome.offset),
        });
      }
      if (outcome.interrupted) {
        if (this.#shutdown.signal.aborted)
          throw errors.unavailable('the server is shutting down; resume later');
        if (lock.signal.aborted) throw errors.locked('another request took this upload over');
        throw errors.requestAborted('the request body was cut off; resume from Upload-Offset', {
          'Upload-Offset': String(outcome.offset),
        });
      }
      return after;
    } finally {
      await lock.release();
    }
  }

  /** Deletes an upload (finished or not) and frees its storage. A write in flight is stopped first. */
  async terminate(actor: Actor, id: string): Promise<void> {
    const upload = await this.get(actor, id).catch((err) => {
      if (err?.code === 'ERR_UPLOAD_EXPIRED') return undefined;
      throw err;
    });
    const lock = await this.#lock(id, () => undefined);
    try {
      const current = upload ?? (await this.#deps.store.uploads.get(id));
      if (!current || !canSee(actor, current.owner)) throw errors.notFound(`no upload ${id}`);
      await this.#deps.store.uploads.delete(id);
      await this.#deps.storage.blobs.remove(id);
      this.#deps.digests.drop(id);
      this.#deps.events.emit('upload.terminated', current);
    } finally {
      await lock.release();
    }
  }

  /** Stops every write in flight (each keeps its bytes and answers); then new ones are refused. */
  beginShutdown(): void {
    this.#shutdown.abort();
  }

  async #settleLength(upload: UploadRecord, length: number | undefined): Promise<UploadRecord> {
    if (length === undefined) return upload;
    if (upload.length !== null) {
      if (length !== upload.length) throw errors.invalidHeader('Upload-Length cannot change once set');
      return upload;
    }
    if (length < upload.offset)
      throw errors.invalidHeader('Upload-Length is less than the bytes already uploaded');
    const max = this.#deps.options.maxUploadSize;
    if (max !== undefined && length > max)
      throw errors.tooLarge(`the upload is ${length} bytes; the limit is ${max}`);
    const finished = length === upload.offset;
    const now = this.#deps.now();
    const patch = { length, updatedAt: now, ...(finished ? { finishedAt: now, expiresAt: null } : {}) };
    if (!(await this.#deps.store.uploads.update(upload.id, patch, upload.offset))) {
      throw errors.notFound('the upload is gone');
    }
    const updated = { ...upload, ...patch };
    return finished ? this.#onFinished(updated) : updated;
  }

  async #onFinished(upload: UploadRecord): Promise<UploadRecord> {
    const sealed = await sealUpload(this.#deps, upload);
    if (upload.concat === 'partial') await this.#concat.onPartFinished(upload.id);
    return sealed;
  }

  /**
   * Takes the upload's lock. A holder asked to let go stops once its body has been idle for
   * `stallMs` (a dead connection), so a reconnecting client takes over without waiting for TCP to
   * time out, while two live requests never interleave: the later one gets 423.
   */
  async #lock(id: string, guard: () => UploadGuard | undefined, waitMs?: number) {
    if (this.#shutdown.signal.aborted) throw errors.unavailable('the server is shutting down');
    const { lockWaitMs, stallMs } = this.#deps.options;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let lock: Lock;
    try {
      lock = await this.#deps.locker.acquire(id, {
        waitMs: waitMs ?? lockWaitMs,
        onReleaseRequested: () => {
          timer = setInterval(
            () => {
              const g = guard();
              if (!g || Date.now() - g.lastActivity >= stallMs) controller.abort();
            },
            Math.min(250, stallMs),
          );
        },
      });
    } catch (err) {
      if (err instanceof LockTimeoutError) throw errors.locked('another request is writing to this upload');
      throw err;
    }
    return {
      signal: controller.signal,
      release: async () => {
        clearInterval(timer);
        await lock.release();
      },
    };
  }
}
