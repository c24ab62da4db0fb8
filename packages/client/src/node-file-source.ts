import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import path from 'node:path';
import { ClientCodes, DepotError } from './errors.js';
import { typeOfName } from './media-types.js';
import { readChunkOffThread, warmChunkReader } from './node-chunk-reader.js';
import type { UploadSource } from './source.js';

const SMALL = 256 * 1024;
/** From this size on, chunks are read and hashed on the reading thread (it costs a thread start). */
const OFF_THREAD = 8 * 2 ** 20;

/**
 * A file on disk: read by position, fingerprinted by path, size and mtime. Opening, stat and the
 * read of a small file are synchronous: each is microseconds, and for a batch of small files the
 * promise API's per-call overhead (measured: most of the client's CPU) is what would cost.
 */
export async function fileSource(file: string): Promise<UploadSource> {
  const abs = path.resolve(file);
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (err) {
    throw new DepotError(ClientCodes.source, undefined, sourceMessage(file, err as NodeJS.ErrnoException), {
      cause: err,
    });
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new DepotError(ClientCodes.source, undefined, `${file}: not a regular file`);
  }
  const name = path.basename(abs);
  const type = typeOfName(name);
  const about = {
    size: st.size,
    name,
    ...(type ? { type } : {}),
    fingerprint: `path:${abs}:${st.size}:${st.mtimeMs}`,
  };
  if (st.size <= SMALL) {
    const bytes = new Uint8Array(st.size);
    let got = 0;
    try {
      for (let n = 1; got < st.size && n > 0; got += n) n = readSync(fd, bytes, got, st.size - got, got);
    } finally {
      closeSync(fd);
    }
    const whole = bytes.subarray(0, got);
    return { ...about, read: async (start, end) => whole.subarray(start, end), close: async () => {} };
  }
  if (st.size >= OFF_THREAD) warmChunkReader();
  let closed = false;
  const reading = new Set<Promise<unknown>>();
  /**
   * Bytes read after the file was changed would be stored beside bytes read before it, and the
   * result would be neither version: each read is checked against the size and mtime the upload
   * started with (an fstat, microseconds).
   */
  const unchanged = <T>(bytes: T): T => {
    const now = fstatSync(fd);
    if (now.size !== st.size || now.mtimeMs !== st.mtimeMs) {
      throw new DepotError(
        ClientCodes.source,
        undefined,
        `${file}: the file changed during the upload; upload it again to send its new content`,
      );
    }
    return bytes;
  };
  const offThread = (start: number, end: number, sha256: boolean) => {
    const chunk = readChunkOffThread(fd, start, Math.min(end, st.size), sha256).then((c) => {
      try {
        return unchanged(c);
      } catch (err) {
        c.release?.();
        throw err;
      }
    });
    const settled: Promise<unknown> = chunk.then(
      () => reading.delete(settled),
      () => reading.delete(settled),
    );
    reading.add(settled);
    return chunk;
  };
  return {
    ...about,
    ...(st.size >= OFF_THREAD ? { readChunk: offThread } : {}),
    async read(start, end) {
      const want = Math.max(0, Math.min(end, st.size) - start);
      const buf = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const n = await readAt(fd, buf, got, want - got, start + got);
        if (n === 0) break;
        got += n;
      }
      return unchanged(got === want ? buf : buf.subarray(0, got));
    },
    close: async () => {
      // a read still running on the reading thread must not find the descriptor closed (or reused)
      await Promise.all(reading);
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

function readAt(
  fd: number,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function sourceMessage(file: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `${file}: no such file`;
  if (err.code === 'EACCES') return `${file}: permission denied`;
  if (err.code === 'EISDIR') return `${file}: is a directory`;
  return `${file}: ${err.message}`;
}
