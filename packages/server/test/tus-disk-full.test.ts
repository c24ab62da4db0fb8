import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUpload, head, patch, startDepot, type TestDepot } from './helpers/depot.js';
import { tinyFs } from './helpers/tiny-fs.js';

let fs: Awaited<ReturnType<typeof tinyFs>>;
let depot: TestDepot;
beforeAll(async () => {
  fs = await tinyFs('2m');
  depot = await startDepot({ DEPOT_STORAGE: `fs:${fs.dir}` });
});
afterAll(async () => {
  await depot?.close();
  await fs?.close();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

it('answers 507 when the disk fills mid-PATCH, and the upload resumes once space is free', async () => {
  const data = randomBytes(3 * 2 ** 20);
  const url = await createUpload(depot, { 'Upload-Length': String(data.length) });
  await patch(url, depot.token, 0, data.subarray(0, 2 ** 19));
  const full = await patch(url, depot.token, 2 ** 19, data.subarray(2 ** 19));
  expect(full.status).toBe(507);
  expect((await full.json()).error.code).toBe('ERR_STORAGE_FULL');
  const offset = Number((await head(url, depot.token)).headers.get('upload-offset'));
  expect(offset).toBe(2 ** 19);

  fs.resize('8m');
  const res = await patch(url, depot.token, offset, data.subarray(offset));
  expect(res.status).toBe(204);
  expect(sha(await readFile(path.join(fs.dir, url.split('/').pop() as string)))).toBe(sha(data));
});
