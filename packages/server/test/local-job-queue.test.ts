import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalJobQueue } from '../src/adapters/local-job-queue.js';
import { SqliteMetadataStore } from '../src/adapters/sqlite-metadata-store.js';
import { jobQueueContract } from './contract/job-queue-contract.js';

jobQueueContract('LocalJobQueue on SQLite', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'depot-queue-'));
  const store = await SqliteMetadataStore.open(path.join(dir, 'depot.sqlite'));
  await store.migrate();
  return {
    store,
    queue: () =>
      new LocalJobQueue(store.jobs, (err) => {
        throw err;
      }),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
