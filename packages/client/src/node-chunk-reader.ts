import { Worker } from 'node:worker_threads';
import type { Chunk } from './tus-requests.js';

/**
 * The reading thread: reads a range of a file into a buffer it shares with the caller's thread
 * and hashes each slice right after reading it, while it is still in the cache.
 */
const WORKER_SOURCE = `
// import(), not require: this runs as CommonJS, or as a module under --input-type=module
Promise.all([import('node:worker_threads'), import('node:fs'), import('node:crypto')]).then(
  ([{ parentPort }, { readSync }, { createHash }]) => {
const SLICE = 256 * 1024;
parentPort.on('message', ({ req, fd, start, end, hash, buf }) => {
  try {
    const bytes = new Uint8Array(buf, 0, end - start);
    const h = hash ? createHash('sha256') : undefined;
    let got = 0;
    while (got < bytes.byteLength) {
      const n = readSync(fd, bytes, got, Math.min(SLICE, bytes.byteLength - got), start + got);
      if (n === 0) break;
      if (h) h.update(bytes.subarray(got, got + n));
      got += n;
    }
    parentPort.postMessage({ req, len: got, sha256: h ? h.digest('base64') : undefined });
  } catch (err) {
    parentPort.postMessage({ req, error: { message: err.message, code: err.code } });
  }
});
});
`;

type Reply =
  | { req: number; len: number; sha256: string | undefined }
  | { req: number; error: { message: string; code?: string } };

/** Buffers kept for reuse: the one on the wire and the one read ahead. */
const POOL_MAX = 2;

let worker: Worker | undefined;
let nextReq = 1;
const pending = new Map<number, (reply: Reply) => void>();
/**
 * Chunk buffers are SharedArrayBuffers, made once and reused: both threads see the same memory,
 * so no chunk is transferred. A transferred ArrayBuffer counts as newly allocated memory in the
 * isolate that receives it, and each 16–64 MiB chunk arriving that way set off a full
 * mark-compact on the main thread (measured: one per chunk, ~0.2 s of CPU per GiB in all);
 * shared memory is not counted per isolate.
 */
const pool: SharedArrayBuffer[] = [];

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (reply: Reply) => {
    const resolve = pending.get(reply.req);
    pending.delete(reply.req);
    if (pending.size === 0) w.unref();
    resolve?.(reply);
  });
  w.on('error', (err) => {
    for (const resolve of pending.values()) resolve({ req: 0, error: { message: err.message } });
    pending.clear();
    worker = undefined;
  });
  // after the listeners: in Node 20 adding a 'message' listener refs the worker again
  w.unref();
  worker = w;
  return w;
}

/**
 * Starts the reading thread now, ahead of the first chunk: a thread takes tens of milliseconds to
 * start, which the requests before the first PATCH (OPTIONS, POST) can hide. It keeps nothing alive.
 */
export function warmChunkReader(): void {
  thread();
}

/**
 * Bytes [start, end) of the open file `fd` (fewer at its end) and, with `sha256`, their sha256,
 * read and hashed on the reading thread: the caller's thread stays free to send the chunk before.
 * The bytes are in shared memory (see `pool`). `release()` hands the buffer back for the next
 * read once the chunk is no longer needed; a chunk never released is simply garbage collected.
 */
export function readChunkOffThread(fd: number, start: number, end: number, sha256: boolean): Promise<Chunk> {
  const want = Math.max(0, end - start);
  const i = pool.findIndex((b) => b.byteLength >= want);
  const buf = i >= 0 ? (pool.splice(i, 1)[0] as SharedArrayBuffer) : new SharedArrayBuffer(want);
  const req = nextReq++;
  const w = thread();
  return new Promise<Reply>((resolve) => {
    pending.set(req, resolve);
    w.ref(); // a pending read keeps the process alive
    w.postMessage({ req, fd, start, end: start + want, hash: sha256, buf });
  }).then((reply) => {
    if ('error' in reply) {
      giveBack(buf);
      throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    }
    let released = false;
    return {
      bytes: new Uint8Array(buf, 0, reply.len),
      ...(reply.sha256 !== undefined ? { sha256: reply.sha256 } : {}),
      release: () => {
        if (released) return;
        released = true;
        giveBack(buf);
      },
    };
  });
}

function giveBack(buf: SharedArrayBuffer): void {
  if (pool.length >= POOL_MAX) pool.sort((a, b) => a.byteLength - b.byteLength).shift();
  pool.push(buf);
}
