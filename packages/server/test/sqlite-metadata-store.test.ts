import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrationProvider } from '../src/adapters/sql/migrations.js';
import type { Database } from '../src/adapters/sql/schema.js';
import { SqliteMetadataStore } from '../src/adapters/sqlite-metadata-store.js';
import { datasetRepositoryContract } from './contract/dataset-repository-contract.js';
import { jobRepositoryContract } from './contract/job-repository-contract.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';
import { webhookRepositoryContract } from './contract/webhook-repository-contract.js';

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
webhookRepositoryContract('SqliteMetadataStore', sqliteFixture);
datasetRepositoryContract('SqliteMetadataStore', sqliteFixture);

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

it('fills the name and type columns of uploads stored before migration 0002', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'depot.sqlite');
  try {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(
      '0001-uploads-and-tokens',
    );
    expect(error).toBeUndefined();
    const row = { owner: 'o' };
    await sql`insert into uploads (id, owner, length, "offset", metadata, created_at, updated_at)
      values ('a', ${row.owner}, 1, 0, ${JSON.stringify({ name: 'x.csv', filetype: ' Text/CSV ' })}, 1, 1),
             ('b', ${row.owner}, 1, 0, ${JSON.stringify({ filetype: 'not a type' })}, 1, 1)`.execute(db);
    await db.destroy();
    const store = await SqliteMetadataStore.open(file);
    await store.migrate();
    expect(await store.uploads.get('a')).toMatchObject({ name: 'x.csv', type: 'text/csv' });
    expect(await store.uploads.get('b')).toMatchObject({ name: null, type: null });
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
