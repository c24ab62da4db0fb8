import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, startDepot, type TestDepot } from './helpers/depot.js';

let depot: TestDepot;
let token: string;
const LIMIT = 4 * 2 ** 20;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const auth = (t = token) => ({ Authorization: `Bearer ${t}` });
const blobs = () =>
  readdir(path.join(depot.dataDir, 'blobs')).then((f) => f.filter((n) => !n.startsWith('.')));

beforeAll(async () => {
  depot = await startDepot({ DEPOT_MAX_UPLOAD_SIZE: String(LIMIT) });
  token = await depot.tokenFor('alice');
});
afterAll(async () => depot.close());

const api = (p: string, init: RequestInit = {}, t = token) =>
  fetch(`${depot.url}${p}`, {
    ...init,
    headers: { ...auth(t), ...(init.headers as Record<string, string>) },
  });

function multipartForm(data: Uint8Array, name: string, type: string, field = 'file'): FormData {
  const form = new FormData();
  form.append('note', 'a field before the file is fine');
  form.append(field, new Blob([data], { type }), name);
  return form;
}

/** A raw POST with a chunked body (no Content-Length), as a streaming client sends it. */
function chunkedPost(p: string, chunks: Buffer[], headers: Record<string, string>) {
  const { hostname, port } = new URL(depot.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ hostname, port, path: p, method: 'POST', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('POST /api/files', () => {
  it('stores a multipart/form-data upload and serves it back with its name, type and sha256', async () => {
    const data = randomBytes(LIMIT - 1000);
    const res = await api('/api/files', {
      method: 'POST',
      body: multipartForm(data, 'data set.csv', 'text/csv'),
    });
    expect(res.status).toBe(201);
    const file = await res.json();
    expect(file).toMatchObject({
      name: 'data set.csv',
      type: 'text/csv',
      size: data.length,
      offset: data.length,
      status: 'complete',
      sha256: sha256(data),
      expiresAt: null,
    });
    expect(res.headers.get('location')).toBe(`${depot.url}/files/${file.id}`);
    const back = await fetch(res.headers.get('location')!, { headers: auth() });
    expect(Buffer.from(await back.arrayBuffer()).equals(data)).toBe(true);
    expect(back.headers.get('content-disposition')).toContain('data set.csv');
  });

  it('stores a raw body named by X-File-Name or Content-Disposition, with or without a length', async () => {
    const data = randomBytes(100_000);
    const named = await api('/api/files', {
      method: 'POST',
      headers: { 'Content-Type': 'Image/PNG', 'X-File-Name': encodeURIComponent('café 1.png') },
      body: data,
    });
    expect(named.status).toBe(201);
    expect(await named.json()).toMatchObject({ name: 'café 1.png', type: 'image/png', size: data.length });

    const chunked = await chunkedPost('/api/files', [data.subarray(0, 5), data.subarray(5)], {
      ...auth(),
      'Content-Disposition': `attachment; filename="report.bin"`,
    });
    expect(chunked.status).toBe(201);
    const file = JSON.parse(chunked.body);
    expect(file).toMatchObject({ name: 'report.bin', size: data.length, sha256: sha256(data) });

    const empty = await api('/api/files', { method: 'POST', body: new Uint8Array(0) });
    expect(empty.status).toBe(201);
    expect(await empty.json()).toMatchObject({ name: null, size: 0, status: 'complete' });
  });

  it('answers 413 over the size limit and leaves nothing behind, whether the length is known or not', async () => {
    const before = await blobs();
    const big = randomBytes(LIMIT + 1);
    const declared = await api('/api/files', { method: 'POST', body: big });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe('ERR_TOO_LARGE');
    const form = await api('/api/files', { method: 'POST', body: multipartForm(big, 'big.bin', 'a/b') });
    expect(form.status).toBe(413);
    const chunked = await chunkedPost('/api/files', [big.subarray(0, LIMIT), big.subarray(LIMIT)], auth());
    expect(chunked.status).toBe(413);
    expect(await blobs()).toEqual(before);
    const listed = await (await api('/api/files?status=uploading')).json();
    expect(listed.files).toEqual([]);
  });

  it('refuses a form without a "file" field', async () => {
    const res = await api('/api/files', {
      method: 'POST',
      body: multipartForm(Buffer.from('x'), 'x.txt', 'text/plain', 'other'),
    });
    expect(res.status).toBe(400);
  });

  it('answers 400 at once to a malformed form, and keeps no record of it', async () => {
    const before = (await (await api('/api/files?limit=1000')).json()).files.length;
    const noBoundary = await api('/api/files', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data' },
      body: 'x',
    });
    expect(noBoundary.status).toBe(400);
    expect((await noBoundary.json()).error.code).toBe('ERR_BAD_REQUEST');
    // the body ends inside the file part: no closing boundary will ever come
    const cut = await api('/api/files', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n\r\nabc',
      signal: AbortSignal.timeout(10_000),
    });
    expect(cut.status).toBe(400);
    expect((await cut.json()).error.message).toMatch(/form/i);
    const after = (await (await api('/api/files?limit=1000')).json()).files;
    expect(after.length).toBe(before);
    expect(after.some((f: { name: string }) => f.name === 'cut.txt')).toBe(false);
  });
});

describe('GET /api/files and /api/files/:id', () => {
  it('lists newest first with a cursor, and filters by name prefix, status and type', async () => {
    const owner = await depot.tokenFor('lister');
    const names = ['a-1.csv', 'a-2.png', 'b-1.csv', 'a-3.csv', 'b-2.txt'];
    const types = ['text/csv', 'image/png', 'text/csv', 'text/csv', 'text/plain'];
    const ids: string[] = [];
    for (const [i, name] of names.entries()) {
      const res = await api(
        '/api/files',
        { method: 'POST', headers: { 'X-File-Name': name, 'Content-Type': types[i]! }, body: `row ${i}` },
        owner,
      );
      ids.push((await res.json()).id);
    }
    const tusUrl = await createUpload(
      depot,
      { 'Upload-Length': '10', 'Upload-Metadata': `filename ${Buffer.from('a-4.csv').toString('base64')}` },
      owner,
    );
    ids.push(tusUrl.split('/').pop()!);
    const list = async (q: string) => {
      const res = await api(`/api/files?${q}`, {}, owner);
      expect(res.status).toBe(200);
      return (await res.json()) as { files: { id: string; name: string }[]; nextCursor: string | null };
    };
    const seen: string[] = [];
    let page = await list('limit=4');
    seen.push(...page.files.map((f) => f.id));
    expect(page.nextCursor).not.toBeNull();
    page = await list(`limit=4&cursor=${page.nextCursor}`);
    seen.push(...page.files.map((f) => f.id));
    expect(page.nextCursor).toBeNull();
    // created within the same millisecond they tie on time and order by id; check the set and the ends
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen).toHaveLength(6);
    const names2 = async (q: string) => (await list(q)).files.map((f) => f.name).sort();
    expect(await names2('name=a-')).toEqual(['a-1.csv', 'a-2.png', 'a-3.csv', 'a-4.csv']);
    expect(await names2('name=a-&status=complete&type=text/csv')).toEqual(['a-1.csv', 'a-3.csv']);
    expect(await names2('status=uploading')).toEqual(['a-4.csv']);
    expect(await names2('type=text/')).toEqual(['a-1.csv', 'a-3.csv', 'b-1.csv', 'b-2.txt']);
    // a part of a parallel upload is no file: listed neither while it uploads nor once finished
    for (const length of ['10', '0']) {
      await createUpload(depot, { 'Upload-Length': length, 'Upload-Concat': 'partial' }, owner);
    }
    expect((await list('limit=100')).files.map((f) => f.id).sort()).toEqual([...ids].sort());
    expect((await list('status=complete')).files).toHaveLength(5);
    expect((await api('/api/files?status=done', {}, owner)).status).toBe(400);
    expect((await api('/api/files?cursor=nonsense', {}, owner)).status).toBe(400);
    expect((await api('/api/files?limit=0', {}, owner)).status).toBe(400);
  });

  it('shows one file with every field', async () => {
    const url = await createUpload(depot, {
      'Upload-Length': '10',
      'Upload-Metadata': `filename ${Buffer.from('x.csv').toString('base64')},filetype ${Buffer.from('text/csv').toString('base64')},note`,
    });
    const id = url.split('/').pop()!;
    const res = await fetch(`${depot.url}/api/files/${id}`, { headers: auth(depot.token) });
    const file = await res.json();
    expect(file).toEqual({
      id,
      name: 'x.csv',
      type: 'text/csv',
      size: 10,
      offset: 0,
      status: 'uploading',
      sha256: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      finishedAt: null,
      expiresAt: expect.stringMatching(/Z$/),
      metadata: { filename: 'x.csv', filetype: 'text/csv', note: null },
    });
    expect((await api(`/api/files/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await api('/api/files/..%2f..%2fetc')).status).toBe(404);
  });
});

describe('DELETE /files/:id', () => {
  it('removes a finished file and frees its storage', async () => {
    const res = await api('/api/files', { method: 'POST', body: randomBytes(5000) });
    const { id } = await res.json();
    expect(await blobs()).toContain(id);
    const del = await api(`/files/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await blobs()).not.toContain(id);
    expect((await api(`/api/files/${id}`)).status).toBe(404);
    expect((await api(`/files/${id}`)).status).toBe(404);
  });
});
