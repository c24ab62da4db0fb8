import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobNotFoundError, type Storage } from '../../src/ports/blob-store.js';
import { chunked, failingAfter, newId, readAll, stallingAfter } from './streams.js';

export interface BlobStoreFixture {
  readonly storage: Storage;
  cleanup(): Promise<void>;
}

const MiB = 2 ** 20;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The behaviour every BlobStore adapter (fs, S3, …) must show; registers a vitest suite. */
export function blobStoreContract(name: string, factory: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let storage: Storage;
    beforeEach(async () => {
      fixture = await factory();
      storage = fixture.storage;
    });
    afterEach(async () => fixture.cleanup());

    const created = async () => {
      const id = newId();
      await storage.blobs.create(id);
      return id;
    };
    const contents = async (id: string) => readAll(await storage.blobs.read(id));
    const write = (id: string, offset: number, data: Buffer, chunk = 64 * 1024) =>
      storage.blobs.write(id, offset, chunked(data, chunk), { limit: Number.MAX_SAFE_INTEGER });

    it('creates empty blobs and answers undefined for a missing size', async () => {
      const id = await created();
      expect(await storage.blobs.size(id)).toBe(0);
      expect((await contents(id)).length).toBe(0);
      expect(await storage.blobs.size(newId())).toBeUndefined();
    });

    it('writes, then appends at the offset where the last write ended', async () => {
      const id = await created();
      const data = randomBytes(300_000);
      expect(await write(id, 0, data.subarray(0, 100_000))).toEqual({ bytes: 100_000 });
      expect(await write(id, 100_000, data.subarray(100_000), 7777)).toEqual({ bytes: 200_000 });
      expect(await storage.blobs.size(id)).toBe(300_000);
      expect((await contents(id)).equals(data)).toBe(true);
    });

    it('keeps many tiny and a few large chunks intact', async () => {
      const id = await created();
      const data = randomBytes(9 * MiB + 123);
      const tiny = Readable.from(
        (function* () {
          for (let at = 0; at < 100_000; at += 7) yield data.subarray(at, Math.min(at + 7, 100_000));
          yield data.subarray(100_000, 5 * MiB);
          yield data.subarray(5 * MiB);
        })(),
      );
      const result = await storage.blobs.write(id, 0, tiny, { limit: data.length });
      expect(result.bytes).toBe(data.length);
      expect(sha(await contents(id))).toBe(sha(data));
    });

    it('replaces bytes past the offset', async () => {
      const id = await created();
      await write(id, 0, Buffer.from('hello world'));
      await write(id, 6, Buffer.from('there'));
      expect((await contents(id)).toString()).toBe('hello there');
    });

    it('writes exactly `limit` bytes and leaves the rest of the source unread', async () => {
      const id = await created();
      const data = randomBytes(10_000);
      const source = chunked(data, 1000);
      const result = await storage.blobs.write(id, 0, source, { limit: 2500 });
      expect(result).toEqual({ bytes: 2500 });
      expect((await contents(id)).equals(data.subarray(0, 2500))).toBe(true);
      expect((await readAll(source)).equals(data.subarray(2500))).toBe(true);
    });

    it('continues from the same source where a limited write stopped', async () => {
      const id = await created();
      const data = randomBytes(10_000);
      const source = chunked(data, 3000);
      expect(await storage.blobs.write(id, 0, source, { limit: 4000 })).toEqual({ bytes: 4000 });
      expect(await storage.blobs.write(id, 4000, source, { limit: 100_000 })).toEqual({ bytes: 6000 });
      expect((await contents(id)).equals(data)).toBe(true);
    });

    it('writes nothing with a zero limit', async () => {
      const id = await created();
      expect(await storage.blobs.write(id, 0, chunked(randomBytes(10), 5), { limit: 0 })).toEqual({
        bytes: 0,
      });
      expect(await storage.blobs.size(id)).toBe(0);
    });

    it('keeps the bytes of a source that fails, and reports why it stopped', async () => {
      const id = await created();
      const data = randomBytes(3000);
      const gone = new Error('client went away');
      const result = await storage.blobs.write(id, 0, failingAfter(data, gone), { limit: 10_000 });
      expect(result).toEqual({ bytes: 3000, interrupted: gone });
      expect((await contents(id)).equals(data)).toBe(true);
    });

    it('stops when the signal aborts, keeping what was written', async () => {
      const id = await created();
      const data = randomBytes(4000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('taken over')), 50);
      const result = await storage.blobs.write(id, 0, stallingAfter(data), {
        limit: 10_000,
        signal: controller.signal,
      });
      expect(result.bytes).toBe(4000);
      expect((result.interrupted as Error).message).toBe('taken over');
      expect((await contents(id)).equals(data)).toBe(true);
    });

    it('reads nothing when the signal has already aborted', async () => {
      const id = await created();
      const result = await storage.blobs.write(id, 0, chunked(randomBytes(100), 10), {
        limit: 100,
        signal: AbortSignal.abort(),
      });
      expect(result.bytes).toBe(0);
      expect(result.interrupted).toBeDefined();
    });

    it('reports durable progress at checkpoints during a long write', async () => {
      const id = await created();
      const data = randomBytes(16 * MiB);
      const seen: number[] = [];
      const result = await storage.blobs.write(id, 0, chunked(data, 256 * 1024), {
        limit: data.length,
        checkpointBytes: 5 * MiB,
        onCheckpoint: async (durable) => {
          seen.push(durable);
        },
      });
      expect(result.bytes).toBe(data.length);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen[0]).toBeGreaterThanOrEqual(5 * MiB);
      expect(seen.at(-1)).toBeLessThanOrEqual(data.length);
    });

    it('fails the write when a checkpoint fails', async () => {
      const id = await created();
      const boom = new Error('upload is gone');
      const write = storage.blobs.write(id, 0, chunked(randomBytes(12 * MiB), 256 * 1024), {
        limit: 12 * MiB,
        checkpointBytes: 5 * MiB,
        onCheckpoint: async () => {
          throw boom;
        },
      });
      await expect(write).rejects.toBe(boom);
    });

    it('truncates', async () => {
      const id = await created();
      const data = randomBytes(1000);
      await write(id, 0, data);
      await storage.blobs.truncate(id, 400);
      expect(await storage.blobs.size(id)).toBe(400);
      expect((await contents(id)).equals(data.subarray(0, 400))).toBe(true);
    });

    it('reads an inclusive byte range', async () => {
      const id = await created();
      const data = randomBytes(5000);
      await write(id, 0, data);
      const part = await readAll(await storage.blobs.read(id, { start: 100, end: 199 }));
      expect(part.equals(data.subarray(100, 200))).toBe(true);
      const last = await readAll(await storage.blobs.read(id, { start: 4999, end: 4999 }));
      expect(last.equals(data.subarray(4999))).toBe(true);
    });

    it('removes, and removing a missing blob is fine', async () => {
      const id = await created();
      await write(id, 0, randomBytes(100));
      await storage.blobs.remove(id);
      expect(await storage.blobs.size(id)).toBeUndefined();
      await storage.blobs.remove(id);
      await storage.blobs.remove(newId());
    });

    it('fails with BlobNotFoundError on a missing blob', async () => {
      const id = newId();
      await expect(storage.blobs.read(id)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(write(id, 1, Buffer.from('x'))).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(storage.blobs.truncate(id, 0)).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('creates a missing blob with a write at offset 0', async () => {
      const id = newId();
      const data = randomBytes(5000);
      expect(await write(id, 0, data, 999)).toEqual({ bytes: 5000 });
      expect((await contents(id)).equals(data)).toBe(true);
      expect(await write(id, 0, data.subarray(0, 10))).toEqual({ bytes: 10 });
      expect((await contents(id)).equals(data.subarray(0, 10))).toBe(true);
    });

    it('concatenates parts in order into the target', async () => {
      if (!storage.concat) return;
      const parts = [randomBytes(3 * MiB + 5), randomBytes(10), Buffer.alloc(0), randomBytes(70_000)];
      const ids: string[] = [];
      for (const p of parts) {
        const id = await created();
        await write(id, 0, p);
        ids.push(id);
      }
      const target = await created();
      await storage.concat.concat(target, ids);
      expect(sha(await contents(target))).toBe(sha(Buffer.concat(parts)));
      await expect(storage.concat.concat(await created(), [newId()])).rejects.toBeInstanceOf(
        BlobNotFoundError,
      );
    });

    it('answers ping', async () => {
      await storage.ping();
    });
  });
}
