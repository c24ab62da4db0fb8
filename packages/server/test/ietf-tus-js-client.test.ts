import { createHash, randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { clientUpload, clientUploadHalf } from './helpers/tus-client.js';

let depot: TestDepot;
beforeAll(async () => {
  depot = await startDepot();
});
afterAll(() => depot.close());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const idOf = (url: string) => url.split('/').pop() as string;
const INTEROP = { 'ietf-draft-03': '5', 'ietf-draft-05': '6' } as const;
type Draft = keyof typeof INTEROP;

const upload = (data: Buffer, protocol: Draft, options: Partial<tus.UploadOptions> = {}) =>
  clientUpload(depot, data, { protocol, ...options });
const uploadHalf = (data: Buffer, protocol: Draft) => clientUploadHalf(depot, data, { protocol });

describe.each(['ietf-draft-03', 'ietf-draft-05'] as const)('tus-js-client with protocol %s', (protocol) => {
  it('uploads a file in chunks, byte for byte, with its name', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const u = await upload(data, protocol);
    const id = idOf(u.url as string);
    expect(sha(await depot.blob(id))).toBe(sha(data));
    const info = await depot.server.services.store.uploads.get(id);
    expect(info).toMatchObject({ name: 'data.bin', length: data.length, offset: data.length });
    expect(info?.finishedAt).not.toBeNull();
    expect(info?.sha256).toBe(sha(data));
  });

  it('resumes from the stored URL in a new client after an abort at about 50%', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const url = await uploadHalf(data, protocol);
    const h = await fetch(url, {
      method: 'HEAD',
      headers: { 'Upload-Draft-Interop-Version': INTEROP[protocol], Authorization: `Bearer ${depot.token}` },
    });
    expect(h.status).toBe(204);
    expect(h.headers.get('upload-complete')).toBe('?0');
    const offset = Number(h.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(data.length);
    let firstResumedAt = -1;
    const resumed = await upload(data, protocol, {
      uploadUrl: url,
      onProgress: (sent) => {
        if (firstResumedAt < 0) firstResumedAt = sent;
      },
    });
    expect(resumed.url).toBe(url);
    expect(firstResumedAt).toBeGreaterThan(offset - 1);
    expect(sha(await depot.blob(idOf(url)))).toBe(sha(data));
  });

  it('uploads with uploadDataDuringCreation', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 5);
    const u = await upload(data, protocol, { uploadDataDuringCreation: true });
    expect(sha(await depot.blob(idOf(u.url as string)))).toBe(sha(data));
  });

  it('uploads a small file entirely in the creation request', async () => {
    const data = randomBytes(10 * 1024);
    const u = await upload(data, protocol, {
      uploadDataDuringCreation: true,
      chunkSize: Number.POSITIVE_INFINITY,
    });
    expect(sha(await depot.blob(idOf(u.url as string)))).toBe(sha(data));
  });

  it('uploads with overridePatchMethod (POST + X-HTTP-Method-Override: PATCH)', async () => {
    const data = randomBytes(700 * 1024);
    const u = await upload(data, protocol, { overridePatchMethod: true, chunkSize: 256 * 1024 });
    expect(sha(await depot.blob(idOf(u.url as string)))).toBe(sha(data));
  });

  it('uploads with a deferred length', async () => {
    const data = randomBytes(1024 * 1024 + 77);
    const u = await upload(data, protocol, { uploadLengthDeferred: true, chunkSize: 256 * 1024 });
    const id = idOf(u.url as string);
    expect(sha(await depot.blob(id))).toBe(sha(data));
    expect((await depot.server.services.store.uploads.get(id))?.length).toBe(data.length);
  });

  it('terminates an unfinished upload', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const url = await uploadHalf(data, protocol);
    await tus.Upload.terminate(url, {
      protocol,
      headers: { Authorization: `Bearer ${depot.token}` },
    });
    expect(await depot.server.services.store.uploads.get(idOf(url))).toBeUndefined();
  });
});

it('tus 1.0 still works beside the drafts on the same endpoint', async () => {
  const data = randomBytes(1024 * 1024 + 3);
  const u = await clientUpload(depot, data, { chunkSize: 300 * 1024 });
  expect(sha(await depot.blob(idOf(u.url as string)))).toBe(sha(data));
});
