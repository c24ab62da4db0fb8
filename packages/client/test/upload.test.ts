import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, truncateSync, writeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepotClient, DepotError, FileResumeStore, type Progress } from '../src/index.js';
import { recordingFetch, scratch, startDepot, type TestDepot } from './helpers/depot.js';

let depot: TestDepot;
let work: { dir: string; remove: () => Promise<void> };
const KiB = 1024;
const data = randomBytes(300 * KiB + 7);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const client = (extra: Partial<ConstructorParameters<typeof DepotClient>[0]> = {}) =>
  new DepotClient({ url: depot.url, token: depot.token, store: false, ...extra });

async function stored(id: string): Promise<Buffer> {
  const res = await fetch(`${depot.url}/files/${id}`, {
    headers: { Authorization: `Bearer ${depot.token}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  depot = await startDepot();
  work = await scratch('depot-sdk-');
});
afterAll(async () => {
  await depot.close();
  await work.remove();
});

describe('DepotClient.upload', () => {
  it('uploads bytes in chunks, each with a sha256 Upload-Checksum', async () => {
    const rec = recordingFetch();
    const res = await client({ fetch: rec.fetch }).upload(data, { chunkSize: 64 * KiB });
    expect(sha256(await stored(res.id))).toBe(sha256(data));
    const patches = rec.seen.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBe(Math.ceil(data.length / (64 * KiB)));
    for (const p of patches) expect(p.headers.get('upload-checksum')).toMatch(/^sha256 [A-Za-z0-9+/]+=*$/);
    expect(res.size).toBe(data.length);
  });

  it('asks the server with one OPTIONS: the probe answer serves the uploads after it', async () => {
    const rec = recordingFetch();
    const c = client({ fetch: rec.fetch });
    const caps = await c.probe();
    expect(caps.checksums.has('sha256')).toBe(true);
    await c.upload(data, { chunkSize: 64 * KiB });
    await c.upload(data.subarray(0, 1000));
    expect(rec.seen.filter((r) => r.method === 'OPTIONS').length).toBe(1);
    // without a probe, the first upload asks
    const fresh = recordingFetch();
    await client({ fetch: fresh.fetch }).upload(data.subarray(0, 1000));
    expect(fresh.seen.map((r) => r.method)).toEqual(['OPTIONS', 'POST']);
  });

  it('reads the first chunk while the upload is being created', async () => {
    const events: string[] = [];
    class Watched extends Blob {
      override slice(start?: number, end?: number, type?: string): Blob {
        events.push(`read ${start}`);
        return super.slice(start, end, type);
      }
    }
    const slow: typeof fetch = async (input, init) => {
      const method = init?.method ?? 'GET';
      events.push(method);
      const res = await fetch(input, init);
      if (method === 'POST') await new Promise((r) => setTimeout(r, 200)); // a slow link
      events.push(`${method} answered`);
      return res;
    };
    const res = await client({ fetch: slow }).upload(new Watched([data]), { chunkSize: 64 * KiB });
    expect((await stored(res.id)).equals(data)).toBe(true);
    expect(events.indexOf('read 0')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('read 0')).toBeLessThan(events.indexOf('POST answered'));
    // each chunk is read once
    expect(events.filter((e) => e === 'read 0').length).toBe(1);
  });

  it('sends no Upload-Checksum with checksum: false', async () => {
    const rec = recordingFetch();
    const res = await client({ fetch: rec.fetch }).upload(data, { chunkSize: 64 * KiB, checksum: false });
    expect((await stored(res.id)).equals(data)).toBe(true);
    expect(rec.seen.filter((r) => r.method === 'PATCH').length).toBeGreaterThan(1);
    expect(rec.seen.some((r) => r.headers.has('upload-checksum'))).toBe(false);
  });

  it('reads and hashes a large file off the main thread, growing fast chunks from 16 MiB', async () => {
    const MiB = 1024 * KiB;
    const big = randomBytes(100 * MiB + 12_345);
    const file = path.join(work.dir, 'big.bin');
    await writeFile(file, big);
    const rec = recordingFetch();
    const res = await client({ fetch: rec.fetch }).upload(file);
    expect((await stored(res.id)).equals(big)).toBe(true);
    const patches = rec.seen.filter((r) => r.method === 'PATCH');
    // 16 MiB, then doubled after each chunk sent in under a second, up to 64 MiB; the chunk read
    // ahead while one is on the wire has the size known when it was started. Locally (unless the
    // machine is starved) that is 16, 16, 32, 36 MiB + the rest.
    const sizes = patches.map((p) => p.bytes);
    expect(sizes[0]).toBe(16 * MiB);
    expect(Math.max(...sizes)).toBeGreaterThan(16 * MiB);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * MiB);
    for (let i = 1; i < sizes.length - 1; i++) expect([1, 2]).toContain(sizes[i]! / sizes[i - 1]!);
    let at = 0;
    for (const p of patches) {
      const want = createHash('sha256')
        .update(big.subarray(at, at + p.bytes))
        .digest('base64');
      expect(p.headers.get('upload-checksum')).toBe(`sha256 ${want}`);
      at += p.bytes;
    }
    // a chunk size that was asked for stays as it is
    const fixed = recordingFetch();
    await client({ fetch: fixed.fetch }).upload(file, { chunkSize: 40 * MiB, checksum: false });
    const fixedSizes = fixed.seen.filter((r) => r.method === 'PATCH').map((p) => p.bytes);
    expect(fixedSizes).toEqual([40 * MiB, 40 * MiB, 20 * MiB + 12_345]);
  });

  it('uploads a file by path with its name in the metadata', async () => {
    const file = path.join(work.dir, 'report.csv');
    await writeFile(file, data);
    const res = await client().upload(file, { chunkSize: 100 * KiB });
    expect((await stored(res.id)).equals(data)).toBe(true);
    const head = await fetch(`${depot.url}/files/${res.id}`, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${depot.token}` },
    });
    expect(head.headers.get('content-disposition')).toContain('report.csv');
  });

  it('uploads a small Blob in the creation request alone, and reports it whole', async () => {
    const rec = recordingFetch();
    const seen: Progress[] = [];
    const res = await client({ fetch: rec.fetch }).upload(new Blob([data.subarray(0, 1000)]), {
      onProgress: (p) => seen.push(p),
    });
    expect((await stored(res.id)).equals(data.subarray(0, 1000))).toBe(true);
    expect(rec.seen.map((r) => r.method)).toEqual(['OPTIONS', 'POST']);
    expect(res).toMatchObject({ size: 1000, resumed: false, bytesSent: 1000 });
    expect(seen.map((p) => [p.bytesSent, p.bytesTotal])).toEqual([[1000, 1000]]);
  });

  it('uploads a stream of unknown length with Upload-Defer-Length', async () => {
    const rec = recordingFetch();
    const stream = Readable.from([data.subarray(0, 70 * KiB), data.subarray(70 * KiB)]);
    const res = await client({ fetch: rec.fetch }).upload(stream, { chunkSize: 64 * KiB });
    expect((await stored(res.id)).equals(data)).toBe(true);
    const post = rec.seen.find((r) => r.method === 'POST');
    expect(post?.headers.get('upload-defer-length')).toBe('1');
    expect(rec.seen.filter((r) => r.headers.has('upload-length')).length).toBe(1);
  });

  it('uploads a web ReadableStream whose length is a multiple of the chunk size', async () => {
    const body = data.subarray(0, 128 * KiB);
    const res = await client().upload(new Blob([body]).stream(), { chunkSize: 64 * KiB });
    expect((await stored(res.id)).equals(body)).toBe(true);
  });

  it('splits into parts uploaded at once and concatenates them', async () => {
    const big = randomBytes(16 * 2 ** 20 + 3);
    const rec = recordingFetch();
    const res = await client({ fetch: rec.fetch }).upload(big, { parallel: 3, chunkSize: 2 * 2 ** 20 });
    expect(sha256(await stored(res.id))).toBe(sha256(big));
    const posts = rec.seen.filter((r) => r.method === 'POST').map((r) => r.headers.get('upload-concat'));
    expect(posts.filter((c) => c === 'partial').length).toBe(3);
    expect(posts.filter((c) => c?.startsWith('final;')).length).toBe(1);
  });

  it('sends a chunk again after the server refuses its checksum (460)', async () => {
    let corrupted = 0;
    const rec = recordingFetch((method, _headers, body) => {
      if (method !== 'PATCH' || !body || corrupted > 0) return body;
      corrupted++;
      const bad = Uint8Array.from(body);
      bad[0] = (bad[0] as number) ^ 0xff;
      return bad;
    });
    const res = await client({ fetch: rec.fetch, retry: { minDelay: 10 } }).upload(data, {
      chunkSize: 64 * KiB,
    });
    expect(corrupted).toBe(1);
    expect((await stored(res.id)).equals(data)).toBe(true);
    expect(rec.seen.some((r) => r.method === 'HEAD')).toBe(true);
  });

  it('reports progress up to the whole size, with a rate', async () => {
    const seen: Progress[] = [];
    await client().upload(data, { chunkSize: 64 * KiB, onProgress: (p) => seen.push(p) });
    const last = seen.at(-1);
    expect(last?.bytesSent).toBe(data.length);
    expect(last?.bytesTotal).toBe(data.length);
    expect(last?.eta).toBe(0);
    expect(seen.map((p) => p.bytesSent)).toEqual([...seen.map((p) => p.bytesSent)].sort((a, b) => a - b));
  });

  it('pauses on abort and resumes in another client, sending only the missing bytes', async () => {
    const file = path.join(work.dir, 'resume.bin');
    const body = randomBytes(1024 * KiB);
    await writeFile(file, body);
    const store = new FileResumeStore(path.join(work.dir, 'state', 'uploads.json'));
    const pause = new AbortController();
    let confirmed = 0;
    const first = client({ store }).upload(file, {
      chunkSize: 128 * KiB,
      signal: pause.signal,
      onProgress: (p) => {
        confirmed = p.bytesSent;
        if (p.bytesSent >= 512 * KiB) pause.abort();
      },
    });
    await expect(first).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(confirmed).toBeGreaterThanOrEqual(512 * KiB);

    const again = await client({ store }).upload(file, { chunkSize: 128 * KiB });
    expect(again.resumed).toBe(true);
    expect(again.bytesSent).toBeLessThanOrEqual(body.length - 512 * KiB);
    expect((await stored(again.id)).equals(body)).toBe(true);
    // finished: the store forgets it
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual({});
  });

  it('fails with a typed error for a bad token', async () => {
    const err = await new DepotClient({ url: depot.url, token: 'not-a-token', store: false })
      .upload(data)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DepotError);
    expect(err).toMatchObject({ status: 401, code: 'ERR_UNAUTHORIZED' });
  });

  it('fails with ERR_SOURCE, in a few requests, when the file shrinks or changes during the upload', async () => {
    const MiB = 1024 * KiB;
    // a big file (read on the reading thread) and a small one (read on the main thread)
    for (const [size, chunkSize] of [
      [20 * MiB, MiB],
      [MiB, 64 * KiB],
    ] as const) {
      for (const change of ['shrink', 'rewrite'] as const) {
        const file = path.join(work.dir, `changing-${size}-${change}.bin`);
        await writeFile(file, randomBytes(size));
        let patches = 0;
        const meddling: typeof fetch = async (input, init) => {
          if (init?.method === 'PATCH' && ++patches === 3) {
            if (change === 'shrink') truncateSync(file, 2 * chunkSize + 10);
            else {
              const fd = openSync(file, 'r+');
              writeSync(fd, Buffer.alloc(100), 0, 100, size - 100);
              closeSync(fd);
            }
          }
          return fetch(input, init);
        };
        const err = await client({ fetch: meddling })
          .upload(file, { chunkSize })
          .catch((e: unknown) => e);
        expect(err, `${size} ${change}`).toMatchObject({ code: 'ERR_SOURCE' });
        expect((err as Error).message).toMatch(/changed during the upload/);
        expect(patches, `${size} ${change}`).toBeLessThan(8);
      }
    }
  });

  it('deletes the parts of a parallel upload once they are joined', async () => {
    const big = randomBytes(12 * 2 ** 20);
    const rec = recordingFetch();
    const res = await client({ fetch: rec.fetch }).upload(big, { parallel: 2, chunkSize: 2 * 2 ** 20 });
    expect(sha256(await stored(res.id))).toBe(sha256(big));
    const deletes = rec.seen.filter((r) => r.method === 'DELETE');
    expect(deletes).toHaveLength(2);
    const listed = await fetch(`${depot.url}/api/files?limit=1000`, {
      headers: { Authorization: `Bearer ${depot.token}` },
    });
    const ids = (await listed.json()).files.map((f: { id: string }) => f.id);
    expect(ids).toContain(res.id);
    for (const part of rec.seen.filter((r) => r.method === 'PATCH').map((r) => r.url)) {
      expect(ids).not.toContain(part.split('/').pop());
    }
  });

  it('reads a stream once: a second upload of it is refused, not stored without its first bytes', async () => {
    const MiB = 1024 * KiB;
    for (const make of [
      () => new Blob([randomBytes(8 * MiB)]).stream(),
      () => Readable.from([randomBytes(4 * MiB), randomBytes(4 * MiB)]),
    ]) {
      const stream = make();
      const ac = new AbortController();
      let patches = 0;
      const stopping: typeof fetch = async (input, init) => {
        if (init?.method === 'PATCH' && ++patches === 2) ac.abort();
        return fetch(input, init);
      };
      const first = await client({ fetch: stopping })
        .upload(stream, { chunkSize: MiB, signal: ac.signal })
        .catch((e: unknown) => e);
      expect(first).toMatchObject({ code: 'ERR_ABORTED' });
      const again = await client()
        .upload(stream, { chunkSize: MiB })
        .catch((e: unknown) => e);
      expect(again).toBeInstanceOf(DepotError);
      expect(again).toMatchObject({ code: 'ERR_SOURCE' });
    }
  });

  it('refuses inputs and options it cannot use with ERR_BAD_OPTION', async () => {
    for (const input of [null, 42, {}]) {
      const err = await client()
        .upload(input as never)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DepotError);
      expect(err).toMatchObject({ code: 'ERR_BAD_OPTION' });
    }
    for (const parallel of [0, -1, 1.5]) {
      await expect(client().upload(data, { parallel })).rejects.toMatchObject({ code: 'ERR_BAD_OPTION' });
    }
  });

  it('fails with ERR_SOURCE for a missing file', async () => {
    await expect(client().upload(path.join(work.dir, 'nope'))).rejects.toMatchObject({ code: 'ERR_SOURCE' });
  });
});
