import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatasetRepository } from '../../src/ports/dataset-repository.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { jobRecord } from './job-records.js';
import type { MetadataStoreFixture } from './metadata-store-contract.js';

/** The jobs repository of a MetadataStore adapter (SQLite, Postgres); registers a suite. */
export function jobRepositoryContract(name: string, factory: () => Promise<MetadataStoreFixture>): void {
  describe(`JobRepository contract: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      await store.migrate();
    });
    afterEach(async () => fixture.cleanup());

    it('keeps a job as plain data, checkpoint and big numbers included', async () => {
      const job = jobRecord({ checkpoint: { runs: ['a'], line: 3 }, error: { code: 'E', message: 'm' } });
      await store.jobs.insert(job);
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.jobs.get('missing')).toBeUndefined();
    });

    it('updates only while the state and lease match (the compare-and-set of every move)', async () => {
      const job = jobRecord();
      await store.jobs.insert(job);
      const claimed = await store.jobs.update(
        { id: job.id, states: ['queued'], lease: null },
        { state: 'running', lease: 'L1' },
      );
      expect(claimed?.state).toBe('running');
      expect(
        await store.jobs.update({ id: job.id, states: ['queued'], lease: null }, { lease: 'L2' }),
      ).toBeUndefined();
      expect(await store.jobs.update({ id: job.id, lease: 'L2' }, { checkpoint: 1 })).toBeUndefined();
      const saved = await store.jobs.update(
        { id: job.id, lease: 'L1' },
        { checkpoint: { at: 5 }, progress: { bytesDone: 5, bytesTotal: 9, rowsDone: 1, errorCount: 0 } },
      );
      expect(saved?.checkpoint).toEqual({ at: 5 });
      expect((await store.jobs.listLeased(10)).map((j) => j.id)).toEqual([job.id]);
      const released = await store.jobs.update({ id: job.id, lease: 'L1' }, { lease: null, state: 'queued' });
      expect(released?.lease).toBeNull();
      expect(await store.jobs.listLeased(10)).toEqual([]);
    });

    it('lists runnable jobs by time, the next due time, and an owner’s jobs newest first with filters', async () => {
      const a = jobRecord({ runAfter: 100, createdAt: 1 });
      const b = jobRecord({ runAfter: 50, createdAt: 2 });
      const later = jobRecord({ runAfter: 10_000, createdAt: 3 });
      const held = jobRecord({ lease: 'x', createdAt: 4 });
      const done = jobRecord({ state: 'completed', owner: 'bob', type: 'csv-import', createdAt: 5 });
      for (const j of [a, b, later, held, done]) await store.jobs.insert(j);
      expect((await store.jobs.listRunnable(1_000, 10)).map((j) => j.id)).toEqual([b.id, a.id]);
      expect(await store.jobs.nextRunAfter()).toBe(50);
      const alice = await store.jobs.list({ owner: 'alice', limit: 10 });
      expect(alice.map((j) => j.id)).toEqual([held.id, later.id, b.id, a.id]);
      const page2 = await store.jobs.list({
        owner: 'alice',
        limit: 2,
        before: { createdAt: 3, id: later.id },
      });
      expect(page2.map((j) => j.id)).toEqual([b.id, a.id]);
      expect(
        (await store.jobs.list({ states: ['completed'], type: 'csv-import', limit: 10 })).map((j) => j.id),
      ).toEqual([done.id]);
      expect(await store.jobs.list({ states: [], limit: 10 })).toEqual([]);
    });

    it('records row errors once per row, in row order', async () => {
      const job = jobRecord();
      await store.jobs.insert(job);
      const errs = Array.from({ length: 1200 }, (_, i) => ({
        row: 1200 - i + 1,
        raw: `r${i}`,
        reason: 'bad',
      }));
      await store.jobs.addErrors(job.id, errs);
      await store.jobs.addErrors(job.id, [{ row: 2, raw: 'again', reason: 'again' }]);
      const first = await store.jobs.listErrors(job.id, 0, 3);
      expect(first.map((e) => e.row)).toEqual([2, 3, 4]);
      expect(first[0]?.raw).toBe('r1199');
      expect((await store.jobs.listErrors(job.id, 1199, 10)).map((e) => e.row)).toEqual([1200, 1201]);
    });
  });
}

/** The datasets repository (csv-import's tables), for the stores that have one; registers a suite. */
export function datasetRepositoryContract(name: string, factory: () => Promise<MetadataStoreFixture>): void {
  describe(`DatasetRepository contract: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;
    let datasets: DatasetRepository;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      await store.migrate();
      if (!store.datasets) throw new Error(`${name} has no datasets repository`);
      datasets = store.datasets;
    });
    afterEach(async () => fixture.cleanup());

    it('stages rows with the checkpoint in one transaction, and commits or discards them whole', async () => {
      const ds = {
        id: '0123456789abcdef0123456789abcdef',
        owner: 'alice',
        name: 'people',
        columns: [
          { name: 'id', type: 'integer' as const, required: true },
          { name: 'ok', type: 'boolean' as const, required: false },
          { name: 'x', type: 'number' as const, required: false },
        ],
        keys: ['id'],
        createdAt: 1,
      };
      expect(await datasets.create(ds)).toBe(true);
      expect(await datasets.create({ ...ds, id: 'ffffffffffffffffffffffffffffffff' })).toBe(false);
      expect(await datasets.get('alice', 'people')).toEqual(ds);
      expect(await datasets.get('bob', 'people')).toBeUndefined();
      const job = jobRecord({ id: 'abcdefabcdefabcdefabcdefabcdef01', state: 'running', lease: 'L' });
      await store.jobs.insert(job);
      const match = { id: job.id, lease: 'L' };
      expect(
        await datasets.stage(
          job.id,
          ds,
          [
            [1, true, 1.5],
            [2, null, null],
            [1, false, 2],
          ],
          match,
          { checkpoint: 7 },
        ),
      ).toBe(true);
      expect((await store.jobs.get(job.id))?.checkpoint).toBe(7);
      // A lost lease writes nothing, rows included.
      expect(
        await datasets.stage(job.id, ds, [[9, true, 0]], { id: job.id, lease: 'other' }, { checkpoint: 8 }),
      ).toBe(false);
      expect((await datasets.rows(ds, 0, 10)).rows).toEqual([]);
      expect(await datasets.commit(job.id, ds, match, { state: 'completed', lease: null })).toBe(true);
      const page = await datasets.rows(ds, 0, 10);
      expect(page.rows).toEqual([
        { id: 1, ok: false, x: 2 },
        { id: 2, ok: null, x: null },
      ]);
      expect(page.next).toBeNull();
      const other = jobRecord({ id: 'abcdefabcdefabcdefabcdefabcdef02', state: 'running', lease: 'M' });
      await store.jobs.insert(other);
      await datasets.stage(other.id, ds, [[3, true, 3]], { id: other.id, lease: 'M' }, {});
      await datasets.discard(other.id);
      await datasets.discard(other.id);
      expect(await datasets.commit(other.id, ds, { id: other.id, lease: 'M' }, {})).toBe(true);
      expect((await datasets.rows(ds, 0, 10)).rows).toHaveLength(2);
      const first = await datasets.rows(ds, 0, 1);
      expect((await datasets.rows(ds, first.next!, 1)).rows).toEqual([{ id: 2, ok: null, x: null }]);
    });
  });
}
