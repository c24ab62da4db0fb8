import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, startDepot, type TestDepot, tus } from './helpers/depot.js';
import { rawRequest } from './helpers/raw-http.js';

const run = promisify(execFile);
let depot: TestDepot;
let work: string;
const data = randomBytes(3 * 2 ** 20 + 17);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let url: string;

const b64 = (s: string) => Buffer.from(s).toString('base64');
async function uploadFile(
  body: Buffer,
  metadata: Record<string, string>,
  token = depot.token,
): Promise<string> {
  const meta = Object.entries(metadata)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');
  const u = await createUpload(
    depot,
    { 'Upload-Length': String(body.length), ...(meta ? { 'Upload-Metadata': meta } : {}) },
    token,
  );
  expect((await patch(u, token, 0, body)).status).toBe(204);
  return u;
}

const get = (u: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(u, { method, headers: { Authorization: `Bearer ${depot.token}`, ...headers } });

beforeAll(async () => {
  depot = await startDepot();
  work = await mkdtemp(path.join(tmpdir(), 'depot-dl-'));
  url = await uploadFile(data, { filename: 'report.bin', filetype: 'application/octet-stream' });
});
afterAll(async () => {
  await depot.close();
  await rm(work, { recursive: true, force: true });
});

describe('GET /files/:id', () => {
  it('serves the whole file with validators and a Repr-Digest', async () => {
    const res = await get(url);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(data)).toBe(true);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toBe(`"${sha256(data)}"`);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(res.headers.get('content-length')).toBe(String(data.length));
    expect(res.headers.get('repr-digest')).toBe(
      `sha-256=:${createHash('sha256').update(data).digest('base64')}:`,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="report.bin"');
  });

  it('answers HEAD as GET would, without a body', async () => {
    const res = await get(url, {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(data.length));
    expect(res.headers.get('etag')).toBe(`"${sha256(data)}"`);
    expect(res.headers.get('repr-digest')).toContain('sha-256=');
  });

  it('serves single, open and suffix ranges', async () => {
    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, data.length - 1],
      ['bytes=-500', data.length - 500, data.length - 1],
      [`bytes=${data.length - 10}-${data.length + 1000}`, data.length - 10, data.length - 1],
      // a suffix longer than the file is all of it (RFC 9110 §14.1.3); the unit is case-insensitive
      [`bytes=-${data.length + 1}`, 0, data.length - 1],
      ['bytes=-99999999999', 0, data.length - 1],
      ['BYTES=0-9', 0, 9],
      [' Bytes = 10-19', 10, 19],
    ] as const) {
      const res = await get(url, { Range: range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${data.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1))).toBe(true);
    }
  });

  it('serves several ranges as multipart/byteranges', async () => {
    const res = await get(url, { Range: 'bytes=0-9,100-119,-5' });
    expect(res.status).toBe(206);
    const type = res.headers.get('content-type') as string;
    const boundary = /boundary=(\S+)/.exec(type)?.[1] as string;
    expect(type).toMatch(/^multipart\/byteranges/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(body.length));
    const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(3);
    const expected = [
      [0, 9],
      [100, 119],
      [data.length - 5, data.length - 1],
    ];
    parts.forEach((part, i) => {
      const [s, e] = expected[i] as [number, number];
      expect(part).toContain(`Content-Range: bytes ${s}-${e}/${data.length}`);
      const payload = part.slice(part.indexOf('\r\n\r\n') + 4, part.length - 2);
      expect(Buffer.from(payload, 'latin1').equals(data.subarray(s, e + 1))).toBe(true);
    });
  });

  it('answers 416 with bytes */len to an unsatisfiable range', async () => {
    for (const range of [`bytes=${data.length}-`, 'bytes=-0']) {
      const res = await get(url, { Range: range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${data.length}`);
    }
  });

  it('keeps a long suffix among several ranges', async () => {
    const res = await get(url, { Range: `bytes=0-1,-${data.length + 5}` });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-${data.length - 1}/${data.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  });

  it('honours If-Range: a matching ETag or date gives the range, anything else the whole file', async () => {
    const first = await get(url, {}, 'HEAD');
    const etag = first.headers.get('etag') as string;
    const lastModified = first.headers.get('last-modified') as string;
    expect((await get(url, { Range: 'bytes=0-9', 'If-Range': etag })).status).toBe(206);
    expect((await get(url, { Range: 'bytes=0-9', 'If-Range': lastModified })).status).toBe(206);
    const stale = await get(url, { Range: 'bytes=0-9', 'If-Range': '"something-else"' });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('content-length')).toBe(String(data.length));
    await stale.body?.cancel();
  });

  it('answers 304 to If-None-Match and If-Modified-Since', async () => {
    const first = await get(url, {}, 'HEAD');
    expect((await get(url, { 'If-None-Match': first.headers.get('etag') as string })).status).toBe(304);
    expect(
      (await get(url, { 'If-Modified-Since': first.headers.get('last-modified') as string })).status,
    ).toBe(304);
    const old = await get(url, { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' });
    expect(old.status).toBe(200);
    await old.body?.cancel();
  });

  it('refuses an unfinished upload with 409 ERR_UPLOAD_INCOMPLETE', async () => {
    const u = await createUpload(depot, { 'Upload-Length': '10' });
    const res = await get(u);
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('ERR_UPLOAD_INCOMPLETE');
  });

  it('never lets a name break Content-Disposition, and serves active types as attachments', async () => {
    const cases: Array<[Record<string, string>, RegExp, string | null]> = [
      [
        { filename: 'résumé "final".txt', filetype: 'text/plain' },
        /^inline; filename="r\?sum\? \\"final\\"\.txt"; filename\*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22\.txt$/,
        'text/plain; charset=utf-8',
      ],
      [
        { filename: 'a\r\nSet-Cookie: x=1.html', filetype: 'text/html' },
        /^attachment; filename="a__Set-Cookie: x=1.html"$/,
        'text/html; charset=utf-8',
      ],
      [
        { filename: '../../etc/passwd', filetype: 'image/svg+xml' },
        /^attachment; filename="\.\._\.\._etc_passwd"$/,
        'image/svg+xml',
      ],
      [{ filename: 'x.js', filetype: 'application/javascript' }, /^attachment; /, 'application/javascript'],
      [{ filename: 'p.png', filetype: 'image/png' }, /^inline; filename="p\.png"$/, 'image/png'],
      [{ filename: 'weird', filetype: 'not a type\r\n' }, /^attachment; /, 'application/octet-stream'],
    ];
    for (const [meta, disposition, type] of cases) {
      const u = await uploadFile(Buffer.from('<script>alert(1)</script>'), meta);
      const res = await get(u);
      expect(res.headers.get('content-disposition'), meta.filename).toMatch(disposition);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.body?.cancel();
    }
  });

  it('hides a file from another owner', async () => {
    const stranger = await depot.tokenFor('stranger-dl');
    const res = await fetch(url, { headers: { Authorization: `Bearer ${stranger}` } });
    expect(res.status).toBe(404);
    const h = await fetch(url, { method: 'HEAD', headers: { Authorization: `Bearer ${stranger}` } });
    expect(h.status).toBe(404);
  });

  it('records the sha256 for every way an upload finishes', async () => {
    const small = randomBytes(1000);
    const viaCreation = await fetch(depot.files, {
      method: 'POST',
      headers: tus(depot.token, {
        'Upload-Length': '1000',
        'Content-Type': 'application/offset+octet-stream',
      }),
      body: small,
    });
    const a = viaCreation.headers.get('location') as string;
    const empty = await createUpload(depot, { 'Upload-Length': '0' });
    const part = await createUpload(depot, { 'Upload-Length': '1000', 'Upload-Concat': 'partial' });
    await patch(part, depot.token, 0, small);
    const final = await createUpload(depot, { 'Upload-Concat': `final;${part}` });
    for (const [u, body] of [
      [a, small],
      [empty, Buffer.alloc(0)],
      [final, small],
    ] as const) {
      const res = await get(u, {}, 'HEAD');
      expect(res.headers.get('etag')).toBe(`"${sha256(body)}"`);
    }
  });
});

describe('real clients resume a cut download', () => {
  const cutAt = () => 1 + Math.floor(Math.random() * (data.length - 2));

  it('curl -C - finishes a partial file byte-identically', async () => {
    const dest = path.join(work, 'curl.bin');
    await writeFile(dest, data.subarray(0, cutAt()));
    await run('curl', [
      '-sS',
      '-f',
      '-C',
      '-',
      '-H',
      `Authorization: Bearer ${depot.token}`,
      '-o',
      dest,
      url,
    ]);
    expect(sha256(await readFile(dest))).toBe(sha256(data));
  });

  it('wget -c finishes a partial file byte-identically', async () => {
    const dest = path.join(work, 'wget.bin');
    await writeFile(dest, data);
    await truncate(dest, cutAt());
    await run('wget', ['-q', '-c', '--header', `Authorization: Bearer ${depot.token}`, '-O', dest, url]);
    expect(sha256(await readFile(dest))).toBe(sha256(data));
  });

  it('a raw Range request from the cut point returns exactly the rest', async () => {
    const at = cutAt();
    const res = await rawRequest(depot.url, 'GET', new URL(url).pathname, {
      Authorization: `Bearer ${depot.token}`,
      Range: `bytes=${at}-`,
    });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${at}-${data.length - 1}/${data.length}`);
  });
});
