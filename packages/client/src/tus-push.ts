import { ClientCodes, DepotError } from './errors.js';
import { backoff, isRetryable, type RetryPolicy, sleep } from './retry.js';
import type { UploadSource } from './source.js';
import type { Transport } from './transport.js';
import { type Chunk, headUpload, patchChunk, type UploadState } from './tus-requests.js';

/** What the PATCH loop needs from the upload around it. */
export interface PushContext {
  readonly transport: Transport;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal | undefined;
  /** bytes of the first PATCH */
  readonly chunkSize: number;
  /** a chunk sent in under `GROW_BELOW_MS` doubles the next ones' size, up to this */
  readonly maxChunkSize: number;
  /** sha256 (base64) of each chunk for Upload-Checksum; undefined: send no checksum */
  readonly sha256: ((bytes: Uint8Array) => Promise<string>) | undefined;
  /** the server confirmed bytes up to `offset` */
  onOffset(offset: number): void;
  /** body bytes put on the wire (attempts that failed included) */
  onSent(bytes: number): void;
}

export async function readChunk(
  source: UploadSource,
  start: number,
  end: number,
  sha256: ((bytes: Uint8Array) => Promise<string>) | undefined,
): Promise<Chunk> {
  if (source.readChunk) return source.readChunk(start, end, sha256 !== undefined);
  const bytes = await source.read(start, end);
  return sha256 ? { bytes, sha256: await sha256(bytes) } : { bytes };
}

/** A chunk being read (and hashed) before its PATCH. */
export interface ReadAhead {
  readonly start: number;
  readonly end: number;
  readonly chunk: Promise<Chunk>;
}

/**
 * Starts reading the chunk `[start, start + size)` now. The reading is not awaited here: a failure
 * surfaces when the chunk is used, and a chunk never used is given back.
 */
export function readAhead(
  source: UploadSource,
  start: number,
  size: number,
  sha256: PushContext['sha256'],
): ReadAhead {
  const chunk = readChunk(source, start, start + size, sha256);
  chunk.catch(() => {}); // awaited (or dropped) by pushUpload
  return { start, end: start + size, chunk };
}

/**
 * A chunk that took less than this grows the next ones: each PATCH costs a round trip and the
 * server's last writes and verification before the next can start, which on a fast link is a
 * large share of a small chunk's time. A chunk cut off (a crash) is sent again whole, so the
 * size stays below about this much time's worth of bytes.
 */
export const GROW_BELOW_MS = 1000;

/**
 * Sends `source` to the upload at `url` from the server's `state` on, one chunk per PATCH, until
 * the server has it all. After any failure that may pass it waits (backoff with jitter) and asks
 * the server for its offset again before going on, so nothing is sent twice that arrived once.
 */
export async function pushUpload(
  ctx: PushContext,
  url: string,
  source: UploadSource,
  state: UploadState,
  first?: ReadAhead,
): Promise<void> {
  let { offset } = state;
  let lengthKnown = state.length !== undefined;
  let failures = 0;
  let size = ctx.chunkSize;
  // the next chunk, read and hashed while the current one is on the wire
  let ahead: ReadAhead | undefined = first;
  ctx.onOffset(offset);
  for (;;) {
    if (lengthKnown && source.size !== undefined && offset >= source.size) return;
    const reuse = ahead?.start === offset ? ahead : undefined;
    // a chunk read ahead for an offset the server did not reach is given back unsent
    if (ahead && !reuse)
      ahead.chunk.then(
        (c) => c.release?.(),
        () => {},
      );
    const end = reuse?.end ?? offset + size;
    const current = reuse?.chunk ?? readChunk(source, offset, end, ctx.sha256);
    ahead = undefined;
    try {
      const chunk = await current;
      // Fewer bytes than asked before the source's end: the file shrank under us. Sending nothing
      // (or less) again and again would never finish.
      if (source.size !== undefined && chunk.bytes.byteLength < Math.min(end, source.size) - offset) {
        chunk.release?.();
        throw new DepotError(
          ClientCodes.source,
          undefined,
          `the source ended at ${offset + chunk.bytes.byteLength} bytes, not ${source.size}: it changed during the upload`,
        );
      }
      const declare = !lengthKnown && source.size !== undefined ? source.size : undefined;
      if (!source.sequential && (source.size === undefined || end < source.size)) {
        ahead = readAhead(source, end, size, ctx.sha256);
      }
      ctx.onSent(chunk.bytes.byteLength);
      const t0 = Date.now();
      const next = await patchChunk(ctx.transport, url, offset, chunk, declare, ctx.signal);
      // (only once the server has answered: until then the socket may still be sending them)
      chunk.release?.();
      if (chunk.bytes.byteLength === end - offset && Date.now() - t0 < GROW_BELOW_MS) {
        size = Math.min(size * 2, ctx.maxChunkSize);
      }
      if (declare !== undefined) lengthKnown = true;
      if (next > offset) failures = 0;
      offset = next;
      ctx.onOffset(offset);
    } catch (err) {
      if (ctx.signal?.aborted)
        throw new DepotError(ClientCodes.aborted, undefined, 'aborted', { cause: err });
      if (!isRetryable(err) || failures >= ctx.retry.retries) throw err;
      await sleep(backoff(failures++, ctx.retry), ctx.signal);
      ({ offset, lengthKnown } = await resync(ctx, url, lengthKnown));
      ctx.onOffset(offset);
    }
  }
}

/** HEAD until the server answers (a failure counts like any other); the offset it reports wins. */
async function resync(
  ctx: PushContext,
  url: string,
  lengthKnown: boolean,
): Promise<{ offset: number; lengthKnown: boolean }> {
  for (let failures = 0; ; failures++) {
    try {
      const state = await headUpload(ctx.transport, url, ctx.signal);
      return { offset: state.offset, lengthKnown: lengthKnown || state.length !== undefined };
    } catch (err) {
      if (ctx.signal?.aborted)
        throw new DepotError(ClientCodes.aborted, undefined, 'aborted', { cause: err });
      if (!isRetryable(err) || failures >= ctx.retry.retries) throw err;
      await sleep(backoff(failures, ctx.retry), ctx.signal);
    }
  }
}
