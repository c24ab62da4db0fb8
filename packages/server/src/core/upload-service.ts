import type { Readable } from 'node:stream';
import { type Lock, LockTimeoutError } from '../ports/locker.js';
import type { UploadRecord } from '../ports/metadata-store.js';
import { type Actor, canSee } from './actor.js';
import type { Checksum } from './checksum.js';
import { Concatenation } from './concatenation.js';
import { errors } from './errors.js';
import { nameOf, typeOf } from './file-metadata.js';
import { newUploadId } from './ids.js';
import { Quota } from './quota.js';
import { sealUpload } from './seal-upload.js';
import type { UploadDeps } from './upload-deps.js';
import type { UploadGuard } from './upload-guard.js';
import { expiryWhenFinished, isExpired, isFinished } from './upload-state.js';
import { writeChunk } from './upload-writer.js';

/** The largest creation-with-upload body stored before its record (see #storedInOneWrite). */
const ONE_WRITE_MAX = 64 * 1024;

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
  readonly #quota: Quota;
  /** aborts every in-flight write at shutdown, so each saves its bytes and answers */
  readonly #shutdown = new AbortController();
  /** the stop signals of the locks held now; shutdown aborts them all (cheaper than AbortSignal.any per request) */
  readonly #holders = new Set<AbortController>();

  constructor(deps: UploadDeps) {
    this.#deps = deps;
    this.#concat = new Concatenation(deps);
    this.#quota = new Quota(deps);
  }

  async create(actor: Actor, input: CreateUpload): Promise<UploadRecord> {
    return this.#create(actor, input, false);
  }

  /**
   * tus creation-with-upload: creates the upload and stores `chunk` as its first bytes. However
   * much of the body is stored, the upload exists: when the chunk stops early, `stopped` says why
   * and `upload` is as stored. Nobody else knows the new id yet, so the record is not read back,
   * and the blob is created by its first write rather than by an empty create before it.
   */
  async createWithUpload(
    actor: Actor,
    input: CreateUpload,
    chunk: Omit<AppendUpload, 'offset' | 'length'>,
  ): Promise<{ upload: UploadRecord; stopped?: unknown }> {
    if (await this.#storedInOneWrite(actor, input, chunk)) return this.#createWhole(actor, input, chunk);
    const created = await this.#create(actor, input, true);
    try {
      return {
        upload: await this.#appendLocked(actor, created.id, { ...chunk, offset: 0 }, async () => created),
      };
    } catch (stopped) {
      return { upload: await this.get(actor, created.id), stopped };
    }
  }

  /**
   * A small body that is the whole upload, with no quota to claim first (quota claims are
   * serialised around the insert): its bytes are written first and the record is stored once,
   * finished, instead of inserted empty and then updated. The record is still stored only once
   * the bytes are durable; a crash between the two leaves a small file with no record.
   */
  async #storedInOneWrite(
    actor: Actor,
    input: CreateUpload,
    chunk: { contentLength?: number },
  ): Promise<boolean> {
    const { length } = input;
    return (
      input.concat === undefined &&
      length !== null &&
      length > 0 &&
      length <= ONE_WRITE_MAX &&
      chunk.contentLength === length &&
      (await this.#quota.limitFor(actor)) === undefined
    );
  }

  async #createWhole(
    actor: Actor,
    input: CreateUpload,
    chunk: Omit<AppendUpload, 'offset' | 'length'>,
  ): Promise<{ upload: UploadRecord; stopped?: unknown }> {
    const upload = this.#newRecord(actor, input, input.length);
    let inserted = false;
    const insert = async (record: UploadRecord) => {
      try {
        await this.#deps.store.uploads.insert(record);
      } catch (err) {
        await this.#deps.storage.blobs.remove(upload.id).catch(() => {});
        throw err;
      }
      inserted = true;
      this.#deps.events.emit('upload.created', upload);
    };
    try {
      return {
        upload: await this.#appendLocked(
          actor,
          upload.id,
          { ...chunk, offset: 0 },
          async () => upload,
          insert,
        ),
      };
    } catch (stopped) {
      // Nothing was committed (a bad checksum, a cut body, no space): the upload exists all the same.
      if (!inserted) {
        await insert(upload);
        return { upload, stopped };
      }
      return { upload: await this.get(actor, upload.id), stopped };
    }
  }

  async #create(actor: Actor, input: CreateUpload, firstChunkFollows: boolean): Promise<UploadRecord> {
    const { store } = this.#deps;
    let length = input.length;
    let parts: UploadRecord[] | null = null;
    if (input.concat?.kind === 'final') {
      parts = await this.#concat.resolveParts(actor, input.concat.parts);
      length = this.#concat.totalLength(parts);
    }
    const upload = this.#newRecord(actor, input, length, parts);
    // A write at offset 0 creates a missing blob, so an upload whose first chunk follows needs no
    // empty file first; one that is finished already (length 0) does, to be read back.
    await this.#quota.claim(actor, length, async () => {
      if (!firstChunkFollows || upload.finishedAt !== null) {
        await this.#deps.storage.blobs.create(upload.id, upload.length ?? this.#deps.options.maxUploadSize);
      }
      await store.uploads.insert(upload);
    });
    this.#deps.events.emit('upload.created', upload);
    if (parts) return this.#concat.tryFinish(upload.id);
    if (upload.finishedAt !== null) return sealUpload(this.#deps, upload);
    return upload;
  }

  /** A new upload's record, with nothing stored yet; 413 past the size limit. */
  #newRecord(
    actor: Actor,
    input: CreateUpload,
    length: number | null,
    parts: readonly UploadRecord[] | null = null,
  ): UploadRecord {
    const max = this.#deps.options.maxUploadSize;
    if (length !== null && max !== undefined && length > max) {
      throw errors.tooLarge(`the upload is ${length} bytes; the limit is ${max}`);
    }
    const t = this.#deps.now();
    return {
      id: newUploadId(),
      owner: actor.owner,
      length,
      offset: 0,
      metadata: input.metadata,
      name: nameOf(input.metadata),
      type: typeOf(input.metadata),
      concat: input.concat?.kind ?? null,
      parts: parts?.map((p) => p.id) ?? null,
      createdAt: t,
      updatedAt: t,
      // (an empty part is finished at once, and expires like any finished part)
      expiresAt:
        length === 0 && input.concat?.kind !== 'partial' ? null : t + this.#deps.options.uploadExpiry,
      finishedAt: length === 0 && !parts ? t : null,
      sha256: null,
    };
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
    const upload = await this.get(actor, id);
    if (upload.concat === 'final')
      throw errors.finalUpload('a final (concatenated) upload cannot be patched');
    // Read again once the lock is ours: the previous holder may have moved the offset.
    return this.#appendLocked(actor, id, input, () => this.get(actor, id));
  }

  async #appendLocked(
    actor: Actor,
    id: string,
    input: AppendUpload,
    current: () => Promise<UploadRecord>,
    /** the upload is not stored yet: its first commit inserts it (see WriteRequest.insert) */
    insert?: (record: UploadRecord) => Promise<void>,
  ): Promise<UploadRecord> {
    const lock = await this.#lock(id, () => guard);
    let guard: UploadGuard | undefined;
    let release: UploadRecord | undefined;
    try {
      let upload = await current();
      if (input.offset !== upload.offset) throw errors.offsetMismatch(upload.offset);
      upload = await this.#settleLength(actor, upload, input.length, input.contentLength);
      if (isFinished(upload)) {
        if ((input.contentLength ?? 0) === 0) return upload;
        throw errors.uploadFinished('the upload is already complete');
      }
      const { limit, byQuota, reserved } = await this.#writeLimit(actor, upload, input.contentLength);
      if (reserved) release = upload;
      const remaining = limit - upload.offset;
      const overLimit = byQuota ? errors.quotaExceeded : errors.tooLarge;
      if (input.contentLength !== undefined && input.contentLength > remaining) {
        throw overLimit(`the body is ${input.contentLength} bytes but only ${remaining} more may be stored`);
      }
      // (Bytes stored past the offset, never committed, are replaced by the write.)
      const outcome = await writeChunk(this.#deps, {
        upload,
        body: input.body,
        limit,
        checksum: input.checksum,
        trailerChecksum: input.trailerChecksum,
        contentLength: input.contentLength,
        insert,
        signal: lock.signal,
        onGuard: (g) => {
          guard = g;
        },
      });
      let after = outcome.upload;
      if (outcome.offset !== upload.offset) this.#deps.events.emit('upload.progress', after);
      if (isFinished(after)) after = await this.#onFinished(after);
      if (outcome.overflow) {
        const why = byQuota ? 'the storage quota' : upload.length === null ? 'the size limit' : 'its length';
        throw overLimit(`the body goes past ${why}; bytes past it were not stored`, {
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
      // Still holding the upload's lock: no other write of this upload can reserve meanwhile.
      if (release) {
        await this.#quota.release(release).catch((err) => {
          this.#deps.log.warn({ err, upload: id }, 'could not release a quota reservation');
        });
      }
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
    for (const holder of this.#holders) holder.abort();
  }

  /**
   * How far a write may go: the length when known; else the size limit or, when smaller, what the
   * quota leaves, reserved for this write (`reserved`: the caller releases it when the write ends).
   */
  async #writeLimit(
    actor: Actor,
    upload: UploadRecord,
    want: number | undefined,
  ): Promise<{ limit: number; byQuota: boolean; reserved: boolean }> {
    if (upload.length !== null) return { limit: upload.length, byQuota: false, reserved: false };
    const max = this.#deps.options.maxUploadSize ?? Number.MAX_SAFE_INTEGER;
    const quotaLimit = await this.#quota.reserve(actor, upload, want);
    if (quotaLimit === undefined) return { limit: max, byQuota: false, reserved: false };
    return quotaLimit >= max
      ? { limit: max, byQuota: false, reserved: true }
      : { limit: quotaLimit, byQuota: true, reserved: true };
  }

  /**
   * A deferred length declared by a PATCH, checked and stored before its body is written. Every
   * check that can refuse the request comes first: a refused request must not leave a length
   * behind that the client cannot correct.
   */
  async #settleLength(
    actor: Actor,
    upload: UploadRecord,
    length: number | undefined,
    contentLength: number | undefined,
  ): Promise<UploadRecord> {
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
    if (contentLength !== undefined && contentLength > length - upload.offset) {
      throw errors.tooLarge(
        `the body is ${contentLength} bytes but Upload-Length leaves room for ${length - upload.offset}`,
      );
    }
    const finished = length === upload.offset;
    const now = this.#deps.now();
    const expiresAt = expiryWhenFinished(upload, now, this.#deps.options.uploadExpiry);
    const patch = { length, updatedAt: now, ...(finished ? { finishedAt: now, expiresAt } : {}) };
    // the upload already counts its offset; the rest of the declared length must fit too
    await this.#quota.claim(actor, length - upload.offset, async () => {
      if (!(await this.#deps.store.uploads.update(upload.id, patch, upload.offset))) {
        throw errors.notFound('the upload is gone');
      }
    });
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
              if (g && Date.now() - g.lastActivity < stallMs) return;
              // A writer gone quiet is taken over; a holder that writes nothing just lets go.
              if (g && !controller.signal.aborted) this.#deps.observer?.lockTakenOver();
              controller.abort();
            },
            Math.min(250, stallMs),
          );
        },
      });
    } catch (err) {
      if (err instanceof LockTimeoutError) throw errors.locked('another request is writing to this upload');
      throw err;
    }
    this.#holders.add(controller);
    // (shutdown may have begun while this waited for the lock)
    if (this.#shutdown.signal.aborted) controller.abort();
    return {
      /** aborts when another request takes the upload over, or at shutdown */
      signal: controller.signal,
      release: async () => {
        clearInterval(timer);
        this.#holders.delete(controller);
        await lock.release();
      },
    };
  }
}
