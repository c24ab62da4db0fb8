import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRows } from '../../src/core/row-batch-writer.js';
import type { CellValue, DatasetRecord, DatasetRepository } from '../../src/ports/dataset-repository.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { jobRecord } from './job-records.js';
import type { MetadataStoreFixture } from './metadata-store-contract.js';

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
    // Each job's rows at increasing positions, with a gap after each batch (positions may skip).
    const next = new Map<string, number>();
    const batch = (jobId: string, rows: readonly (readonly CellValue[])[]) => {
      const first = next.get(jobId) ?? 1;
      next.set(jobId, first + rows.length + 2);
      return encodeRows(rows, first);
    };

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
          batch(job.id, [
            [1, true, 1.5],
            [2, null, null],
            [1, false, 2],
          ]),
          match,
          { checkpoint: 7 },
        ),
      ).toBe(true);
      expect((await store.jobs.get(job.id))?.checkpoint).toBe(7);
      // A lost lease writes nothing, rows included.
      expect(
        await datasets.stage(
          job.id,
          ds,
          batch(job.id, [[9, true, 0]]),
          { id: job.id, lease: 'other' },
          { checkpoint: 8 },
        ),
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
      await datasets.stage(other.id, ds, batch(other.id, [[3, true, 3]]), { id: other.id, lease: 'M' }, {});
      await datasets.discard(other.id);
      await datasets.discard(other.id);
      expect(await datasets.commit(other.id, ds, { id: other.id, lease: 'M' }, {})).toBe(true);
      expect((await datasets.rows(ds, 0, 10)).rows).toHaveLength(2);
      const first = await datasets.rows(ds, 0, 1);
      expect((await datasets.rows(ds, first.next!, 1)).rows).toEqual([{ id: 2, ok: null, x: null }]);
    });

    const dataset = (over: Partial<DatasetRecord>): DatasetRecord => ({
      id: 'abababababababababababababababab',
      owner: 'alice',
      name: 'd',
      columns: [],
      keys: [],
      createdAt: 1,
      ...over,
    });
    const running = async (n: number) => {
      const job = jobRecord({
        id: `cdcdcdcdcdcdcdcdcdcdcdcdcdcdcd${String(n).padStart(2, '0')}`,
        state: 'running',
        lease: 'L',
      });
      await store.jobs.insert(job);
      return { id: job.id, lease: 'L' };
    };

    it('keeps every value exactly, separators, escapes and extremes included, in file order', async () => {
      const ds = dataset({
        columns: [
          { name: 's', type: 'string', required: false },
          { name: 'i', type: 'integer', required: false },
          { name: 'n', type: 'number', required: false },
          { name: 'd', type: 'date', required: false },
          { name: 'b', type: 'boolean', required: false },
        ],
      });
      expect(await datasets.create(ds)).toBe(true);
      const rows = [
        ['tab\there, new\nline, cr\r, back\\slash', 2 ** 53 - 1, 0.1, '2020-02-29', true],
        ['\\N', -(2 ** 53 - 1), 1e21, '1999-12-31', false],
        ['', 0, -2.5e-300, null, null],
        ['naïve ✓ 𝄞 "quoted", comma', null, null, '2000-01-01', true],
        [null, 7, 3, null, false],
        ['tab\there, new\nline, cr\r, back\\slash', 1, 1, null, null],
      ];
      const job = await running(1);
      expect(await datasets.stage(job.id, ds, batch(job.id, rows.slice(0, 2)), job, { checkpoint: 1 })).toBe(
        true,
      );
      expect(await datasets.stage(job.id, ds, batch(job.id, []), job, { checkpoint: 2 })).toBe(true);
      expect(await datasets.stage(job.id, ds, batch(job.id, rows.slice(2)), job, { checkpoint: 3 })).toBe(
        true,
      );
      expect(await datasets.commit(job.id, ds, job, { state: 'completed', lease: null })).toBe(true);
      const page = await datasets.rows(ds, 0, 100);
      // no keys: every row appended, the repeated one too
      expect(page.rows.map((r) => [r.s, r.i, r.n, r.d, r.b])).toEqual(rows);
    });

    it('applies overlapping stage calls in call order, and none after one that did not take effect', async () => {
      const ds = dataset({ columns: [{ name: 'n', type: 'integer', required: true }] });
      expect(await datasets.create(ds)).toBe(true);
      const job = await running(5);
      const rows = (from: number) => batch(job.id, [[from], [from + 1]]);
      const calls = [1, 3, 5].map((n) => datasets.stage(job.id, ds, rows(n), job, { checkpoint: n }));
      expect(await Promise.all(calls)).toEqual([true, true, true]);
      expect((await store.jobs.get(job.id))?.checkpoint).toBe(5);
      // a call fails (a batch that is not what it says): the good one after it writes nothing
      const failed = datasets.stage(job.id, ds, { count: 2, text: Buffer.from('x\t1\n') }, job, {
        checkpoint: 7,
      });
      const after = datasets.stage(job.id, ds, rows(9), job, { checkpoint: 9 });
      await expect(failed).rejects.toThrow();
      expect(await after).toBe(false);
      expect((await store.jobs.get(job.id))?.checkpoint).toBe(5);
      // a new run (another lease) starts afresh
      await store.jobs.update({ id: job.id, lease: 'L' }, { lease: 'N' });
      const next = { id: job.id, lease: 'N' };
      expect(await datasets.stage(job.id, ds, rows(11), next, { checkpoint: 11 })).toBe(true);
      expect(await datasets.commit(job.id, ds, next, {})).toBe(true);
      const all = (await datasets.rows(ds, 0, 100)).rows.map((r) => r.n);
      expect(all).toEqual([1, 2, 3, 4, 5, 6, 11, 12]);
    });

    it('upserts on a composite key at commit: a repeated key keeps its first place and takes its last values', async () => {
      const ds = dataset({
        columns: [
          { name: 'k', type: 'string', required: true },
          { name: 'n', type: 'integer', required: true },
          { name: 'v', type: 'string', required: false },
        ],
        keys: ['k', 'n'],
      });
      expect(await datasets.create(ds)).toBe(true);
      const first = await running(2);
      await datasets.stage(
        first.id,
        ds,
        batch(first.id, [
          ['b', 1, 'b1'],
          ['a', 1, 'a1'],
          ['a', 2, 'a2'],
        ]),
        first,
        {},
      );
      expect(await datasets.commit(first.id, ds, first, {})).toBe(true);
      // a second import: updates b and a/2 in place, adds c (repeated in the file, across batches) and d
      const second = await running(3);
      await datasets.stage(
        second.id,
        ds,
        batch(second.id, [
          ['c', 1, 'c-first'],
          ['b', 1, 'b-first'],
        ]),
        second,
        {},
      );
      await datasets.stage(
        second.id,
        ds,
        batch(second.id, [
          ['d', 1, null],
          ['b', 1, 'b-last'],
          ['c', 1, 'c-last'],
        ]),
        second,
        {},
      );
      await datasets.stage(second.id, ds, batch(second.id, [['a', 2, 'a2-new']]), second, {});
      expect(await datasets.commit(second.id, ds, second, {})).toBe(true);
      const page = await datasets.rows(ds, 0, 100);
      expect(page.rows).toEqual([
        { k: 'b', n: 1, v: 'b-last' },
        { k: 'a', n: 1, v: 'a1' },
        { k: 'a', n: 2, v: 'a2-new' },
        { k: 'c', n: 1, v: 'c-last' },
        { k: 'd', n: 1, v: null },
      ]);
      // and an import with no repeated key takes the one-statement path
      const third = await running(4);
      await datasets.stage(
        third.id,
        ds,
        batch(third.id, [
          ['e', 1, 'e'],
          ['d', 1, 'd'],
        ]),
        third,
        {},
      );
      expect(await datasets.commit(third.id, ds, third, {})).toBe(true);
      const all = (await datasets.rows(ds, 0, 100)).rows;
      expect(all.map((r) => r.v)).toEqual(['b-last', 'a1', 'a2-new', 'c-last', 'd', 'e']);
    });
  });
}
