import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { sleep } from './helpers/slow-patch.js';

let depot: TestDepot;
const body = randomBytes(100_000);
let owner: { id: string; token: string };
let fileId: string;
let otherFileId: string;

const admin = () => ({ Authorization: `Bearer ${depot.token}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function newToken(name: string): Promise<{ id: string; token: string }> {
  const res = await fetch(`${depot.url}/api/tokens`, {
    method: 'POST',
    headers: { ...admin(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  return res.json();
}

async function upload(token: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${depot.url}/api/files`, {
    method: 'POST',
    headers: { ...bearer(token), 'X-File-Name': 'data.bin' },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

const createLink = (token: string, id: string, body?: unknown) =>
  fetch(`${depot.url}/api/files/${id}/link`, {
    method: 'POST',
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function linkFor(token: string, id: string, expiresIn?: number): Promise<string> {
  const res = await createLink(token, id, expiresIn === undefined ? undefined : { expiresIn });
  expect(res.status).toBe(201);
  const json = await res.json();
  expect(Date.parse(json.expiresAt)).toBeGreaterThan(Date.now());
  return json.url;
}

async function expectUnauthorized(res: Response, message: RegExp) {
  expect(res.status).toBe(401);
  const json = await res.json();
  expect(json.error.code).toBe('ERR_UNAUTHORIZED');
  expect(json.error.message).toMatch(message);
}

beforeAll(async () => {
  depot = await startDepot();
  owner = await newToken('links-owner');
  fileId = await upload(owner.token, body);
  otherFileId = await upload(owner.token, randomBytes(10));
});
afterAll(async () => depot.close());

describe('download links', () => {
  it('download one file without a bearer header, whole or by range, until they expire', async () => {
    const url = await linkFor(owner.token, fileId);
    expect(new URL(url).pathname).toBe(`/files/${fileId}`);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(body)).toBe(true);
    expect(whole.headers.get('content-disposition')).toContain('data.bin');
    const part = await fetch(url, { headers: { Range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(body.subarray(1000, 2000))).toBe(true);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(body.length));

    const short = await linkFor(owner.token, fileId, 1);
    await sleep(2100);
    await expectUnauthorized(await fetch(short), /expired/);
  });

  it('are bound to their file, cannot be altered, and die with their token', async () => {
    const url = new URL(await linkFor(owner.token, fileId));
    const link = url.searchParams.get('link')!;
    await expectUnauthorized(await fetch(`${depot.url}/files/${otherFileId}?link=${link}`), /not valid/);
    const [id, expiry, sig] = link.split('.');
    const later = `${id}.${Number(expiry) + 3600}.${sig}`;
    await expectUnauthorized(await fetch(`${depot.url}/files/${fileId}?link=${later}`), /not valid/);
    const flipped = `${id}.${expiry}.${sig!.startsWith('A') ? 'B' : 'A'}${sig!.slice(1)}`;
    await expectUnauthorized(await fetch(`${depot.url}/files/${fileId}?link=${flipped}`), /not valid/);
    await expectUnauthorized(await fetch(`${depot.url}/files/${fileId}?link=garbage`), /not valid/);
    // one spelling per link: no leading zero, no other value of the signature's unused bits
    await expectUnauthorized(
      await fetch(`${depot.url}/files/${fileId}?link=${id}.0${expiry}.${sig}`),
      /not valid/,
    );
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig!.at(-1)!);
    const sameBits = `${sig!.slice(0, -1)}${alphabet[last ^ 1]}`; // differs only in an unused bit
    await expectUnauthorized(
      await fetch(`${depot.url}/files/${fileId}?link=${id}.${expiry}.${sameBits}`),
      /not valid/,
    );
    // only reading: a link never deletes or writes
    await expectUnauthorized(await fetch(url, { method: 'DELETE' }), /Bearer/);

    const temp = await newToken('links-temp');
    const tempFile = await upload(temp.token, randomBytes(10));
    const tempUrl = await linkFor(temp.token, tempFile);
    expect((await fetch(tempUrl)).status).toBe(200);
    expect(
      (await fetch(`${depot.url}/api/tokens/${temp.id}`, { method: 'DELETE', headers: admin() })).status,
    ).toBe(204);
    await expectUnauthorized(await fetch(tempUrl), /not valid/);
  });

  it('are made only for files the caller may read, with a sane lifetime', async () => {
    const stranger = await depot.tokenFor('links-stranger');
    expect((await createLink(stranger, fileId)).status).toBe(404);
    expect((await createLink(owner.token, 'no-such-file')).status).toBe(404);
    // an admin may link any file
    expect((await createLink(depot.token, fileId)).status).toBe(201);
    for (const expiresIn of [0, -5, 8 * 24 * 3600, 'soon', 1.5]) {
      const res = await createLink(owner.token, fileId, { expiresIn });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/expiresIn/);
    }
    expect((await createLink(owner.token, fileId, [1])).status).toBe(400);
    expect((await fetch(`${depot.url}/api/files/${fileId}/link`, { method: 'POST' })).status).toBe(401);
  });
});
