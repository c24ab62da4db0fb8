import type { Readable } from 'node:stream';
import { StorageFullError } from '../ports/blob-store.js';
import type { UploadRecord } from '../ports/metadata-store.js';
import {
  CHECKSUM_ALGORITHMS,
  type Checksum,
  type ChecksumAlgorithm,
  createChecksumHash,
} from './checksum.js';
import { errors } from './errors.js';
import type { OffThreadHash } from './offthread-hash.js';
import type { UploadDeps } from './upload-deps.js';
import { UploadGuard } from './upload-guard.js';
import { expiryWhenFinished } from './upload-state.js';

/** One append to an upload whose lock the caller holds and whose offset it has checked. */
export interface WriteRequest {
  readonly upload: UploadRecord;
  readonly body: Readable;
  /** the offset no byte may pass (the length, the size limit, or a deferred upload's quota) */
  readonly limit: number;
  readonly checksum?: Checksum;
  /** called once the body has ended, for checksum-trailer */
  readonly trailerChecksum?: () => Checksum | undefined;
  /** aborts the write (take-over, shutdown); bytes so far are kept unless a checksum was given */
  readonly signal: AbortSignal;
  /** set by the caller so a stall watcher can see when bytes last arrived */
  readonly onGuard?: (guard: UploadGuard) => void;
  /** the body's declared size (Content-Length), when known */
  readonly contentLength?: number;
  /**
   * The upload is not stored yet (a creation whose body comes before its record): the first
   * commit stores the record, as it stands then, through this instead of updating it.
   */
  readonly insert?: (record: UploadRecord) => Promise<void>;
}

export interface WriteOutcome {
  readonly offset: number;
  /** the upload as stored after this write's last commit */
  readonly upload: UploadRecord;
  readonly overflow: boolean;
  /** why the body stopped early, if it did */
  readonly interrupted?: unknown;
}

/**
 * Streams a request body into the blob at the upload's offset and commits the new offset.
 * The offset is committed only after the bytes are durable, so it never runs ahead of the blob.
 * With a checksum, nothing is committed until the whole chunk is verified; a bad or cut chunk is
 * truncated away and the offset stays where it was.
 */
export async function writeChunk(deps: UploadDeps, req: WriteRequest): Promise<WriteOutcome> {
  const { upload } = req;
  const start = upload.offset;
  const room = req.limit - start;
  const verifying = req.checksum !== undefined || req.trailerChecksum !== undefined;
  // For checksum-trailer the algorithm is only known at the end: hash with every supported one.
  const algorithms = req.checksum ? [req.checksum.algorithm] : verifying ? CHECKSUM_ALGORITHMS : [];
  const hashes = new Map(algorithms.map((a) => [a, createChecksumHash(a, room)] as const));
  // A whole file in one chunk with a sha256 Upload-Checksum: that verified digest is the file's,
  // so no second hash runs beside it (with a checksum, a chunk is stored whole or not at all).
  const checksummedWhole =
    start === 0 && req.checksum?.algorithm === 'sha256' && req.contentLength === upload.length;
  if (checksummedWhole) deps.digests.drop(upload.id);
  // The file's running sha256 advances with the chunk; with a checksum, on a copy until verified.
  const running = checksummedWhole ? undefined : deps.digests.take(upload.id, start, upload.length);
  const fileHash = verifying ? running?.copy() : running;
  try {
    return await appendChunk(deps, req, { verifying, hashes, running, fileHash, checksummedWhole });
  } finally {
    // A hash neither digested nor kept for the next chunk is forgotten now, not at the next GC.
    for (const h of [...hashes.values(), running, fileHash]) {
      if (h && !deps.digests.holds(upload.id, h)) h.drop();
    }
  }
}

interface ChunkHashes {
  readonly verifying: boolean;
  /** the chunk's, by algorithm */
  readonly hashes: ReadonlyMap<ChecksumAlgorithm, OffThreadHash>;
  /** the file's running sha256 up to the chunk's start, if this process has it */
  readonly running: OffThreadHash | undefined;
  /** the one fed with the chunk: `running`, or a copy of it while the chunk is unverified */
  readonly fileHash: OffThreadHash | undefined;
  /** the chunk is the whole file and its sha256 is verified: that digest is the file's */
  readonly checksummedWhole: boolean;
}

async function appendChunk(
  deps: UploadDeps,
  req: WriteRequest,
  { verifying, hashes, running, fileHash, checksummedWhole }: ChunkHashes,
): Promise<WriteOutcome> {
  const { upload, body } = req;
  const { blobs } = deps.storage;
  const start = upload.offset;
  const room = req.limit - start;
  const guard = new UploadGuard(body, room, [...hashes.values(), ...(fileHash ? [fileHash] : [])]);
  req.onGuard?.(guard);
  // A body cut off before blobs.write attaches its listeners destroys the guard with an error that
  // nobody hears yet: without this listener that is an uncaught exception that ends the process.
  // The write loop still sees it (the guard is errored) and reports the chunk as interrupted.
  guard.on('error', () => {});
  const onClose = () => {
    if (!body.readableEnded) guard.destroy(errors.requestAborted('the request body was cut off'));
  };
  body.once('error', (err) => guard.destroy(err));
  body.once('close', onClose);
  // A body that failed before it got here (a form part cut off while the request was parsed)
  // sends no more events: it is cut off now.
  if (body.destroyed && !body.readableEnded) {
    guard.destroy(body.errored ?? errors.requestAborted('the request body was cut off'));
  }

  let committed = start;
  let stored = upload;
  let insert = req.insert;
  const commit = async (offset: number, sha256?: string) => {
    const now = deps.now();
    const finished = upload.length !== null && offset === upload.length;
    const patch = {
      offset,
      updatedAt: now,
      expiresAt: finished
        ? expiryWhenFinished(upload, now, deps.options.uploadExpiry)
        : now + deps.options.uploadExpiry,
      finishedAt: finished ? now : null,
      ...(sha256 !== undefined ? { sha256 } : {}),
    };
    if (insert) {
      await insert({ ...stored, ...patch });
      insert = undefined;
    } else if (!(await deps.store.uploads.update(upload.id, patch, committed))) {
      throw errors.notFound('the upload is gone');
    }
    deps.observer?.uploadBytes(offset - committed);
    committed = offset;
    // We hold the lock and the update was a compare-and-set: this is what is stored now.
    stored = { ...stored, ...patch };
  };

  let bytes: number;
  let interrupted: unknown;
  try {
    const result = await blobs.write(upload.id, start, guard, {
      limit: room,
      signal: req.signal,
      checkpointBytes: deps.options.checkpointBytes,
      onCheckpoint: verifying ? undefined : (durable) => commit(start + durable),
    });
    bytes = result.bytes;
    interrupted = result.interrupted;
  } catch (err) {
    await blobs.truncate(upload.id, committed).catch(() => {});
    if (err instanceof StorageFullError) {
      throw errors.insufficientStorage('the server is out of storage space; retry later', {
        'Upload-Offset': String(committed),
      });
    }
    throw err;
  } finally {
    body.off('close', onClose);
  }

  let verifiedSha256: string | undefined;
  if (verifying) {
    let expected: Checksum | undefined;
    try {
      expected = req.checksum ?? req.trailerChecksum?.();
    } catch (err) {
      await blobs.truncate(upload.id, start);
      if (running) deps.digests.put(upload.id, running, start);
      throw err;
    }
    const actual = expected && (await hashes.get(expected.algorithm)?.digest());
    if (interrupted || guard.overflow || !expected || !actual || !actual.equals(expected.digest)) {
      await blobs.truncate(upload.id, start);
      if (running) deps.digests.put(upload.id, running, start);
      if (interrupted) return { offset: start, upload: stored, overflow: false, interrupted };
      if (guard.overflow) return { offset: start, upload: stored, overflow: true };
      throw expected
        ? errors.checksumMismatch('the chunk does not match its checksum; it was discarded', {
            'Upload-Offset': String(start),
          })
        : errors.invalidHeader('the Upload-Checksum trailer is missing');
    }
    if (checksummedWhole) verifiedSha256 = actual.toString('hex');
  }
  const end = start + bytes;
  // The running hash covers the whole file when it saw every byte written.
  const whole = fileHash !== undefined && guard.passed === bytes ? fileHash : undefined;
  let sha256: string | undefined;
  if (end !== committed) {
    // The last chunk: its offset and the file's sha256 go in one statement.
    if (upload.length !== null && end === upload.length)
      sha256 = verifiedSha256 ?? (whole && (await whole.digest()).toString('hex'));
    await commit(end, sha256);
  }
  if (whole && sha256 === undefined) deps.digests.put(upload.id, whole, committed);
  return { offset: committed, upload: stored, overflow: guard.overflow, interrupted };
}
