import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore, s3Storage } from '../src/adapters/s3-blob-store.js';
import { blobStoreContract } from './contract/blob-store-contract.js';
import { chunked, newId, readAll } from './contract/streams.js';
import { createTestBucket, type TestBucket } from './helpers/s3.js';

let bucket: TestBucket;
let spoolDir: string;
beforeAll(async () => {
  bucket = await createTestBucket();
  spoolDir = await mkdtemp(path.join(tmpdir(), 'depot-s3-spool-'));
});
afterAll(async () => {
  await bucket?.drop();
  await rm(spoolDir, { recursive: true, force: true });
});

blobStoreContract('S3BlobStore', async () => {
  const store = await S3BlobStore.open(bucket.settings, spoolDir);
  return { storage: s3Storage(store), cleanup: async () => store.close() };
});

const MiB = 2 ** 20;
const write = (store: S3BlobStore, id: string, offset: number, data: Buffer) =>
  store.write(id, offset, chunked(data, 256 * 1024), { limit: Number.MAX_SAFE_INTEGER });
const contents = async (store: S3BlobStore, id: string) => readAll(await store.read(id));

it('names a missing bucket in its health check (the SDK alone says UnknownError)', async () => {
  const missing = await S3BlobStore.open(
    { ...bucket.settings, bucket: `${bucket.settings.bucket}-none` },
    spoolDir,
  );
  try {
    await expect(missing.ping()).rejects.toThrow(/^S3: the bucket \S+-none does not exist \(HTTP 404\)$/);
  } finally {
    missing.close();
  }
});

describe('S3BlobStore', () => {
  let store: S3BlobStore;
  beforeAll(async () => {
    store = await S3BlobStore.open(bucket.settings, spoolDir);
  });
  afterAll(() => store.close());

  it('cuts back across whole parts to the start of the write that made them (a failed checksum)', async () => {
    const id = newId();
    await store.create(id);
    const data = randomBytes(15 * MiB + 77);
    await write(store, id, 0, data.subarray(0, 3 * MiB));
    // 12 MiB more: two 5 MiB parts and a tail, all to be discarded
    await write(store, id, 3 * MiB, randomBytes(12 * MiB));
    expect(await store.size(id)).toBe(15 * MiB);
    await store.truncate(id, 3 * MiB);
    expect(await store.size(id)).toBe(3 * MiB);
    await write(store, id, 3 * MiB, data.subarray(3 * MiB));
    expect((await contents(store, id)).equals(data)).toBe(true);
  });

  it('refuses to cut into a part that an earlier write recorded', async () => {
    const id = newId();
    await store.create(id);
    await write(store, id, 0, randomBytes(6 * MiB));
    await write(store, id, 6 * MiB, randomBytes(1000));
    await expect(store.truncate(id, 2 * MiB)).rejects.toThrow(/inside an uploaded part/);
  });

  it('goes on with a blob from another node (nothing about it is local)', async () => {
    const otherSpool = await mkdtemp(path.join(tmpdir(), 'depot-s3-spool-'));
    const other = await S3BlobStore.open(bucket.settings, otherSpool);
    try {
      const id = newId();
      await store.create(id, 11 * MiB);
      const data = randomBytes(11 * MiB);
      await write(store, id, 0, data.subarray(0, 7 * MiB + 5));
      await write(other, id, 7 * MiB + 5, data.subarray(7 * MiB + 5, 9 * MiB));
      await write(store, id, 9 * MiB, data.subarray(9 * MiB));
      await other.seal(id);
      expect((await contents(store, id)).equals(data)).toBe(true);
      expect(await readdir(otherSpool)).toEqual([]);
    } finally {
      other.close();
      await rm(otherSpool, { recursive: true, force: true });
    }
  });

  it('reopens a finished blob (copies inside S3) to write or cut it again', async () => {
    const id = newId();
    await store.create(id);
    const data = randomBytes(7 * MiB + 3);
    await write(store, id, 0, data.subarray(0, 6 * MiB));
    await store.seal(id);
    await write(store, id, 6 * MiB, data.subarray(6 * MiB));
    expect((await contents(store, id)).equals(data)).toBe(true);
    await store.truncate(id, 5 * MiB + 1);
    expect(await store.size(id)).toBe(5 * MiB + 1);
    expect((await contents(store, id)).equals(data.subarray(0, 5 * MiB + 1))).toBe(true);
  });

  it('leaves one object per finished blob, and nothing once removed', async () => {
    const id = newId();
    await store.create(id);
    await write(store, id, 0, randomBytes(5 * MiB + 10));
    await write(store, id, 5 * MiB + 10, randomBytes(100));
    await store.seal(id);
    const mine = async () => (await bucket.keys()).filter((k) => k.includes(id));
    expect((await mine()).sort()).toEqual([`blobs/${id}`, `blobs/${id}.manifest`]);
    expect(await store.size(id)).toBe(5 * MiB + 110);
    await store.remove(id);
    expect(await mine()).toEqual([]);
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('aborts the multipart upload of an unfinished blob it removes', async () => {
    const id = newId();
    await store.create(id);
    await write(store, id, 0, randomBytes(6 * MiB));
    await store.remove(id);
    expect((await bucket.keys()).filter((k) => k.includes(id))).toEqual([]);
    expect(await bucket.multipartUploads(`blobs/${id}`)).toEqual([]);
  });
});
