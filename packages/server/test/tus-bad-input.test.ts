import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkHeaders, createUpload, head, patch, startDepot, type TestDepot, tus } from './helpers/depot.js';
import { rawRequest } from './helpers/raw-http.js';

let depot: TestDepot;
beforeAll(async () => {
  depot = await startDepot({ DEPOT_MAX_UPLOAD_SIZE: '1MiB' });
});
afterAll(() => depot.close());

const idOf = (url: string) => url.split('/').pop() as string;
const codeOf = (body: string) => JSON.parse(body).error.code as string;

describe('bad Upload-Length', () => {
  const cases: Array<[string, string | string[]]> = [
    ['non-numeric', 'abc'],
    ['negative', '-1'],
    ['fractional', '1.5'],
    ['duplicate', ['5', '5']],
    ['too big to be exact', '99999999999999999999'],
  ];
  for (const [name, value] of cases) {
    it(`answers 400 to a ${name} Upload-Length`, async () => {
      const res = await rawRequest(depot.url, 'POST', '/files/', {
        ...tus(depot.token),
        'Upload-Length': value,
      });
      expect(res.status).toBe(400);
      expect(codeOf(res.body)).toBe('ERR_INVALID_HEADER');
    });
  }
  it('answers 400 to a missing Upload-Length', async () => {
    const res = await rawRequest(depot.url, 'POST', '/files/', tus(depot.token));
    expect(res.status).toBe(400);
  });
});

describe('bad Upload-Offset', () => {
  const cases: Array<[string, string | string[] | undefined]> = [
    ['missing', undefined],
    ['non-numeric', 'x'],
    ['negative', '-5'],
    ['duplicate', ['0', '0']],
  ];
  for (const [name, value] of cases) {
    it(`answers 400 to a ${name} Upload-Offset and writes nothing`, async () => {
      const url = await createUpload(depot, { 'Upload-Length': '10' });
      const headers: Record<string, string | string[]> = { ...chunkHeaders(depot.token, 0) };
      delete headers['Upload-Offset'];
      if (value !== undefined) headers['Upload-Offset'] = value;
      const res = await rawRequest(depot.url, 'PATCH', new URL(url).pathname, headers, Buffer.from('abc'));
      expect(res.status).toBe(400);
      expect((await head(url, depot.token)).headers.get('upload-offset')).toBe('0');
    });
  }
  it('answers 409 to an offset past the length', async () => {
    const url = await createUpload(depot, { 'Upload-Length': '10' });
    const res = await patch(url, depot.token, 11, Buffer.from('a'));
    expect(res.status).toBe(409);
    expect(res.headers.get('upload-offset')).toBe('0');
  });
});

describe('a body longer than the upload', () => {
  it('is refused with 413 before any byte is written when Content-Length says so', async () => {
    const url = await createUpload(depot, { 'Upload-Length': '10' });
    const res = await patch(url, depot.token, 0, randomBytes(11));
    expect(res.status).toBe(413);
    expect((await head(url, depot.token)).headers.get('upload-offset')).toBe('0');
    expect((await stat(path.join(depot.dataDir, 'blobs', idOf(url)))).size).toBe(0);
  });

  it('never writes past the length when the body is chunked', async () => {
    const data = randomBytes(10);
    const url = await createUpload(depot, { 'Upload-Length': '10' });
    const res = await rawRequest(
      depot.url,
      'PATCH',
      new URL(url).pathname,
      { ...chunkHeaders(depot.token, 0), 'Transfer-Encoding': 'chunked' },
      [data.subarray(0, 6), Buffer.concat([data.subarray(6), Buffer.from('EXTRA BYTES')])],
    );
    expect(res.status).toBe(413);
    expect(res.headers['upload-offset']).toBe('10');
    expect((await readFile(path.join(depot.dataDir, 'blobs', idOf(url)))).equals(data)).toBe(true);
  });
});

describe('size limits', () => {
  it('answers 413 to an Upload-Length over DEPOT_MAX_UPLOAD_SIZE and advertises Tus-Max-Size', async () => {
    const res = await fetch(depot.files, {
      method: 'POST',
      headers: tus(depot.token, { 'Upload-Length': String(2 ** 20 + 1) }),
    });
    expect(res.status).toBe(413);
    expect((await fetch(depot.files, { method: 'OPTIONS' })).headers.get('tus-max-size')).toBe(
      String(2 ** 20),
    );
  });

  it('stops a deferred-length upload at DEPOT_MAX_UPLOAD_SIZE', async () => {
    const url = await createUpload(depot, { 'Upload-Defer-Length': '1' });
    expect((await patch(url, depot.token, 0, randomBytes(2 ** 20 + 5))).status).toBe(413);
    expect(
      (await patch(url, depot.token, 0, Buffer.alloc(0), { 'Upload-Length': String(2 ** 21) })).status,
    ).toBe(413);
  });

  it('answers 431 to oversized headers and 400 to oversized or malformed metadata', async () => {
    const huge = await rawRequest(depot.url, 'POST', '/files/', {
      ...tus(depot.token),
      'Upload-Length': '1',
      'X-Big': 'a'.repeat(20_000),
    });
    expect(huge.status).toBe(431);
    expect(codeOf(huge.body)).toBe('ERR_HEADERS_TOO_LARGE');
    const pairs = Array.from({ length: 100 }, (_, i) => `k${i} YQ==`).join(',');
    const bad = [
      pairs,
      `name ${'QUFB'.repeat(2500)}`,
      'name not-base64!',
      'name YQ==,name YQ==',
      'a b c',
      ',',
      'key YQ',
      'k\u00e9y YQ==',
    ];
    for (const value of bad) {
      const res = await rawRequest(depot.url, 'POST', '/files/', {
        ...tus(depot.token),
        'Upload-Length': '1',
        'Upload-Metadata': value,
      });
      expect(res.status, value.slice(0, 30)).toBe(400);
    }
    const ok = await createUpload(depot, {
      'Upload-Length': '1',
      'Upload-Metadata': 'filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential',
    });
    expect((await head(ok, depot.token)).headers.get('upload-metadata')).toBe(
      'filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential',
    );
  });
});

describe('requests refused before routing', () => {
  it('answers a URL that is not valid percent-encoding with 400, in the error form, without echoing it', async () => {
    for (const p of ['/api/files/%zz', '/files/%', `/api/files/%zz${'a'.repeat(5000)}`]) {
      const res = await rawRequest(depot.url, 'GET', p, tus(depot.token));
      expect(res.status, p.slice(0, 20)).toBe(400);
      expect(codeOf(res.body)).toBe('ERR_BAD_URL');
      expect(res.body.length).toBeLessThan(200);
    }
  });

  it('answers a path segment over the limit with 414 in the error form', async () => {
    const res = await rawRequest(depot.url, 'GET', `/api/files/${'a'.repeat(600)}`, tus(depot.token));
    expect(res.status).toBe(414);
    expect(codeOf(res.body)).toBe('ERR_URI_TOO_LONG');
    expect(res.body.length).toBeLessThan(200);
  });

  it('answers HTTP that Node cannot parse with 400 in the error form', async () => {
    const { hostname, port } = new URL(depot.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write('POST /files/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (c) => {
        text += c;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(codeOf(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toBe('ERR_BAD_REQUEST');
  });
});

describe('ids', () => {
  const paths = [
    `/files/${'0'.repeat(32)}`,
    '/files/../../etc/passwd',
    '/files/..%2f..%2fetc%2fpasswd',
    '/files/%2e%2e',
    '/files/%2e%2e%2fdepot.sqlite',
    '/files/abc%00def',
    `/files/${'a'.repeat(31)}%00`,
    '/files/a/b',
    '/files/..',
    '/files/depot.sqlite',
  ];
  for (const p of paths) {
    it(`answers 404 for ${p}`, async () => {
      for (const method of ['HEAD', 'PATCH', 'DELETE']) {
        const body = method === 'PATCH' ? Buffer.from('x') : undefined;
        const headers = method === 'PATCH' ? chunkHeaders(depot.token, 0) : tus(depot.token);
        const res = await rawRequest(depot.url, method, p, headers, body);
        expect(res.status, method).toBe(404);
      }
    });
  }
  it('never creates a file outside the blobs dir', async () => {
    const entries = await readdir(depot.dataDir);
    expect(entries.sort()).toEqual(expect.arrayContaining(['blobs']));
    expect(
      entries.every((e) =>
        ['blobs', 'depot.sqlite', 'depot.sqlite-wal', 'depot.sqlite-shm', 'tmp'].includes(e),
      ),
    ).toBe(true);
  });
});

describe('finished and final uploads', () => {
  it('refuses a PATCH with bytes on a finished upload', async () => {
    const url = await createUpload(depot, { 'Upload-Length': '3' });
    await patch(url, depot.token, 0, Buffer.from('abc'));
    const res = await patch(url, depot.token, 3, Buffer.from('d'));
    expect([403, 413]).toContain(res.status);
    expect((await patch(url, depot.token, 3, Buffer.alloc(0))).status).toBe(204);
  });

  it('refuses a PATCH on a final upload with 403', async () => {
    const part = await createUpload(depot, { 'Upload-Length': '2', 'Upload-Concat': 'partial' });
    const final = await createUpload(depot, { 'Upload-Concat': `final;${part}` });
    const res = await patch(final, depot.token, 0, Buffer.from('ab'));
    expect(res.status).toBe(403);
    expect(codeOf(await res.text())).toBe('ERR_FINAL_UPLOAD');
  });
});
