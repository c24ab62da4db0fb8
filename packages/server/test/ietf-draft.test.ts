import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { type RawResponse, rawRequest } from './helpers/raw-http.js';

const MAX = 1024 * 1024;
let depot: TestDepot;
beforeAll(async () => {
  depot = await startDepot({ DEPOT_MAX_UPLOAD_SIZE: String(MAX) });
});
afterAll(() => depot.close());

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const hex = (b: Uint8Array) => sha256(b).toString('hex');
const idOf = (url: string) => new URL(url).pathname.split('/').pop() as string;
const pathOf = (url: string) => new URL(url).pathname;

/** Draft request headers: interop version 6 (draft -05) unless told otherwise. */
const draft = (extra: Record<string, string> = {}, version = '6', token = depot.token) => ({
  'Upload-Draft-Interop-Version': version,
  Authorization: `Bearer ${token}`,
  ...extra,
});
/** A request with a Content-Length (as browsers send), unless it says Transfer-Encoding. */
const call = (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) =>
  rawRequest(
    depot.url,
    method,
    path,
    body && !headers['Transfer-Encoding'] ? { 'Content-Length': String(body.length), ...headers } : headers,
    body,
  );

async function create(
  extra: Record<string, string> = {},
  body?: Uint8Array,
  version = '6',
  token = depot.token,
): Promise<string> {
  const res = await call(
    'POST',
    '/files/',
    draft({ 'Upload-Complete': '?0', ...extra }, version, token),
    body,
  );
  expect(res.status, res.body).toBe(201);
  return res.headers.location as string;
}

const append = (
  url: string,
  offset: number,
  body: Uint8Array,
  complete: boolean,
  extra: Record<string, string> = {},
  version = '6',
  token = depot.token,
) =>
  call(
    'PATCH',
    pathOf(url),
    draft(
      {
        'Content-Type': 'application/partial-upload',
        'Upload-Offset': String(offset),
        'Upload-Complete': complete ? '?1' : '?0',
        ...extra,
      },
      version,
      token,
    ),
    body,
  );
const headOf = (url: string, token = depot.token) => call('HEAD', pathOf(url), draft({}, '6', token));
const code = (res: RawResponse) => (JSON.parse(res.body) as { error: { code: string } }).error.code;

interface Interim {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** A creation request that records the interim responses before the final one. */
function createWatchingInterim(body: Buffer, headers: Record<string, string>) {
  const { hostname, port } = new URL(depot.url);
  const interim: Interim[] = [];
  return new Promise<{ interim: Interim[]; final: RawResponse }>((resolve, reject) => {
    const req = request({ hostname, port, method: 'POST', path: '/files/', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          interim,
          final: {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          },
        }),
      );
    });
    req.on('information', (info) => interim.push({ status: info.statusCode, headers: info.headers }));
    req.on('error', reject);
    req.end(body);
  });
}

describe('discovery and creation', () => {
  it('OPTIONS answers with the draft version and Upload-Limit, without a token or tus headers', async () => {
    const res = await call('OPTIONS', '/files/', { 'Upload-Draft-Interop-Version': '6' });
    expect(res.status).toBe(204);
    expect(res.headers['upload-draft-interop-version']).toBe('6');
    expect(res.headers['upload-limit']).toBe(`max-size=${MAX}`);
    expect(res.headers['tus-resumable']).toBeUndefined();
  });

  it('a complete upload in one request: 104 with Location first, then 201; name and type from the headers', async () => {
    const body = randomBytes(50_000);
    const { interim, final } = await createWatchingInterim(
      body,
      draft({
        'Upload-Complete': '?1',
        'Content-Type': 'text/csv',
        'Content-Disposition': 'attachment; filename="report.csv"',
        'Content-Digest': `sha-256=:${sha256(body).toString('base64')}:`,
      }),
    );
    expect(final.status, final.body).toBe(201);
    expect(interim).toHaveLength(1);
    expect(interim[0]?.status).toBe(104);
    expect(interim[0]?.headers.location).toBe(final.headers.location);
    expect(interim[0]?.headers['upload-draft-interop-version']).toBe('6');
    expect(final.headers).toMatchObject({
      'upload-offset': String(body.length),
      'upload-complete': '?1',
      'upload-length': String(body.length),
      'upload-draft-interop-version': '6',
    });
    const id = idOf(final.headers.location as string);
    expect(hex(await depot.blob(id))).toBe(hex(body));
    const record = await depot.server.services.store.uploads.get(id);
    expect(record).toMatchObject({ name: 'report.csv', type: 'text/csv', sha256: hex(body) });
  });

  it('Upload-Metadata (what tus-js-client sends in draft mode) names the file too', async () => {
    const url = await create({ 'Upload-Length': '3', 'Upload-Metadata': `filename ${btoa('a.txt')}` });
    expect((await depot.server.services.store.uploads.get(idOf(url)))?.name).toBe('a.txt');
  });

  it('refuses a creation without Upload-Complete, or with an interop version it does not speak', async () => {
    const missing = await call('POST', '/files/', draft({ 'Upload-Length': '5' }));
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('Upload-Complete');
    const bad = await call('POST', '/files/', draft({ 'Upload-Complete': '?2' }));
    expect(bad.status).toBe(400);
    const old = await call('POST', '/files/', draft({ 'Upload-Complete': '?0' }, '3'));
    expect(old.status).toBe(400);
    expect(old.body).toContain('use 5 (draft -03) or 6 (draft -04/-05)');
  });

  it('refuses Upload-Length that disagrees with a completing body', async () => {
    const res = await call(
      'POST',
      '/files/',
      draft({ 'Upload-Complete': '?1', 'Upload-Length': '10' }),
      randomBytes(5),
    );
    expect(res.status).toBe(400);
  });

  it('413 over the size limit, declared or as a completing body', async () => {
    const declared = await call(
      'POST',
      '/files/',
      draft({ 'Upload-Complete': '?0', 'Upload-Length': String(MAX + 1) }),
    );
    expect(declared.status).toBe(413);
    expect(code(declared)).toBe('ERR_TOO_LARGE');
    const body = await call('POST', '/files/', draft({ 'Upload-Complete': '?1' }), randomBytes(MAX + 1));
    expect(body.status).toBe(413);
  });

  it('refuses tus concatenation in draft mode, rather than ignore it', async () => {
    const res = await call('POST', '/files/', draft({ 'Upload-Complete': '?0', 'Upload-Concat': 'partial' }));
    expect(res.status).toBe(400);
    expect(res.body).toContain('Upload-Concat is tus only');
  });

  it('lets browsers on other origins read the draft headers (CORS)', async () => {
    const url = await create({ 'Upload-Length': '5' });
    const res = await call('HEAD', pathOf(url), draft({ Origin: 'https://app.example' }));
    const exposed = String(res.headers['access-control-expose-headers']).split(/,\s*/);
    expect(exposed).toEqual(
      expect.arrayContaining(['Upload-Offset', 'Upload-Complete', 'Upload-Limit', 'Location']),
    );
    const preflight = await call('OPTIONS', '/files/', {
      Origin: 'https://app.example',
      'Access-Control-Request-Method': 'PATCH',
    });
    expect(preflight.status).toBe(204);
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('upload-complete');
  });

  it('needs a token: 401 without one', async () => {
    const res = await call('POST', '/files/', {
      'Upload-Draft-Interop-Version': '6',
      'Upload-Complete': '?0',
    });
    expect(res.status).toBe(401);
  });

  it('a request with Tus-Resumable is tus, even with an interop version', async () => {
    const res = await call(
      'POST',
      '/files/',
      draft({ 'Tus-Resumable': '1.0.0', 'Upload-Length': '4', 'Upload-Complete': '?1' }),
    );
    expect(res.status).toBe(201);
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    expect(res.headers['upload-complete']).toBeUndefined();
  });
});

describe('offset retrieval and append', () => {
  it('a deferred-length upload in chunks, the last one chunked with Upload-Complete: ?1', async () => {
    const data = randomBytes(300_000);
    const url = await create();
    let h = await headOf(url);
    expect(h.status).toBe(204);
    expect(h.headers).toMatchObject({
      'upload-offset': '0',
      'upload-complete': '?0',
      'cache-control': 'no-store',
    });
    expect(h.headers['upload-length']).toBeUndefined();
    const first = await append(url, 0, data.subarray(0, 100_000), false);
    expect(first.status, first.body).toBe(204);
    expect(first.headers).toMatchObject({ 'upload-offset': '100000', 'upload-complete': '?0' });
    // no Content-Length: the body's end is the upload's end
    const rest = await new Promise<RawResponse>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const req = request(
        {
          hostname,
          port,
          method: 'PATCH',
          path: pathOf(url),
          agent: false,
          headers: draft({
            'Content-Type': 'application/partial-upload',
            'Upload-Offset': '100000',
            'Upload-Complete': '?1',
            'Transfer-Encoding': 'chunked',
          }),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
        },
      );
      req.on('error', reject);
      req.write(data.subarray(100_000, 200_000));
      req.end(data.subarray(200_000));
    });
    expect(rest.status).toBe(204);
    expect(rest.headers).toMatchObject({ 'upload-offset': String(data.length), 'upload-complete': '?1' });
    h = await headOf(url);
    expect(h.headers).toMatchObject({ 'upload-complete': '?1', 'upload-length': String(data.length) });
    expect(hex(await depot.blob(idOf(url)))).toBe(hex(data));
  });

  it('409 with the right Upload-Offset when an append starts elsewhere; nothing written', async () => {
    const url = await create({ 'Upload-Length': '10' });
    const res = await append(url, 3, randomBytes(2), false);
    expect(res.status).toBe(409);
    expect(res.headers['upload-offset']).toBe('0');
    expect((await headOf(url)).headers['upload-offset']).toBe('0');
  });

  it('interop version 6 needs application/partial-upload (415); version 5 takes any body type', async () => {
    const url6 = await create({ 'Upload-Length': '4' });
    const wrong = await append(url6, 0, randomBytes(4), true, {
      'Content-Type': 'application/offset+octet-stream',
    });
    expect(wrong.status).toBe(415);
    const url5 = await create({ 'Upload-Length': '4' }, undefined, '5');
    const ok = await append(
      url5,
      0,
      randomBytes(4),
      true,
      { 'Content-Type': 'application/octet-stream' },
      '5',
    );
    expect(ok.status, ok.body).toBe(204);
    expect(ok.headers['upload-complete']).toBe('?1');
  });

  it('refuses an append without Upload-Offset or Upload-Complete', async () => {
    const url = await create({ 'Upload-Length': '4' });
    for (const headers of [{ 'Upload-Complete': '?0' }, { 'Upload-Offset': '0' }]) {
      const res = await call(
        'PATCH',
        pathOf(url),
        draft({ 'Content-Type': 'application/partial-upload', ...headers }),
        randomBytes(1),
      );
      expect(res.status).toBe(400);
      expect(code(res)).toBe('ERR_INVALID_HEADER');
    }
  });

  it('Upload-Complete: ?1 that would end before (or past) the upload length: 400, nothing written', async () => {
    const url = await create({ 'Upload-Length': '10' });
    const short = await append(url, 0, randomBytes(5), true);
    expect(short.status).toBe(400);
    expect(short.body).toContain('complete it at 5');
    expect((await headOf(url)).headers['upload-offset']).toBe('0');
    // the same with a chunked body: known only once read, so the bytes stay and the answer is 400
    const chunked = await append(url, 0, randomBytes(5), true, { 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(400);
    expect(chunked.body).toContain('complete it at 5');
    expect((await headOf(url)).headers).toMatchObject({ 'upload-offset': '5', 'upload-complete': '?0' });
  });

  it('an append to a completed upload is 400 (the draft), not tus 403', async () => {
    const url = await create({ 'Upload-Length': '2' });
    expect((await append(url, 0, randomBytes(2), true)).status).toBe(204);
    const again = await append(url, 2, randomBytes(1), false);
    expect(again.status).toBe(400);
    expect(code(again)).toBe('ERR_UPLOAD_FINISHED');
    // a retried empty completing append is harmless
    expect((await append(url, 2, new Uint8Array(0), true)).status).toBe(204);
  });

  it('checks Content-Digest: a mismatch is 400 and the chunk is discarded', async () => {
    const url = await create({ 'Upload-Length': '8' });
    const chunk = randomBytes(4);
    const wrong = await append(url, 0, chunk, false, {
      'Content-Digest': `sha-256=:${sha256(randomBytes(4)).toString('base64')}:`,
    });
    expect(wrong.status).toBe(400);
    expect(code(wrong)).toBe('ERR_CHECKSUM_MISMATCH');
    expect((await headOf(url)).headers['upload-offset']).toBe('0');
    const sha1 = createHash('sha1').update(chunk).digest('base64');
    const right = await append(url, 0, chunk, false, { 'Content-Digest': `sha-512=:AAAA:, sha=:${sha1}:` });
    expect(right.status, right.body).toBe(204);
    expect(right.headers['upload-offset']).toBe('4');
    const unsupported = await append(url, 4, chunk, false, { 'Content-Digest': 'sha-512=:AAAA:' });
    expect(unsupported.status).toBe(400);
    expect(code(unsupported)).toBe('ERR_CHECKSUM_ALGORITHM');
    const malformed = await append(url, 4, chunk, false, { 'Content-Digest': 'sha-256=abc' });
    expect(malformed.status).toBe(400);
  });
});

describe('owners, cancellation, interruption', () => {
  it("a stranger gets 404 for someone else's upload on HEAD, PATCH and DELETE; the owner's stays", async () => {
    const alice = await depot.tokenFor('alice');
    const bob = await depot.tokenFor('bob');
    const url = await create({ 'Upload-Length': '4' }, undefined, '6', alice);
    expect((await headOf(url, bob)).status).toBe(404);
    const patched = await append(url, 0, randomBytes(4), true, {}, '6', bob);
    expect(patched.status).toBe(404);
    expect((await call('DELETE', pathOf(url), draft({}, '6', bob))).status).toBe(404);
    expect((await headOf(url, alice)).status).toBe(204);
  });

  it('DELETE cancels an upload: afterwards 404', async () => {
    const url = await create({ 'Upload-Length': '10' });
    expect((await append(url, 0, randomBytes(3), false)).status).toBe(204);
    expect((await call('DELETE', pathOf(url), draft())).status).toBe(204);
    expect((await headOf(url)).status).toBe(404);
    expect(await depot.blobSize(idOf(url))).toBeUndefined();
  });

  it('a creation cut off mid-body resumes at the Location from the 104, to identical bytes', async () => {
    const data = randomBytes(600_000);
    const { hostname, port } = new URL(depot.url);
    const location = await new Promise<string>((resolve, reject) => {
      const req = request({
        hostname,
        port,
        method: 'POST',
        path: '/files/',
        agent: false,
        headers: draft({ 'Upload-Complete': '?1', 'Content-Length': String(data.length) }),
      });
      req.on('information', (info) => {
        // send part of the body, then drop the connection as a failing network would
        req.write(data.subarray(0, 250_000), () => {
          setTimeout(() => {
            req.destroy();
            resolve(String(info.headers.location));
          }, 200);
        });
      });
      req.on('error', () => undefined);
      req.on('response', () => reject(new Error('the server answered a request it should still be reading')));
      req.flushHeaders();
    });
    const h = await headOf(location);
    expect(h.status).toBe(204);
    expect(h.headers['upload-complete']).toBe('?0');
    expect(h.headers['upload-length']).toBe(String(data.length));
    const offset = Number(h.headers['upload-offset']);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(250_000);
    const rest = await append(location, offset, data.subarray(offset), true);
    expect(rest.status, rest.body).toBe(204);
    expect(rest.headers['upload-complete']).toBe('?1');
    expect(hex(await depot.blob(idOf(location)))).toBe(hex(data));
  });
});
