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
  readonly chunkSize: number;
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
  const bytes = await source.read(start, end);
  return sha256 ? { bytes, sha256: await sha256(bytes) } : { bytes };
}

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
): Promise<void> {
  let { offset } = state;
  let lengthKnown = state.length !== undefined;
  let failures = 0;
  // the next chunk, read and hashed while the current one is on the wire
  let ahead: { start: number; chunk: Promise<Chunk> } | undefined;
  ctx.onOffset(offset);
  for (;;) {
    if (lengthKnown && source.size !== undefined && offset >= source.size) return;
    const end = offset + ctx.chunkSize;
    const current = ahead?.start === offset ? ahead.chunk : readChunk(source, offset, end, ctx.sha256);
    ahead = undefined;
    try {
      const chunk = await current;
      const declare = !lengthKnown && source.size !== undefined ? source.size : undefined;
      if (!source.sequential && (source.size === undefined || end < source.size)) {
        const chunk = readChunk(source, end, end + ctx.chunkSize, ctx.sha256);
        chunk.catch(() => {}); // awaited (or dropped) on the next turn
        ahead = { start: end, chunk };
      }
      ctx.onSent(chunk.bytes.byteLength);
      const next = await patchChunk(ctx.transport, url, offset, chunk, declare, ctx.signal);
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
