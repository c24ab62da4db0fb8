import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

    const NO = { lease: null, leaseExpiresAt: null };
    it('lists jobs whose lease has lapsed (expired, or held without an expiry)', async () => {
      const live = jobRecord({ state: 'running', lease: 'a', leaseExpiresAt: 2_000 });
      const lapsed = jobRecord({ state: 'running', lease: 'b', leaseExpiresAt: 500 });
      const legacy = jobRecord({ state: 'paused', lease: 'c', leaseExpiresAt: null });
      const free = jobRecord({ leaseExpiresAt: 10 });
      for (const j of [live, lapsed, legacy, free]) await store.jobs.insert(j);
      const ids = (await store.jobs.listLapsed(1_000, 10)).map((j) => j.id).sort();
      expect(ids).toEqual([lapsed.id, legacy.id].sort());
      // taking back only while lapsed: a renewal that came first wins
      expect(await store.jobs.update({ id: live.id, lease: 'a', lapsedBy: 1_000 }, NO)).toBeUndefined();
      const renewed = await store.jobs.update({ id: lapsed.id, lease: 'b' }, { leaseExpiresAt: 3_000 });
      expect(renewed?.leaseExpiresAt).toBe(3_000);
      expect((await store.jobs.listLapsed(1_000, 10)).map((j) => j.id)).toEqual([legacy.id]);
      expect((await store.jobs.listLapsed(5_000, 1)).length).toBe(1);
      const back = await store.jobs.update({ id: legacy.id, lease: 'c', lapsedBy: 1_000 }, NO);
      expect(back?.lease).toBeNull();
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
      // due or not (a retry's backoff), a queued job without a lease waits in the queue
      expect(await store.jobs.countQueued()).toBe(3);
      const alice = await store.jobs.list({ owner: 'alice', limit: 10 });
      expect(alice.map((j) => j.id)).toEqual([held.id, later.id, b.id, a.id]);
      const page2 = await store.jobs.list({
        owner: 'alice',
        limit: 2,
        before: { createdAt: 3, id: later.id },
      });
      expect(page2.map((j) => j.id)).toEqual([b.id, a.id]);
      expect(
        (await store.jobs.list({ states: ['completed'], types: ['csv-import'], limit: 10 })).map((j) => j.id),
      ).toEqual([done.id]);
      expect(await store.jobs.list({ states: [], limit: 10 })).toEqual([]);
      expect(await store.jobs.list({ types: [], limit: 10 })).toEqual([]);
      const both = await store.jobs.list({ types: ['csv-import', 'csv-report'], limit: 10 });
      expect(both.length).toBe((await store.jobs.list({ limit: 10 })).length);
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
