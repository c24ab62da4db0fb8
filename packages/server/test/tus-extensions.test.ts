import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffThreadHash } from '../src/core/offthread-hash.js';
import { BACKENDS } from './helpers/backends.js';
import { chunkHeaders, createUpload, head, patch, startDepot, type TestDepot, tus } from './helpers/depot.js';

const idOf = (url: string) => url.split('/').pop() as string;
const digest = (algo: string, data: Uint8Array) =>
  `${algo} ${createHash(algo).update(data).digest('base64')}`;

describe.each(BACKENDS)('tus extensions on $name', (backend) => {
  let depot: TestDepot;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ env, cleanup } = await backend.start());
    depot = await startDepot(env);
  });
  afterAll(async () => {
    await depot?.close();
    await cleanup?.();
  });

  describe('creation-with-upload', () => {
    it('stores the POST body as the first chunk and answers with its offset', async () => {
      const data = randomBytes(5000);
      const res = await fetch(depot.files, {
        method: 'POST',
        headers: tus(depot.token, {
          'Upload-Length': '8000',
          'Content-Type': 'application/offset+octet-stream',
        }),
        body: data,
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('upload-offset')).toBe('5000');
      const url = res.headers.get('location') as string;
      expect((await depot.blob(idOf(url))).equals(data)).toBe(true);
    });

    it('keeps an upload whose creation body was refused, resumable from offset 0', async () => {
      const data = randomBytes(3000);
      const res = await fetch(depot.files, {
        method: 'POST',
        headers: tus(depot.token, {
          'Upload-Length': '2000',
          'Content-Type': 'application/offset+octet-stream',
        }),
        body: data,
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('upload-offset')).toBe('0');
      const url = res.headers.get('location') as string;
      const done = await patch(url, depot.token, 0, data.subarray(0, 2000));
      expect(done.status).toBe(204);
      expect(done.headers.get('upload-offset')).toBe('2000');
      expect((await depot.blob(idOf(url))).equals(data.subarray(0, 2000))).toBe(true);
    });

    // A whole small upload in its creation request is stored before its record, in one write.
    const postWhole = (data: Uint8Array, extra: Record<string, string> = {}) =>
      fetch(depot.files, {
        method: 'POST',
        headers: tus(depot.token, {
          'Upload-Length': String(data.length),
          'Content-Type': 'application/offset+octet-stream',
          ...extra,
        }),
        body: data,
      });
    const etagOf = async (url: string) =>
      (await fetch(url, { method: 'HEAD', headers: { Authorization: `Bearer ${depot.token}` } })).headers.get(
        'etag',
      );
    const hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

    for (const withChecksum of [false, true]) {
      it(`stores a whole upload sent in its creation request, finished with its sha256 (${withChecksum ? 'with' : 'without'} a sha256 Upload-Checksum)`, async () => {
        const data = randomBytes(16_384);
        const res = await postWhole(data, withChecksum ? { 'Upload-Checksum': digest('sha256', data) } : {});
        expect(res.status).toBe(201);
        expect(res.headers.get('upload-offset')).toBe('16384');
        const url = res.headers.get('location') as string;
        const h = await head(url, depot.token);
        expect(h.headers.get('upload-offset')).toBe('16384');
        expect(h.headers.get('upload-expires')).toBeNull();
        expect((await depot.blob(idOf(url))).equals(data)).toBe(true);
        expect(await etagOf(url)).toBe(`"${hex(data)}"`);
      });
    }

    it('keeps an upload whose whole creation body fails its checksum, empty and resumable from offset 0', async () => {
      const data = randomBytes(4000);
      const res = await postWhole(data, { 'Upload-Checksum': digest('sha256', randomBytes(10)) });
      expect(res.status).toBe(201);
      expect(res.headers.get('upload-offset')).toBe('0');
      const url = res.headers.get('location') as string;
      expect((await head(url, depot.token)).headers.get('upload-offset')).toBe('0');
      expect(await depot.blobSize(idOf(url))).toBe(0);
      const done = await patch(url, depot.token, 0, data, { 'Upload-Checksum': digest('sha256', data) });
      expect(done.status).toBe(204);
      expect(done.headers.get('upload-offset')).toBe('4000');
      expect(await etagOf(url)).toBe(`"${hex(data)}"`);
    });

    it('refuses a creation body of another type', async () => {
      const res = await fetch(depot.files, {
        method: 'POST',
        headers: tus(depot.token, { 'Upload-Length': '3', 'Content-Type': 'text/plain' }),
        body: 'abc',
      });
      expect(res.status).toBe(415);
    });
  });

  describe('creation-defer-length', () => {
    it('takes the length from a later PATCH', async () => {
      const url = await createUpload(depot, { 'Upload-Defer-Length': '1' });
      let h = await head(url, depot.token);
      expect(h.headers.get('upload-defer-length')).toBe('1');
      expect(h.headers.get('upload-length')).toBeNull();
      expect((await patch(url, depot.token, 0, Buffer.from('hello '))).status).toBe(204);
      const res = await patch(url, depot.token, 6, Buffer.from('world'), { 'Upload-Length': '11' });
      expect(res.status).toBe(204);
      h = await head(url, depot.token);
      expect(h.headers.get('upload-length')).toBe('11');
      expect(h.headers.get('upload-offset')).toBe('11');
      expect((await depot.blob(idOf(url))).toString()).toBe('hello world');
    });

    it('refuses a length that changes, or one below the offset', async () => {
      const url = await createUpload(depot, { 'Upload-Defer-Length': '1' });
      await patch(url, depot.token, 0, Buffer.from('12345'));
      expect((await patch(url, depot.token, 5, Buffer.alloc(0), { 'Upload-Length': '3' })).status).toBe(400);
      expect((await patch(url, depot.token, 5, Buffer.from('6'), { 'Upload-Length': '6' })).status).toBe(204);
      expect((await patch(url, depot.token, 6, Buffer.alloc(0), { 'Upload-Length': '7' })).status).toBe(400);
    });

    it('keeps no length from a PATCH it refuses, so the client can send the right one', async () => {
      const url = await createUpload(depot, { 'Upload-Defer-Length': '1' });
      const short = await patch(url, depot.token, 0, Buffer.from('hello'), { 'Upload-Length': '3' });
      expect(short.status).toBe(413);
      const h = await head(url, depot.token);
      expect(h.headers.get('upload-defer-length')).toBe('1');
      expect(h.headers.get('upload-length')).toBeNull();
      expect((await patch(url, depot.token, 0, Buffer.from('hello'), { 'Upload-Length': '5' })).status).toBe(
        204,
      );
      expect((await depot.blob(idOf(url))).toString()).toBe('hello');
    });

    it('rejects Upload-Defer-Length other than 1, and both or neither length header', async () => {
      for (const headers of [
        { 'Upload-Defer-Length': '2' },
        { 'Upload-Defer-Length': '1', 'Upload-Length': '5' },
        {},
      ]) {
        const res = await fetch(depot.files, { method: 'POST', headers: tus(depot.token, headers) });
        expect(res.status).toBe(400);
      }
    });
  });

  describe('checksum', () => {
    for (const algo of ['sha1', 'sha256', 'md5']) {
      it(`accepts a chunk whose ${algo} matches`, async () => {
        const data = randomBytes(70_000);
        const url = await createUpload(depot, { 'Upload-Length': String(data.length) });
        const res = await patch(url, depot.token, 0, data, { 'Upload-Checksum': digest(algo, data) });
        expect(res.status).toBe(204);
        expect((await depot.blob(idOf(url))).equals(data)).toBe(true);
      });
    }

    it('answers 460, discards the chunk and keeps the offset when the checksum does not match', async () => {
      const good = randomBytes(1000);
      const url = await createUpload(depot, { 'Upload-Length': '3000' });
      await patch(url, depot.token, 0, good);
      const bad = randomBytes(1000);
      const res = await patch(url, depot.token, 1000, bad, {
        'Upload-Checksum': digest('sha256', randomBytes(10)),
      });
      expect(res.status).toBe(460);
      expect((await res.json()).error.code).toBe('ERR_CHECKSUM_MISMATCH');
      expect((await head(url, depot.token)).headers.get('upload-offset')).toBe('1000');
      expect(await depot.blobSize(idOf(url))).toBe(1000);
      expect(
        (await patch(url, depot.token, 1000, bad, { 'Upload-Checksum': digest('sha256', bad) })).status,
      ).toBe(204);
    });

    it('keeps one hash state per upload on the hashing thread across checksummed chunks, and the right sha256', async () => {
      const chunk = 1536 * 1024;
      const data = randomBytes(6 * chunk);
      const url = await createUpload(depot, { 'Upload-Length': String(data.length) });
      const before = OffThreadHash.threaded;
      for (let at = 0; at < data.length; at += chunk) {
        const part = data.subarray(at, at + chunk);
        const res = await patch(url, depot.token, at, part, { 'Upload-Checksum': digest('sha256', part) });
        expect(res.status).toBe(204);
        // the running sha256 and nothing else: superseded and verified states are gone at once
        if (at + chunk < data.length) expect(OffThreadHash.threaded).toBe(before + 1);
      }
      expect(OffThreadHash.threaded).toBe(before);
      const got = await fetch(url, { headers: { Authorization: `Bearer ${depot.token}` } });
      const sha = createHash('sha256').update(data).digest('base64');
      expect(got.headers.get('repr-digest')).toBe(`sha-256=:${sha}:`);
      expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
    });

    it('answers 400 to an unknown algorithm or a malformed checksum', async () => {
      const url = await createUpload(depot, { 'Upload-Length': '3' });
      for (const value of [
        'crc32 AAAAAA==',
        'sha1',
        'sha1 !!!',
        `sha1 ${Buffer.alloc(5).toString('base64')}`,
        // names an object has without being a table entry
        'constructor AAAAAA==',
        'toString AAAAAA==',
        '__proto__ AAAAAA==',
      ]) {
        const res = await patch(url, depot.token, 0, Buffer.from('abc'), { 'Upload-Checksum': value });
        expect(res.status, value).toBe(400);
      }
      expect((await head(url, depot.token)).headers.get('upload-offset')).toBe('0');
      // an algorithm's name in capitals is the same algorithm
      const upper = await patch(url, depot.token, 0, Buffer.from('abc'), {
        'Upload-Checksum': digest('sha1', Buffer.from('abc')).replace('sha1', 'SHA1'),
      });
      expect(upper.status).toBe(204);
    });

    it('verifies a checksum sent as a trailer (checksum-trailer)', async () => {
      const data = randomBytes(20_000);
      const url = await createUpload(depot, { 'Upload-Length': String(data.length * 2) });
      const send = (offset: number, checksum: string) =>
        new Promise<{ status: number; offset: string | undefined }>((resolve, reject) => {
          const req = request(url, {
            method: 'PATCH',
            headers: {
              ...chunkHeaders(depot.token, offset),
              Trailer: 'Upload-Checksum',
              'Transfer-Encoding': 'chunked',
            },
          });
          req.on('response', (res) => {
            res.resume();
            resolve({
              status: res.statusCode ?? 0,
              offset: res.headers['upload-offset'] as string | undefined,
            });
          });
          req.on('error', reject);
          req.write(data);
          req.addTrailers({ 'Upload-Checksum': checksum });
          req.end();
        });
      expect((await send(0, digest('sha1', randomBytes(3)))).status).toBe(460);
      expect((await head(url, depot.token)).headers.get('upload-offset')).toBe('0');
      const ok = await send(0, digest('sha1', data));
      expect(ok.status).toBe(204);
      expect(ok.offset).toBe(String(data.length));
    });
  });

  describe('concatenation', () => {
    it('joins finished partial uploads into a final upload at creation', async () => {
      const a = randomBytes(1000);
      const b = randomBytes(2000);
      const pa = await createUpload(depot, { 'Upload-Length': '1000', 'Upload-Concat': 'partial' });
      const pb = await createUpload(depot, { 'Upload-Length': '2000', 'Upload-Concat': 'partial' });
      expect((await head(pa, depot.token)).headers.get('upload-concat')).toBe('partial');
      await patch(pa, depot.token, 0, a);
      await patch(pb, depot.token, 0, b);
      const final = await createUpload(depot, { 'Upload-Concat': `final;${new URL(pa).pathname} ${pb}` });
      const h = await head(final, depot.token);
      expect(h.headers.get('upload-offset')).toBe('3000');
      expect(h.headers.get('upload-length')).toBe('3000');
      expect(h.headers.get('upload-concat')).toBe(`final;/files/${idOf(pa)} /files/${idOf(pb)}`);
      expect((await depot.blob(idOf(final))).equals(Buffer.concat([a, b]))).toBe(true);
      // its sha256: taken while the parts are copied (local disk) or read once joined (S3)
      const info = await fetch(`${depot.url}/api/files/${idOf(final)}`, {
        headers: { authorization: `Bearer ${depot.token}` },
      });
      expect((await info.json()).sha256).toBe(
        createHash('sha256')
          .update(Buffer.concat([a, b]))
          .digest('hex'),
      );
      const p = await patch(final, depot.token, 3000, Buffer.from('x'));
      expect(p.status).toBe(403);
    });

    it('accepts a final upload before its parts finish, and joins them when the last one does', async () => {
      const a = randomBytes(500);
      const b = randomBytes(700);
      const pa = await createUpload(depot, { 'Upload-Length': '500', 'Upload-Concat': 'partial' });
      const pb = await createUpload(depot, { 'Upload-Defer-Length': '1', 'Upload-Concat': 'partial' });
      const final = await createUpload(depot, { 'Upload-Concat': `final;${pa} ${pb}` });
      let h = await head(final, depot.token);
      expect(h.headers.get('upload-offset')).toBeNull();
      await patch(pa, depot.token, 0, a);
      await patch(pb, depot.token, 0, b, { 'Upload-Length': '700' });
      h = await head(final, depot.token);
      expect(h.headers.get('upload-offset')).toBe('1200');
      expect((await depot.blob(idOf(final))).equals(Buffer.concat([a, b]))).toBe(true);
    });

    it(
      'expires finished parts no final waits for, keeping the bytes of the finals made of them',
      { timeout: 60_000 },
      async () => {
        const short = await startDepot({ ...env, DEPOT_UPLOAD_EXPIRY: '3s', DEPOT_EXPIRY_INTERVAL: '100ms' });
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        const part = async (length: number) =>
          createUpload(short, { 'Upload-Length': String(length), 'Upload-Concat': 'partial' });
        const gone = async (url: string) => {
          await expect
            .poll(async () => (await head(url, short.token)).status, { timeout: 15_000, interval: 100 })
            .toBeOneOf([404, 410]);
          await expect.poll(() => short.blobSize(idOf(url)), { timeout: 15_000 }).toBeUndefined();
        };
        try {
          // joined at once
          const [a, b] = [randomBytes(1000), randomBytes(2000)];
          const [pa, pb] = [await part(1000), await part(2000)];
          await patch(pa, short.token, 0, a);
          await patch(pb, short.token, 0, b);
          const joined = await createUpload(short, { 'Upload-Concat': `final;${pa} ${pb}` });
          // an orphan: its client never sent the final (it crashed, say)
          const orphan = await part(300);
          expect((await patch(orphan, short.token, 0, randomBytes(300))).status).toBe(204);
          expect((await head(orphan, short.token)).headers.get('upload-expires')).not.toBeNull();
          // a final declared before its second part finishes: the first part's expiry passes
          // while it waits, and it is still there to be joined when the second one finishes
          const [e, f] = [randomBytes(400), randomBytes(600)];
          const pe = await part(400);
          const pf = await part(600);
          await patch(pe, short.token, 0, e);
          await patch(pf, short.token, 0, f.subarray(0, 100));
          const finishedE = Date.now();
          await sleep(1500);
          const waiting = await createUpload(short, { 'Upload-Concat': `final;${pe} ${pf}` });
          await sleep(1000);
          expect((await patch(pf, short.token, 100, f.subarray(100, 200))).status).toBe(204);
          // past pe's expiry, with sweeps every 100 ms meanwhile; well before the final's own
          await sleep(Math.max(0, finishedE + 3400 - Date.now()));
          expect((await patch(pf, short.token, 200, f.subarray(200))).status).toBe(204);
          const h = await head(waiting, short.token);
          expect(h.headers.get('upload-offset')).toBe('1000');
          expect((await short.blob(idOf(waiting))).equals(Buffer.concat([e, f]))).toBe(true);
          // the parts nobody waits for any more go, and the finals keep their bytes
          for (const url of [orphan, pa, pb, pe, pf]) await gone(url);
          expect((await short.blob(idOf(joined))).equals(Buffer.concat([a, b]))).toBe(true);
          expect((await short.blob(idOf(waiting))).equals(Buffer.concat([e, f]))).toBe(true);
          const download = await fetch(joined, { headers: { Authorization: `Bearer ${short.token}` } });
          expect(download.status).toBe(200);
          expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.concat([a, b]))).toBe(true);
        } finally {
          await short.close();
        }
      },
    );

    it('refuses parts that are missing, not partial, or another owner’s', async () => {
      const plain = await createUpload(depot, { 'Upload-Length': '1' });
      const alice = await depot.tokenFor('alice-concat');
      const foreign = await createUpload(depot, { 'Upload-Length': '1', 'Upload-Concat': 'partial' }, alice);
      const post = (concat: string) =>
        fetch(depot.files, { method: 'POST', headers: tus(alice, { 'Upload-Concat': concat }) });
      expect((await post(`final;${depot.files}${'0'.repeat(32)}`)).status).toBe(404);
      expect((await post(`final;${plain}`)).status).toBe(404);
      const bob = await depot.tokenFor('bob-concat');
      const res = await fetch(depot.files, {
        method: 'POST',
        headers: tus(bob, { 'Upload-Concat': `final;${foreign}` }),
      });
      expect(res.status).toBe(404);
      const notPartial = await createUpload(depot, { 'Upload-Length': '1' }, alice);
      expect((await post(`final;${notPartial}`)).status).toBe(400);
      expect((await post('final;')).status).toBe(400);
      expect((await post('final;/files/../../etc/passwd')).status).toBe(400);
    });
  });

  describe('expiration', () => {
    it('removes unfinished uploads after DEPOT_UPLOAD_EXPIRY, freeing their disk, and keeps finished ones', async () => {
      const short = await startDepot({
        ...env,
        DEPOT_UPLOAD_EXPIRY: '300ms',
        DEPOT_EXPIRY_INTERVAL: '100ms',
      });
      try {
        const unfinished = await createUpload(short, { 'Upload-Length': '10' });
        await patch(unfinished, short.token, 0, Buffer.from('12345'));
        const finished = await createUpload(short, { 'Upload-Length': '3' });
        await patch(finished, short.token, 0, Buffer.from('abc'));
        const created = await fetch(short.files, {
          method: 'POST',
          headers: tus(short.token, { 'Upload-Length': '1' }),
        });
        expect(new Date(created.headers.get('upload-expires') as string).getTime()).toBeGreaterThan(
          Date.now() - 1000,
        );
        // The sweep runs every 100 ms; a loaded machine (or S3 behind it) may take longer to finish
        // one, so wait for the removal rather than for a fixed time.
        await expect
          .poll(async () => (await head(unfinished, short.token)).status, { timeout: 15_000, interval: 100 })
          .toBeOneOf([404, 410]);
        await expect.poll(() => short.blobSize(idOf(unfinished)), { timeout: 15_000 }).toBeUndefined();
        expect((await head(finished, short.token)).status).toBe(200);
      } finally {
        await short.close();
      }
    });
  });
});
