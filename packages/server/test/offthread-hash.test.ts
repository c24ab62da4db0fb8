import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OffThreadHash } from '../src/core/offthread-hash.js';

const MiB = 2 ** 20;
const expected = (alg: string, ...parts: Uint8Array[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
};
/** `data` given in pieces of `size` bytes, as a socket would. */
const feed = (h: OffThreadHash, data: Uint8Array, size: number) => {
  for (let at = 0; at < data.length; at += size) h.update(data.subarray(at, at + size));
  return h;
};

describe('OffThreadHash', () => {
  it('equals node:crypto for every algorithm, on this thread (small) or on the hashing thread', async () => {
    for (const alg of ['sha256', 'sha1', 'md5']) {
      for (const size of [0, 1, 1000, MiB - 1, MiB, MiB + 1, 5 * MiB + 12345]) {
        const data = randomBytes(size);
        for (const hint of [size, undefined]) {
          const got = await feed(new OffThreadHash(alg, hint), data, 65_536).digest();
          expect(got.equals(expected(alg, data)), `${alg} ${size} ${hint}`).toBe(true);
        }
      }
    }
  });

  it('copies a state at any point, inline or threaded; each copy goes on alone', async () => {
    for (const [split, hint] of [
      [100, 10 * MiB],
      [100, 1000],
      [3 * MiB, undefined],
    ] as const) {
      const head = randomBytes(split);
      const a = randomBytes(2 * MiB);
      const b = randomBytes(777);
      const base = feed(new OffThreadHash('sha256', hint), head, 50_000);
      const twin = base.copy();
      feed(base, a, 64 * 1024);
      twin.update(b);
      const [gotBase, gotTwin] = await Promise.all([base.digest(), twin.digest()]);
      expect(gotBase.equals(expected('sha256', head, a))).toBe(true);
      expect(gotTwin.equals(expected('sha256', head, b))).toBe(true);
    }
  });

  it('copies the bytes it is given, so a caller may reuse its buffer at once', async () => {
    const buf = Buffer.alloc(300 * 1024);
    const h = new OffThreadHash('sha256');
    const all: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      buf.fill(i);
      all.push(Buffer.from(buf));
      h.update(buf);
    }
    expect((await h.digest()).equals(expected('sha256', ...all))).toBe(true);
  });

  it('hashes many uploads at once, each to its own digest, and reports no backlog once idle', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => randomBytes(MiB + i * 4099));
    const digests = await Promise.all(
      inputs.map((d) => feed(new OffThreadHash('sha256'), d, 16_384).digest()),
    );
    digests.forEach((d, i) => {
      expect(d.equals(expected('sha256', inputs[i]!))).toBe(true);
    });
    expect(OffThreadHash.backlog()).toBeUndefined();
  });

  it('lets many writers wait on the backlog at once, without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      // 8 MiB sent at once is twice the in-flight budget: 50 writers (uploads) wait for it
      const data = randomBytes(8 * MiB);
      const hash = feed(new OffThreadHash('sha256'), data, 65_536);
      const waits = Array.from({ length: 50 }, () => OffThreadHash.backlog());
      expect(waits.every((w) => w instanceof Promise)).toBe(true);
      await Promise.all(waits);
      expect((await hash.digest()).equals(expected('sha256', data))).toBe(true);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('feeds several hashes from one copy: each digests alone, the others go on', async () => {
    for (const hints of [
      [undefined, undefined],
      [10 * MiB, 1000],
      [1000, undefined],
    ] as const) {
      const head = randomBytes(3 * MiB + 5);
      const running = feed(new OffThreadHash('sha256', hints[0]), head, 65_536);
      const chunkHash = new OffThreadHash('sha256', hints[1]);
      const fileHash = running.copy();
      const chunk = randomBytes(2 * MiB + 99);
      const sink = OffThreadHash.feed([chunkHash, fileHash]);
      for (let at = 0; at < chunk.length; at += 65_536) sink.update(chunk.subarray(at, at + 65_536));
      // the chunk's hash is used up first; the file's goes on alone, and its copy too
      expect((await chunkHash.digest()).equals(expected('sha256', chunk))).toBe(true);
      const tail = randomBytes(MiB + 3);
      const twin = fileHash.copy();
      feed(fileHash, tail, 50_000);
      const [gotFile, gotTwin, gotRunning] = await Promise.all([
        fileHash.digest(),
        twin.digest(),
        running.digest(),
      ]);
      expect(gotFile.equals(expected('sha256', head, chunk, tail))).toBe(true);
      expect(gotTwin.equals(expected('sha256', head, chunk))).toBe(true);
      expect(gotRunning.equals(expected('sha256', head))).toBe(true);
    }
  });

  it('keeps a process alive while it owes a digest, and not once it is idle', async () => {
    // A script (here, the built module in a process of its own) awaits a digest made on the
    // hashing thread, then has nothing left to do: it must get the digest and then exit.
    const built = path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../dist/core/offthread-hash.js',
    );
    const script = `
      import { OffThreadHash } from ${JSON.stringify(pathToFileURL(built).href)};
      const h = new OffThreadHash('sha256', 2 ** 30);
      h.update(new Uint8Array(3 * 2 ** 20).fill(7));
      console.log((await h.digest()).toString('hex'));`;
    const started = Date.now();
    // (run as a module, and with a V8 flag, which a worker refuses to be given: neither may break it)
    const flags = ['--input-type=module', '--max-old-space-size=512'];
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '-e', script], {
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe(expected('sha256', new Uint8Array(3 * MiB).fill(7)).toString('hex'));
    // (killed by the timeout, execFile would have rejected)
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
