import { open } from 'node:fs/promises';
import path from 'node:path';
import { ClientCodes, DepotError } from './errors.js';
import type { UploadSource } from './source.js';

/** A file on disk: read by position, fingerprinted by path, size and mtime. */
export async function fileSource(file: string): Promise<UploadSource> {
  const abs = path.resolve(file);
  const handle = await open(abs, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new DepotError(ClientCodes.source, undefined, sourceMessage(file, err), { cause: err });
  });
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw new DepotError(ClientCodes.source, undefined, `${file}: not a regular file`);
  }
  return {
    size: st.size,
    name: path.basename(abs),
    fingerprint: `path:${abs}:${st.size}:${st.mtimeMs}`,
    async read(start, end) {
      const want = Math.max(0, Math.min(end, st.size) - start);
      const buf = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buf, got, want - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === want ? buf : buf.subarray(0, got);
    },
    close: () => handle.close(),
  };
}

function sourceMessage(file: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `${file}: no such file`;
  if (err.code === 'EACCES') return `${file}: permission denied`;
  if (err.code === 'EISDIR') return `${file}: is a directory`;
  return `${file}: ${err.message}`;
}
