import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { clientUpload, clientUploadHalf } from './helpers/tus-client.js';

let depot: TestDepot;
beforeAll(async () => {
  depot = await startDepot();
});
afterAll(() => depot.close());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const stored = (url: string) => readFile(path.join(depot.dataDir, 'blobs', url.split('/').pop() as string));

const upload = (data: Buffer, options: Partial<tus.UploadOptions> = {}) => clientUpload(depot, data, options);

describe('tus-js-client (the reference client) against Depot', () => {
  it('uploads a file in chunks', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const u = await upload(data);
    expect(sha(await stored(u.url as string))).toBe(sha(data));
  });

  it('resumes from the stored URL in a new client after an abort at about 50%', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const url = await clientUploadHalf(depot, data);
    const h = await fetch(url, {
      method: 'HEAD',
      headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${depot.token}` },
    });
    const offset = Number(h.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(data.length);
    let firstResumedAt = -1;
    const resumed = await upload(data, {
      uploadUrl: url,
      onProgress: (sent) => {
        if (firstResumedAt < 0) firstResumedAt = sent;
      },
    });
    expect(resumed.url).toBe(url);
    expect(firstResumedAt).toBeGreaterThan(offset - 1);
    expect(sha(await stored(url))).toBe(sha(data));
  });

  it('uploads with parallelUploads: 4 through concatenation', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 7);
    const u = await upload(data, { parallelUploads: 4 });
    expect(sha(await stored(u.url as string))).toBe(sha(data));
  });

  it('uploads with uploadDataDuringCreation', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const u = await upload(data, { uploadDataDuringCreation: true });
    expect(sha(await stored(u.url as string))).toBe(sha(data));
  });

  it('uploads a small file entirely in the creation request', async () => {
    const data = randomBytes(10 * 1024);
    const u = await upload(data, { uploadDataDuringCreation: true, chunkSize: Number.POSITIVE_INFINITY });
    expect(sha(await stored(u.url as string))).toBe(sha(data));
  });
});
