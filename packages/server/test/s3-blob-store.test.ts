import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { S3BlobStore, s3Storage } from '../src/adapters/s3-blob-store.js';
import { blobStoreContract } from './contract/blob-store-contract.js';
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
