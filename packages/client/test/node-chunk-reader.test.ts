import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChunkOffThread } from '../src/node-chunk-reader.js';
import { scratch } from './helpers/depot.js';

const MiB = 2 ** 20;
const data = randomBytes(5 * MiB + 333);
const b64 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');
let work: { dir: string; remove: () => Promise<void> };
let fd: number;

beforeAll(async () => {
  work = await scratch('depot-reader-');
  const file = path.join(work.dir, 'data.bin');
  await writeFile(file, data);
  fd = openSync(file, 'r');
});
afterAll(async () => {
  closeSync(fd);
  await work.remove();
});

describe('readChunkOffThread', () => {
  it('reads any range with its sha256, and reuses released buffers without mixing their bytes', async () => {
    const ranges = [
      [0, 2 * MiB],
      [2 * MiB, 4 * MiB],
      [100, 100 + MiB], // into a released, larger buffer
      [4 * MiB, 8 * MiB], // past the end: fewer bytes
      [3, 3],
    ] as const;
    for (const [start, end] of ranges) {
      const chunk = await readChunkOffThread(fd, start, end, true);
      const want = data.subarray(start, end);
      expect(Buffer.from(chunk.bytes).equals(want), `${start}-${end}`).toBe(true);
      expect(chunk.sha256).toBe(b64(want));
      chunk.release?.();
    }
    const plain = await readChunkOffThread(fd, 7, 7 + MiB, false);
    expect(plain.sha256).toBeUndefined();
    expect(Buffer.from(plain.bytes).equals(data.subarray(7, 7 + MiB))).toBe(true);
  });

  it('hands out chunks in shared memory (never transferred), reusing a released buffer', async () => {
    const first = await readChunkOffThread(fd, 0, MiB, true);
    expect(first.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    const held = await readChunkOffThread(fd, MiB, 2 * MiB, true);
    expect(held.bytes.buffer).not.toBe(first.bytes.buffer);
    first.release?.();
    const next = await readChunkOffThread(fd, 2 * MiB, 3 * MiB, false);
    expect(next.bytes.buffer).toBe(first.bytes.buffer);
    expect(Buffer.from(next.bytes).equals(data.subarray(2 * MiB, 3 * MiB))).toBe(true);
    expect(Buffer.from(held.bytes).equals(data.subarray(MiB, 2 * MiB))).toBe(true);
    held.release?.();
    next.release?.();
  });

  it('fails with the read error for a descriptor that is not open', async () => {
    await expect(readChunkOffThread(987_654, 0, 10, true)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('works in a process run with --input-type=module and V8 flags', async () => {
    const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/node-chunk-reader.js');
    const file = path.join(work.dir, 'data.bin');
    const script = `
      import { openSync } from 'node:fs';
      import { readChunkOffThread } from ${JSON.stringify(pathToFileURL(built).href)};
      const chunk = await readChunkOffThread(openSync(${JSON.stringify(file)}, 'r'), 0, 1000, true);
      console.log(chunk.sha256);`;
    const flags = ['--input-type=module', '--max-old-space-size=512'];
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '-e', script], {
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe(b64(data.subarray(0, 1000)));
  });

  it('a started reading thread with nothing to read does not keep the process alive', async () => {
    const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/node-chunk-reader.js');
    const script = `
      import { warmChunkReader } from ${JSON.stringify(pathToFileURL(built).href)};
      warmChunkReader();
      console.log('started');`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 15_000, // a thread that stays referenced: the child is killed, and this rejects
    });
    expect(stdout.trim()).toBe('started');
  });
});
