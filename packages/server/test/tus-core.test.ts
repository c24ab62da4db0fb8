import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, head, patch, startDepot, type TestDepot, tus } from './helpers/depot.js';

let depot: TestDepot;
beforeAll(async () => {
  depot = await startDepot();
});
afterAll(() => depot.close());

describe('tus core', () => {
  it('OPTIONS advertises version, extensions and checksum algorithms', async () => {
    const res = await fetch(depot.files, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(res.headers.get('tus-extension')?.split(',')).toEqual(
      expect.arrayContaining([
        'creation',
        'creation-with-upload',
        'creation-defer-length',
        'expiration',
        'checksum',
        'checksum-trailer',
        'termination',
        'concatenation',
        'concatenation-unfinished',
      ]),
    );
    expect(res.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256,md5');
  });

  it('creates, appends in chunks, reports the offset, and stores the exact bytes', async () => {
    const data = randomBytes(300_000);
    const url = await createUpload(depot, {
      'Upload-Length': String(data.length),
      'Upload-Metadata': 'filename YS5iaW4=',
    });
    expect(url).toMatch(new RegExp(`^${depot.files}[0-9a-f]{32}$`));
    let h = await head(url, depot.token);
    expect(h.status).toBe(200);
    expect(h.headers.get('upload-offset')).toBe('0');
    expect(h.headers.get('upload-length')).toBe(String(data.length));
    expect(h.headers.get('upload-metadata')).toBe('filename YS5iaW4=');
    expect(h.headers.get('cache-control')).toBe('no-store');
    expect(h.headers.get('tus-resumable')).toBe('1.0.0');
    expect(h.headers.get('upload-expires')).toMatch(/GMT$/);

    const first = await patch(url, depot.token, 0, data.subarray(0, 100_000));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe('100000');
    expect(first.headers.get('upload-expires')).toMatch(/GMT$/);
    const second = await patch(url, depot.token, 100_000, data.subarray(100_000));
    expect(second.status).toBe(204);
    expect(second.headers.get('upload-offset')).toBe(String(data.length));
    h = await head(url, depot.token);
    expect(h.headers.get('upload-offset')).toBe(String(data.length));
    expect(h.headers.get('upload-expires')).toBeNull();
    const id = url.split('/').pop() as string;
    expect((await readFile(path.join(depot.dataDir, 'blobs', id))).equals(data)).toBe(true);
  });

  it('answers 409 with the real offset when Upload-Offset does not match, writing nothing', async () => {
    const url = await createUpload(depot, { 'Upload-Length': '10' });
    await patch(url, depot.token, 0, Buffer.from('abc'));
    const res = await patch(url, depot.token, 1, Buffer.from('zzz'));
    expect(res.status).toBe(409);
    expect(res.headers.get('upload-offset')).toBe('3');
    expect((await res.json()).error.code).toBe('ERR_OFFSET_MISMATCH');
    expect((await head(url, depot.token)).headers.get('upload-offset')).toBe('3');
  });

  it('answers 415 to a PATCH without the offset+octet-stream type', async () => {
    const url = await createUpload(depot, { 'Upload-Length': '10' });
    for (const type of ['application/octet-stream', 'application/json', 'text/plain']) {
      const res = await fetch(url, {
        method: 'PATCH',
        headers: tus(depot.token, { 'Content-Type': type, 'Upload-Offset': '0' }),
        body: '{"a":1}',
      });
      expect(res.status).toBe(415);
    }
    const none = await fetch(url, { method: 'PATCH', headers: tus(depot.token, { 'Upload-Offset': '0' }) });
    expect(none.status).toBe(415);
  });

  it('answers 412 with Tus-Version to a wrong or missing Tus-Resumable', async () => {
    const res = await fetch(depot.files, {
      method: 'POST',
      headers: { 'Tus-Resumable': '0.2.2', Authorization: `Bearer ${depot.token}`, 'Upload-Length': '1' },
    });
    expect(res.status).toBe(412);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    const missing = await fetch(depot.files, {
      method: 'POST',
      headers: { Authorization: `Bearer ${depot.token}`, 'Upload-Length': '1' },
    });
    expect(missing.status).toBe(412);
  });

  it('honours X-HTTP-Method-Override for PATCH and DELETE sent as POST', async () => {
    const url = await createUpload(depot, { 'Upload-Length': '4' });
    const res = await fetch(url, {
      method: 'POST',
      headers: tus(depot.token, {
        'X-HTTP-Method-Override': 'PATCH',
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': '0',
      }),
      body: 'data',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('upload-offset')).toBe('4');
    const del = await fetch(url, {
      method: 'POST',
      headers: tus(depot.token, { 'X-HTTP-Method-Override': 'DELETE' }),
    });
    expect(del.status).toBe(204);
    expect((await head(url, depot.token)).status).toBe(404);
  });

  it('terminates an upload and frees its storage', async () => {
    const url = await createUpload(depot, { 'Upload-Length': '100' });
    await patch(url, depot.token, 0, randomBytes(50));
    const id = url.split('/').pop() as string;
    const res = await fetch(url, { method: 'DELETE', headers: tus(depot.token) });
    expect(res.status).toBe(204);
    expect((await head(url, depot.token)).status).toBe(404);
    await expect(readFile(path.join(depot.dataDir, 'blobs', id))).rejects.toThrow(/ENOENT/);
  });

  it('requires a bearer token, and hides an upload from every other non-admin token', async () => {
    expect(
      (
        await fetch(depot.files, {
          method: 'POST',
          headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '1' },
        })
      ).status,
    ).toBe(401);
    const bad = await fetch(depot.files, { method: 'POST', headers: tus('nope', { 'Upload-Length': '1' }) });
    expect(bad.status).toBe(401);
    const alice = await depot.tokenFor('alice');
    const bob = await depot.tokenFor('bob');
    const url = await createUpload(depot, { 'Upload-Length': '3' }, alice);
    expect((await head(url, alice)).status).toBe(200);
    expect((await head(url, bob)).status).toBe(404);
    expect((await patch(url, bob, 0, Buffer.from('abc'))).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE', headers: tus(bob) })).status).toBe(404);
    expect((await head(url, depot.token)).status).toBe(200); // admin sees all
    expect((await head(url, alice)).headers.get('upload-offset')).toBe('0');
  });

  it('sends CORS headers that let a browser on another origin upload', async () => {
    const pre = await fetch(depot.files, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,tus-resumable,upload-length,upload-metadata',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(pre.headers.get('access-control-allow-headers')).toContain('upload-length');
    const res = await fetch(depot.files, {
      method: 'POST',
      headers: tus(depot.token, { Origin: 'https://app.example', 'Upload-Length': '1' }),
    });
    expect(res.status).toBe(201);
    const exposed = res.headers.get('access-control-expose-headers') ?? '';
    for (const h of [
      'Location',
      'Upload-Offset',
      'Upload-Length',
      'Tus-Resumable',
      'Upload-Expires',
      'Retry-After',
    ]) {
      expect(exposed).toContain(h);
    }
  });

  it('builds Location from X-Forwarded-* only when DEPOT_TRUST_PROXY is set', async () => {
    const forwarded = {
      'X-Forwarded-Host': 'uploads.example.com',
      'X-Forwarded-Proto': 'https',
      'Upload-Length': '1',
    };
    const plain = await createUpload(depot, forwarded);
    expect(plain.startsWith(depot.url)).toBe(true);
    const proxied = await startDepot({ DEPOT_TRUST_PROXY: 'true' });
    try {
      const url = await createUpload(proxied, forwarded);
      expect(url).toMatch(/^https:\/\/uploads\.example\.com\/files\/[0-9a-f]{32}$/);
    } finally {
      await proxied.close();
    }
  });

  it('serves health and readiness without a token', async () => {
    expect((await fetch(`${depot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${depot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { database: 'ok', storage: 'ok' } });
  });
});
