import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SqliteMetadataStore } from '../src/adapters/sqlite-metadata-store.js';
import { jobRepositoryContract } from './contract/job-repository-contract.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'depot-sqlite-'));

const sqliteFixture = async () => {
  const dir = await tempDir();
  const store = await SqliteMetadataStore.open(path.join(dir, 'depot.sqlite'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

metadataStoreContract('SqliteMetadataStore', sqliteFixture);
jobRepositoryContract('SqliteMetadataStore', sqliteFixture);

it('keeps its records in the file across a reopen, in WAL mode', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'depot.sqlite');
  try {
    const first = await SqliteMetadataStore.open(file);
    await first.migrate();
    await first.tokens.insert({
      id: 't1',
      name: 'n',
      owner: 'o',
      hash: 'h',
      admin: true,
      quota: null,
      createdAt: 1,
      revokedAt: null,
    });
    await first.close();
    const second = await SqliteMetadataStore.open(file);
    await second.migrate();
    expect(await second.tokens.hasAdmin()).toBe(true);
    await second.close();
    const raw = new BetterSqlite3(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
