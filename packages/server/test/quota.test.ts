import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkHeaders, head, patch, startDepot, type TestDepot, tus } from './helpers/depot.js';
import { rawRequest } from './helpers/raw-http.js';
import { sleep, slowPatch } from './helpers/slow-patch.js';

let depot: TestDepot;
const blobs = () =>
  readdir(path.join(depot.dataDir, 'blobs')).then((f) => f.filter((n) => !n.startsWith('.')));

beforeAll(async () => {
  depot = await startDepot({ DEPOT_QUOTA: '1000' });
});
afterAll(async () => depot.close());

const create = (token: string, headers: Record<string, string>) =>
  fetch(depot.files, { method: 'POST', headers: tus(token, headers) });

async function expectQuotaError(res: Response) {
  expect(res.status).toBe(413);
  expect((await res.json()).error.code).toBe('ERR_QUOTA_EXCEEDED');
}

async function tokenWithQuota(name: string, quota: number | null, owner = name): Promise<string> {
  return (await newToken(name, quota, owner)).token;
}

async function newToken(name: string, quota: number | null, owner = name) {
  const res = await fetch(`${depot.url}/api/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${depot.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, owner, quota }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}

describe('per-owner quota (DEPOT_QUOTA=1000)', () => {
  it('counts declared lengths at creation and refuses what does not fit before storing anything', async () => {
    const alice = await depot.tokenFor('alice');
    expect((await create(alice, { 'Upload-Length': '600' })).status).toBe(201);
    const before = await blobs();
    await expectQuotaError(await create(alice, { 'Upload-Length': '401' }));
    expect(await blobs()).toEqual(before);
    const last = await create(alice, { 'Upload-Length': '400' });
    expect(last.status).toBe(201);
    // full: not even a deferred upload may start
    await expectQuotaError(await create(alice, { 'Upload-Defer-Length': '1' }));
    // another owner has a quota of its own
    expect((await create(await depot.tokenFor('bob'), { 'Upload-Length': '1000' })).status).toBe(201);
    // deleting frees the claim
    const del = await fetch(last.headers.get('location')!, { method: 'DELETE', headers: tus(alice) });
    expect(del.status).toBe(204);
    expect((await create(alice, { 'Upload-Length': '400' })).status).toBe(201);
  });

  it("uses the token's own quota over the default, and never limits the admin", async () => {
    const big = await tokenWithQuota('big', 5000);
    expect((await create(big, { 'Upload-Length': '4000' })).status).toBe(201);
    await expectQuotaError(await create(big, { 'Upload-Length': '1001' }));
    expect((await create(depot.token, { 'Upload-Length': '100000' })).status).toBe(201);
  });

  it("limits the owner, whichever of its tokens uploads: the smallest quota of the owner's live tokens", async () => {
    const desk = await newToken('gina', 500);
    // no quota of its own: it must not lift gina's (nor fall back to the default 1000)
    const laptop = await tokenWithQuota('gina-laptop', null, 'gina');
    await expectQuotaError(await create(laptop, { 'Upload-Length': '501' }));
    // a deferred upload is bounded by the owner's quota too
    const deferred = await create(laptop, { 'Upload-Defer-Length': '1' });
    expect(deferred.status).toBe(201);
    await expectQuotaError(await patch(deferred.headers.get('location')!, laptop, 0, new Uint8Array(501)));
    // a larger quota on another token does not raise it either
    const big = await tokenWithQuota('gina-big', 5000, 'gina');
    await expectQuotaError(await create(big, { 'Upload-Length': '501' }));
    expect((await create(laptop, { 'Upload-Length': '500' })).status).toBe(201);
    await expectQuotaError(await create(desk.token, { 'Upload-Length': '1' }));
    // revoked, the 500-byte token binds nobody: the smallest live quota (5000) is the owner's now
    const revoke = await fetch(`${depot.url}/api/tokens/${desk.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${depot.token}` },
    });
    expect(revoke.status).toBe(204);
    expect((await create(laptop, { 'Upload-Length': '4500' })).status).toBe(201);
    await expectQuotaError(await create(laptop, { 'Upload-Length': '1' }));
  });

  it('bounds a deferred-length upload by what the quota leaves', async () => {
    const carol = await depot.tokenFor('carol');
    expect((await create(carol, { 'Upload-Length': '300' })).status).toBe(201);
    const res = await create(carol, { 'Upload-Defer-Length': '1' });
    expect(res.status).toBe(201);
    const url = res.headers.get('location')!;
    // a declared body that cannot fit is refused whole
    await expectQuotaError(await patch(url, carol, 0, new Uint8Array(701)));
    // a chunked body stops at the quota; what fitted is kept
    const { pathname } = new URL(url);
    const cut = await rawRequest(depot.url, 'PATCH', pathname, chunkHeaders(carol, 0), [
      new Uint8Array(500),
      new Uint8Array(500),
    ]);
    expect(cut.status).toBe(413);
    expect(JSON.parse(cut.body).error.code).toBe('ERR_QUOTA_EXCEEDED');
    expect(cut.headers['upload-offset']).toBe('700');
    expect((await head(url, carol)).headers.get('upload-offset')).toBe('700');
    // declaring a length past the quota later is refused too
    await expectQuotaError(await patch(url, carol, 700, new Uint8Array(0), { 'Upload-Length': '701' }));
    expect((await patch(url, carol, 700, new Uint8Array(0), { 'Upload-Length': '700' })).status).toBe(204);
  });

  it('keeps two deferred uploads writing at once from sharing the same free bytes', async () => {
    const frank = await depot.tokenFor('frank');
    const [a, b] = await Promise.all(
      [0, 1].map(async () => (await create(frank, { 'Upload-Defer-Length': '1' })).headers.get('location')!),
    );
    const headers = chunkHeaders(frank, 0);
    // A declares 600 bytes and sends only 100 of them for now: the other 500 stay held for it.
    const slow = slowPatch(a!, headers, 600);
    await slow.write(new Uint8Array(100));
    await sleep(200);
    await expectQuotaError(await patch(b!, frank, 0, new Uint8Array(401)));
    expect((await patch(b!, frank, 0, new Uint8Array(400))).status).toBe(204);
    await slow.write(new Uint8Array(500));
    slow.end();
    expect((await slow.response).status).toBe(204);
    expect((await head(a!, frank)).headers.get('upload-offset')).toBe('600');
    // Both writes are over: nothing stays reserved, and the owner holds exactly 1000 bytes.
    await expectQuotaError(await create(frank, { 'Upload-Length': '1' }));
    expect((await fetch(b!, { method: 'DELETE', headers: tus(frank) })).status).toBe(204);
    expect((await create(frank, { 'Upload-Length': '400' })).status).toBe(201);
  });

  it('counts a concatenated final upload, which stores its bytes again', async () => {
    const dave = await depot.tokenFor('dave');
    const parts: string[] = [];
    for (const n of [400, 200]) {
      const res = await create(dave, { 'Upload-Length': String(n), 'Upload-Concat': 'partial' });
      parts.push(new URL(res.headers.get('location')!).pathname);
    }
    await expectQuotaError(await create(dave, { 'Upload-Concat': `final;${parts.join(' ')}` }));
  });

  it('refuses a simple upload over the quota, by its length or as it streams, leaving nothing', async () => {
    const erin = await depot.tokenFor('erin');
    const before = await blobs();
    const post = (body: BodyInit) =>
      fetch(`${depot.url}/api/files`, { method: 'POST', headers: { Authorization: `Bearer ${erin}` }, body });
    await expectQuotaError(await post(new Uint8Array(1001)));
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(1500)]), 'x.bin');
    await expectQuotaError(await post(form));
    expect(await blobs()).toEqual(before);
    expect((await post(new Uint8Array(1000))).status).toBe(201);
  });
});
