import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore, fsStorage } from '../src/adapters/fs-blob-store.js';
import { BlobNotFoundError, StorageFullError } from '../src/ports/blob-store.js';
import { blobStoreContract } from './contract/blob-store-contract.js';
import { chunked, newId } from './contract/streams.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'depot-fs-blob-'));

blobStoreContract('FsBlobStore', async () => {
  const dir = await tempDir();
  return {
    storage: fsStorage(await FsBlobStore.open(path.join(dir, 'blobs'))),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('FsBlobStore', () => {
  let dir: string;
  let store: FsBlobStore;
  beforeAll(async () => {
    dir = await tempDir();
    store = await FsBlobStore.open(path.join(dir, 'nested', 'blobs'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads in 4 MiB pieces alone, in smaller ones when many reads stream at once, and back to 4 MiB once they end', async () => {
    // a store of its own: the other tests here count the files in theirs
    const store = await FsBlobStore.open(path.join(dir, 'reads'));
    const id = newId();
    await store.write(id, 0, chunked(randomBytes(64 * 1024), 16 * 1024), { limit: 64 * 1024 });
    const lone = await store.read(id);
    expect(lone.readableHighWaterMark).toBe(4 * 2 ** 20);
    lone.destroy();
    await new Promise((r) => lone.once('close', r));
    const many = [];
    for (let i = 0; i < 200; i++) many.push(await store.read(id));
    const sizes = many.map((r) => r.readableHighWaterMark);
    expect(Math.min(...sizes)).toBe(256 * 1024);
    // what the reads streaming at once may hold stays bounded, whatever their number
    expect(sizes.slice(0, 64).reduce((a, b) => a + b, 0)).toBeLessThan(160 * 2 ** 20);
    await Promise.all(
      many.map((r) => {
        r.destroy();
        return new Promise((done) => r.once('close', done));
      }),
    );
    const after = await store.read(id);
    expect(after.readableHighWaterMark).toBe(4 * 2 ** 20);
    after.destroy();
  });

  it('shows every joined byte to onBytes, in order, while concatenating', async () => {
    // a store of its own: the other tests here count the files in theirs
    const store = await FsBlobStore.open(path.join(dir, 'concat'));
    const parts = [
      randomBytes(5 * 2 ** 20 + 3),
      Buffer.alloc(0),
      randomBytes(9 * 2 ** 20 + 11),
      randomBytes(7),
    ];
    const ids = [];
    for (const bytes of parts) {
      const id = newId();
      await store.write(id, 0, chunked(bytes, 256 * 1024), { limit: bytes.length });
      ids.push(id);
    }
    const target = newId();
    const seen: Buffer[] = [];
    let calls = 0;
    await store.concat(target, ids, async (bytes) => {
      calls++;
      // a copy: the store reuses its buffers once the call returns
      seen.push(Buffer.from(bytes));
      await new Promise((r) => setTimeout(r, 1));
    });
    const whole = Buffer.concat(parts);
    expect(Buffer.concat(seen).equals(whole)).toBe(true);
    expect((await readFile(path.join(store.dir, target))).equals(whole)).toBe(true);
    expect(calls).toBeGreaterThan(3);
  });

  it('keeps each blob in a file named by its id, and nothing else', async () => {
    const id = newId();
    await store.create(id);
    await store.write(id, 0, chunked(Buffer.from('abc'), 1), { limit: 3 });
    expect(await readFile(path.join(store.dir, id), 'utf8')).toBe('abc');
    await fsStorage(store).ping();
    expect(await readdir(store.dir)).toEqual([id]);
  });

  it('refuses ids that are not 32 lowercase hex characters', async () => {
    for (const id of ['../escape', 'A'.repeat(32), `${newId()}/x`, '']) {
      await expect(store.create(id)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(store.read(id)).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await store.size(id)).toBeUndefined();
    }
  });

  it('has the bytes on disk by the time a checkpoint is reported', async () => {
    const id = newId();
    await store.create(id);
    const sizes: [number, number][] = [];
    await store.write(id, 0, chunked(randomBytes(4 * 2 ** 20), 50_000), {
      limit: Number.MAX_SAFE_INTEGER,
      checkpointBytes: 2 ** 20,
      onCheckpoint: async (durable) => {
        sizes.push([durable, (await stat(path.join(store.dir, id))).size]);
      },
    });
    expect(sizes.length).toBeGreaterThan(0);
    for (const [durable, size] of sizes) expect(size).toBeGreaterThanOrEqual(durable);
  });
});

describe('FsBlobStore on a full disk', () => {
  let mount: string;
  let store: FsBlobStore;
  beforeAll(async () => {
    mount = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', mount]);
    store = await FsBlobStore.open(mount);
  });
  afterAll(async () => {
    execFileSync('umount', ['-l', mount]);
    await rm(mount, { recursive: true, force: true });
  });

  it('throws StorageFullError on ENOSPC, and works again once space is freed', async () => {
    const id = newId();
    await store.create(id);
    const write = store.write(id, 0, chunked(randomBytes(3 * 2 ** 20), 64 * 1024), {
      limit: Number.MAX_SAFE_INTEGER,
    });
    await expect(write).rejects.toBeInstanceOf(StorageFullError);
    await store.truncate(id, 0);
    expect(await store.write(id, 0, chunked(randomBytes(1000), 100), { limit: 1000 })).toEqual({
      bytes: 1000,
    });
  });

  it('throws StorageFullError when a concatenation runs out of space', async () => {
    const part = newId();
    await store.create(part);
    await store.write(part, 0, chunked(randomBytes(600 * 1024), 64 * 1024), { limit: 600 * 1024 });
    const target = newId();
    await store.create(target);
    await expect(store.concat(target, [part, part])).rejects.toBeInstanceOf(StorageFullError);
    await store.remove(target);
    await store.remove(part);
  });
});
