import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresMetadataStore } from '../src/adapters/postgres-metadata-store.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.js';

metadataStoreContract('PostgresMetadataStore', async () => {
  const db = await createTestDatabase();
  const store = await PostgresMetadataStore.open(db.url);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
});

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
      expect(rows.map((r) => r.name)).toEqual(['0001-uploads-and-tokens']);
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
