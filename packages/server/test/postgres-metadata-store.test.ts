import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresMetadataStore } from '../src/adapters/postgres-metadata-store.js';
import { migrationProvider } from '../src/adapters/sql/migrations.js';
import { jobRepositoryContract } from './contract/job-repository-contract.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.js';

const postgresFixture = async () => {
  const db = await createTestDatabase();
  const store = await PostgresMetadataStore.open(db.url);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
};

metadataStoreContract('PostgresMetadataStore', postgresFixture);
jobRepositoryContract('PostgresMetadataStore', postgresFixture);

let shared: TestDatabase;
beforeAll(async () => {
  shared = await createTestDatabase();
});
afterAll(() => shared.drop());

it('migrates an empty database once when several nodes start at the same moment', async () => {
  const nodes = await Promise.all(Array.from({ length: 4 }, () => PostgresMetadataStore.open(shared.url)));
  try {
    await Promise.all(nodes.map((n) => n.migrate()));
    const client = new pg.Client({ connectionString: shared.url });
    await client.connect();
    try {
      const { rows } = await client.query('select name from kysely_migration order by name');
      // every migration exactly once, in order
      const all = Object.keys(await migrationProvider.getMigrations()).sort();
      expect(all.length).toBeGreaterThanOrEqual(3);
      expect(rows.map((r) => r.name)).toEqual(all);
    } finally {
      await client.end();
    }
    await nodes[0]!.tokens.insert({
      id: 't',
      name: 'n',
      owner: 'o',
      hash: 'h',
      admin: true,
      quota: null,
      createdAt: 1,
      revokedAt: null,
    });
    expect(await nodes[3]!.tokens.hasAdmin()).toBe(true);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});
