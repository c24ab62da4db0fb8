import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { PostgresMetadataStore } from '../src/adapters/postgres-metadata-store.js';
import { migrationProvider } from '../src/adapters/sql/migrations.js';
import { encodeRows } from '../src/core/row-batch-writer.js';
import { datasetRepositoryContract } from './contract/dataset-repository-contract.js';
import { jobRecord } from './contract/job-records.js';
import { jobRepositoryContract } from './contract/job-repository-contract.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';
import { webhookRepositoryContract } from './contract/webhook-repository-contract.js';
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
webhookRepositoryContract('PostgresMetadataStore', postgresFixture);
datasetRepositoryContract('PostgresMetadataStore', postgresFixture);

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

it('keeps an import in file order when its runs move between nodes', async () => {
  const nodes = await Promise.all([0, 1].map(() => PostgresMetadataStore.open(shared.url)));
  try {
    await nodes[0]!.migrate();
    const ds = {
      id: '11111111111111111111111111111111',
      owner: 'alice',
      name: 'moving',
      columns: [{ name: 'n', type: 'integer' as const, required: true }],
      keys: [],
      createdAt: 1,
    };
    await nodes[0]!.datasets.create(ds);
    const job = jobRecord({ id: '22222222222222222222222222222222', state: 'running', lease: 'run1' });
    await nodes[0]!.jobs.insert(job);
    const stage = async (node: number, lease: string, from: number) => {
      const rows = encodeRows(
        Array.from({ length: 3 }, (_, i) => [from + i]),
        from + 1,
      );
      expect(await nodes[node]!.datasets.stage(job.id, ds, rows, { id: job.id, lease }, {})).toBe(true);
    };
    // run 1 on node 0, run 2 on node 1, run 3 on node 0 again (each run its own lease)
    await stage(0, 'run1', 0);
    await nodes[0]!.jobs.update({ id: job.id, lease: 'run1' }, { lease: 'run2' });
    await stage(1, 'run2', 3);
    await stage(1, 'run2', 6);
    await nodes[0]!.jobs.update({ id: job.id, lease: 'run2' }, { lease: 'run3' });
    await stage(0, 'run3', 9);
    expect(await nodes[0]!.datasets.commit(job.id, ds, { id: job.id, lease: 'run3' }, {})).toBe(true);
    const rows = (await nodes[1]!.datasets.rows(ds, 0, 100)).rows.map((r) => r.n);
    expect(rows).toEqual(Array.from({ length: 12 }, (_, i) => i));
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});

it("builds a keyed first import's two indexes at once without parallel workers, an append's with them, in 512 MB", async () => {
  const store = await PostgresMetadataStore.open(shared.url);
  const sent = vi.spyOn(pg.Client.prototype, 'query');
  try {
    await store.migrate();
    const builds = async (n: number, keys: string[]): Promise<string[]> => {
      const hex = String(n).repeat(32);
      const ds = {
        id: hex,
        owner: 'alice',
        name: `swap${n}`,
        columns: [{ name: 'n', type: 'integer' as const, required: true }],
        keys,
        createdAt: 1,
      };
      await store.datasets.create(ds);
      const job = jobRecord({ id: hex.replace(/^./, 'a'), state: 'running', lease: 'L' });
      await store.jobs.insert(job);
      const match = { id: job.id, lease: 'L' };
      expect(await store.datasets.stage(job.id, ds, encodeRows([[7], [8]], 2), match, {})).toBe(true);
      sent.mockClear();
      expect(await store.datasets.commit(job.id, ds, match, {})).toBe(true);
      expect((await store.datasets.rows(ds, 0, 10)).rows).toEqual([{ n: 7 }, { n: 8 }]);
      return sent.mock.calls.map((c) => String(c[0])).filter((q) => q.includes('create unique index'));
    };
    const keyed = await builds(3, ['n']);
    expect(keyed).toHaveLength(2);
    for (const q of keyed) expect(q).toMatch(/max_parallel_maintenance_workers = 0;/);
    const appended = await builds(4, []);
    expect(appended).toHaveLength(1);
    expect(appended[0]).not.toMatch(/max_parallel_maintenance_workers/);
    // every build sorts in 512 MB (at 256 MB an append's parallel workers sorted 5M rows on disk)
    for (const q of [...keyed, ...appended]) expect(q).toMatch(/maintenance_work_mem = '512MB';/);
  } finally {
    sent.mockRestore();
    await store.close();
  }
});
