import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { chunkHeaders, createUpload, head, patch, startDepot, type TestDepot } from './helpers/depot.js';
import { sleep, slowPatch } from './helpers/slow-patch.js';

describe.each(BACKENDS)('concurrent requests on $name', (backend) => {
  let depot: TestDepot;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const started = await backend.start();
    cleanup = started.cleanup;
    depot = await startDepot(started.env);
  });
  afterAll(async () => {
    await depot?.close();
    await cleanup?.();
  });

  const blob = (url: string) => depot.blob(url.split('/').pop() as string);
  const offsetOf = async (url: string) => Number((await head(url, depot.token)).headers.get('upload-offset'));

  describe('durability of a cut PATCH', () => {
    it('keeps the bytes that arrived before the connection was cut', async () => {
      const data = randomBytes(400_000);
      const url = await createUpload(depot, { 'Upload-Length': String(data.length) });
      const p = slowPatch(url, chunkHeaders(depot.token, 0), data.length);
      await p.write(data.subarray(0, 150_000));
      await sleep(200);
      p.cut();
      let offset = 0;
      for (let i = 0; i < 50 && offset === 0; i++) {
        await sleep(50);
        offset = await offsetOf(url);
      }
      expect(offset).toBe(150_000);
      expect((await patch(url, depot.token, offset, data.subarray(offset))).status).toBe(204);
      expect((await blob(url)).equals(data)).toBe(true);
    });
  });

  describe('one writer per upload', () => {
    it('never interleaves two live PATCHes: one wins, the other gets a clear error', async () => {
      const size = 200_000;
      const a = randomBytes(size);
      const b = randomBytes(size);
      const url = await createUpload(depot, { 'Upload-Length': String(size) });
      const pa = slowPatch(url, chunkHeaders(depot.token, 0), size);
      const pb = slowPatch(url, chunkHeaders(depot.token, 0), size);
      // Both keep sending, a tenth at a time, interleaved in time.
      for (let i = 0; i < 10; i++) {
        await pa.write(a.subarray(i * 20_000, (i + 1) * 20_000));
        await pb.write(b.subarray(i * 20_000, (i + 1) * 20_000));
        await sleep(150);
      }
      pa.end();
      pb.end();
      const [ra, rb] = await Promise.all([pa.response, pb.response]);
      const statuses = [ra.status, rb.status].sort();
      expect(statuses[0]).toBe(204);
      expect([409, 423]).toContain(statuses[1]);
      const stored = await blob(url);
      expect(stored.equals(ra.status === 204 ? a : b)).toBe(true);
    });

    it('lets a reconnecting client take over from a stalled request within 5 s', async () => {
      const data = randomBytes(300_000);
      const url = await createUpload(depot, { 'Upload-Length': String(data.length) });
      const stale = slowPatch(url, chunkHeaders(depot.token, 0), data.length);
      await stale.write(data.subarray(0, 100_000));
      await sleep(100);
      // The old connection now hangs: open, no bytes. A new client asks where to resume.
      const started = Date.now();
      const offset = await offsetOf(url);
      expect(offset).toBe(100_000);
      const res = await patch(url, depot.token, offset, data.subarray(offset));
      expect(res.status).toBe(204);
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await blob(url)).equals(data)).toBe(true);
      expect((await stale.response).status).toBe(423);
      stale.cut();
    });
  });
});
