import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, head, patch, startDepot, type TestDepot, tus } from './helpers/depot.js';

let depot: TestDepot;
let alice: string;
let mallory: string;
/** alice's uploads, each as an absolute URL: a finished file, an unfinished upload, a partial */
const own: Record<'finished' | 'unfinished' | 'partial', string> = {
  finished: '',
  unfinished: '',
  partial: '',
};
const data = randomBytes(1000);

beforeAll(async () => {
  depot = await startDepot();
  alice = await depot.tokenFor('alice');
  mallory = await depot.tokenFor('mallory');
  own.finished = await createUpload(depot, { 'Upload-Length': String(data.length) }, alice);
  expect((await patch(own.finished, alice, 0, data)).status).toBe(204);
  own.unfinished = await createUpload(depot, { 'Upload-Length': '5000' }, alice);
  expect((await patch(own.unfinished, alice, 0, data)).status).toBe(204);
  own.partial = await createUpload(depot, { 'Upload-Length': '1000', 'Upload-Concat': 'partial' }, alice);
  expect((await patch(own.partial, alice, 0, data)).status).toBe(204);
});
afterAll(async () => depot.close());

const idOf = (url: string) => new URL(url).pathname.split('/').pop() as string;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Every route that takes an upload, as a request by `token` on the upload at `url`. */
const routes: Record<string, (url: string, token: string) => Promise<Response>> = {
  'GET /api/files/:id (info)': (url, token) =>
    fetch(`${depot.url}/api/files/${idOf(url)}`, { headers: bearer(token) }),
  'HEAD /files/:id (tus offset)': (url, token) => head(url, token),
  'HEAD /files/:id (download)': (url, token) => fetch(url, { method: 'HEAD', headers: bearer(token) }),
  'GET /files/:id (download)': (url, token) => fetch(url, { headers: bearer(token) }),
  'GET /files/:id with Range': (url, token) =>
    fetch(url, { headers: { ...bearer(token), Range: 'bytes=0-9' } }),
  'PATCH /files/:id': (url, token) => patch(url, token, 1000, randomBytes(10)),
  'POST /files/:id as PATCH (X-HTTP-Method-Override)': (url, token) =>
    fetch(url, {
      method: 'POST',
      headers: tus(token, {
        'X-HTTP-Method-Override': 'PATCH',
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': '1000',
      }),
      body: randomBytes(10),
    }),
  'DELETE /files/:id (tus termination)': (url, token) =>
    fetch(url, { method: 'DELETE', headers: tus(token) }),
  'DELETE /files/:id (plain)': (url, token) => fetch(url, { method: 'DELETE', headers: bearer(token) }),
  'POST /files/ concatenating it as a part': (url, token) =>
    fetch(depot.files, {
      method: 'POST',
      headers: tus(token, { 'Upload-Concat': `final;${new URL(url).pathname}` }),
    }),
};

describe("a stranger's token gets 404 on every route, exactly as for an id that does not exist", () => {
  const missing = `${'/files/'}${'ab'.repeat(16)}`;
  for (const [route, send] of Object.entries(routes)) {
    for (const kind of ['finished', 'unfinished', 'partial'] as const) {
      it(`${route} — ${kind} upload`, async () => {
        const res = await send(own[kind], mallory);
        expect(res.status).toBe(404);
        const nothing = await send(`${depot.url}${missing}`, mallory);
        expect(nothing.status).toBe(404);
        // the same error code, and for HEAD the same empty body: nothing tells the two apart
        const [a, b] = [await res.text(), await nothing.text()];
        expect(a === '' ? '' : JSON.parse(a).error.code).toBe(b === '' ? '' : JSON.parse(b).error.code);
      });
    }
  }

  it('GET /api/files lists none of them', async () => {
    const res = await fetch(`${depot.url}/api/files`, { headers: bearer(mallory) });
    expect(res.status).toBe(200);
    expect((await res.json()).files).toEqual([]);
  });

  it("left every one of alice's uploads as it was", async () => {
    const res = await fetch(`${depot.url}/api/files?limit=10`, { headers: bearer(alice) });
    const files = (await res.json()).files as { id: string }[];
    // (a partial upload is not listed as a file: it is looked at by id below)
    expect(files.map((f) => f.id).sort()).toEqual([own.finished, own.unfinished].map(idOf).sort());
    for (const url of Object.values(own)) {
      const info = await fetch(`${depot.url}/api/files/${idOf(url)}`, { headers: bearer(alice) });
      expect((await info.json()).offset).toBe(1000);
    }
    const back = await fetch(own.finished, { headers: bearer(alice) });
    expect(Buffer.from(await back.arrayBuffer()).equals(data)).toBe(true);
  });
});
