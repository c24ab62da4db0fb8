import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepotClient, DepotError, FileResumeStore } from '../src/index.js';
import { recordingFetch, scratch, startDepot, type TestDepot } from './helpers/depot.js';

let depot: TestDepot;
let work: { dir: string; remove: () => Promise<void> };
const data = randomBytes(2 * 2 ** 20 + 11);
let id: string;
let store: FileResumeStore;

const client = (f?: typeof fetch) => new DepotClient({ url: depot.url, token: depot.token, store, fetch: f });

beforeAll(async () => {
  depot = await startDepot();
  work = await scratch('depot-dl-');
  store = new FileResumeStore(path.join(work.dir, 'state.json'));
  id = (await client().upload(data)).id;
});
afterAll(async () => {
  await depot.close();
  await work.remove();
});

describe('DepotClient.download', () => {
  it('downloads a file and checks its sha256', async () => {
    const dest = path.join(work.dir, 'whole.bin');
    const res = await client().download(id, dest);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(res).toMatchObject({ size: data.length, resumed: false, bytesReceived: data.length });
    expect(res.sha256).toBe(createSha(data));
  });

  it('resumes a partial destination with Range and If-Range', async () => {
    const dest = path.join(work.dir, 'partial.bin');
    await client().download(id, dest);
    await truncate(dest, 1_000_000);
    const rec = recordingFetch();
    const res = await client(rec.fetch).download(id, dest);
    expect(res.resumed).toBe(true);
    expect(res.bytesReceived).toBe(data.length - 1_000_000);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(rec.seen[0]?.headers.get('range')).toBe('bytes=1000000-');
  });

  it('leaves a complete destination as it is', async () => {
    const dest = path.join(work.dir, 'done.bin');
    await writeFile(dest, data);
    const res = await client().download(id, dest);
    expect(res.bytesReceived).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
  });

  it('removes the file and fails with ERR_DIGEST_MISMATCH when the bytes are wrong', async () => {
    const dest = path.join(work.dir, 'bad.bin');
    // a partial destination whose bytes are not the file's: the resumed whole cannot match
    await writeFile(dest, randomBytes(500_000));
    const err = await client()
      .download(id, dest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DepotError);
    expect(err).toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    await expect(stat(dest)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails at once, without retrying, on an unfinished upload (409 ERR_UPLOAD_INCOMPLETE)', async () => {
    const created = await fetch(`${depot.url}/files/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${depot.token}`, 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' },
    });
    const unfinished = String(created.headers.get('location')).split('/').pop() as string;
    const rec = recordingFetch();
    const err = await client(rec.fetch)
      .download(unfinished, path.join(work.dir, 'unfinished.bin'))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_UPLOAD_INCOMPLETE', status: 409 });
    expect(rec.seen.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('fails with the server error for an unknown id', async () => {
    const err = await client()
      .download('f_unknown', path.join(work.dir, 'x.bin'))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404 });
  });
});

function createSha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('base64');
}
