import { ClientCodes, DepotError } from './errors.js';
import type { UploadSource } from './source.js';

export type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * A forward-only source over a stream of unknown length. It keeps the bytes from the last read's
 * start on, so a chunk the server did not confirm can be sent again; older bytes are dropped.
 */
export function streamSource(stream: ByteStream, name?: string): UploadSource {
  if (!isByteStream(stream)) {
    throw new DepotError('ERR_BAD_OPTION', undefined, 'upload takes a file path, bytes, a Blob or a stream');
  }
  if (read.has(stream) || alreadyRead(stream)) {
    // Its first bytes are gone: uploading what is left would store a file without them.
    throw new DepotError(
      ClientCodes.source,
      undefined,
      'this stream has been read from already (a stream can be uploaded once; to pause and resume, upload a file, Blob or bytes)',
    );
  }
  read.add(stream);
  const iterator = iterate(stream);
  let held: Uint8Array[] = [];
  let heldStart = 0;
  let heldBytes = 0;
  let ended = false;

  const dropBefore = (start: number) => {
    while (held.length > 0 && heldStart + (held[0] as Uint8Array).byteLength <= start) {
      const first = held.shift() as Uint8Array;
      heldStart += first.byteLength;
      heldBytes -= first.byteLength;
    }
  };

  return {
    get size() {
      return ended ? heldStart + heldBytes : undefined;
    },
    name,
    sequential: true,
    async read(start, end) {
      if (start < heldStart) {
        throw new DepotError(
          ClientCodes.source,
          undefined,
          `the server wants bytes from ${start} again, but the stream has moved on to ${heldStart}`,
        );
      }
      dropBefore(start);
      while (!ended && heldStart + heldBytes < end) {
        const next = await iterator.next().catch((err: unknown) => {
          throw new DepotError(ClientCodes.source, undefined, `the stream failed: ${messageOf(err)}`, {
            cause: err,
          });
        });
        if (next.done) ended = true;
        else if (next.value.byteLength > 0) {
          held.push(next.value);
          heldBytes += next.value.byteLength;
        }
      }
      const stop = Math.min(end, heldStart + heldBytes);
      const out = new Uint8Array(Math.max(0, stop - start));
      let pos = heldStart;
      for (const part of held) {
        const a = Math.max(start, pos);
        const b = Math.min(stop, pos + part.byteLength);
        if (a < b) out.set(part.subarray(a - pos, b - pos), a - start);
        pos += part.byteLength;
        if (pos >= stop) break;
      }
      return out;
    },
    async close() {
      held = [];
      await iterator.return?.();
    },
  };
}

/** A web ReadableStream or an async iterable (what `streamSource` reads). */
export function isByteStream(v: unknown): v is ByteStream {
  if (typeof v !== 'object' || v === null) return false;
  return Symbol.asyncIterator in v || typeof (v as { getReader?: unknown }).getReader === 'function';
}

/** Streams handed to an upload: each can be read once. */
const read = new WeakSet<object>();

/** A stream someone has read from (or locked, or ended) before it got here. */
function alreadyRead(stream: ByteStream): boolean {
  const s = stream as {
    locked?: boolean;
    readableDidRead?: boolean;
    readableEnded?: boolean;
    destroyed?: boolean;
  };
  return s.locked === true || s.readableDidRead === true || s.readableEnded === true || s.destroyed === true;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function iterate(stream: ByteStream): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in stream) return (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  // Safari's ReadableStream is not async-iterable
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  return {
    next: async () => {
      const r = await reader.read();
      return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
    },
    return: async () => {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}
