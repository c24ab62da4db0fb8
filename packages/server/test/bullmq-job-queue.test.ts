import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BullJobQueue } from '../src/adapters/bullmq-job-queue.js';
import { PostgresMetadataStore } from '../src/adapters/postgres-metadata-store.js';
import type { StopRequest } from '../src/ports/job-queue.js';
import type { MetadataStore } from '../src/ports/metadata-store.js';
import { jobQueueContract } from './contract/job-queue-contract.js';
import { jobRecord } from './contract/job-records.js';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { redisRelay } from './helpers/redis-relay.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

jobQueueContract('BullJobQueue on Redis, records on Postgres', async () => {
  const store = await PostgresMetadataStore.open(db.url);
  await store.migrate();
  const prefix = testPrefix();
  return {
    store,
    queue: () =>
      new BullJobQueue(
        REDIS_URL,
        store.jobs,
        (err) => {
          throw err;
        },
        { prefix },
      ),
    cleanup: async () => {
      await store.close();
      await dropPrefix(prefix);
    },
  };
});

const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 1000 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await cond()).toBe(true);
};

describe('BullJobQueue across nodes', () => {
  let store: MetadataStore;
  let own: TestDatabase;
  let prefix: string;
  let queues: BullJobQueue[];
  const node = () => {
    const q = new BullJobQueue(REDIS_URL, store.jobs, (err) => expect.fail(String(err)), { prefix });
    queues.push(q);
    return q;
  };
  beforeEach(async () => {
    // a database of its own: the reconciliation delivers every runnable job in it
    own = await createTestDatabase();
    store = await PostgresMetadataStore.open(own.url);
    await store.migrate();
    prefix = testPrefix();
    queues = [];
  });
  afterEach(async () => {
    for (const q of queues) await q.close();
    await store.close();
    await own.drop();
    await dropPrefix(prefix);
  });

  it('stops a job running on another node, and resolves once its handler has returned', async () => {
    const a = node();
    const b = node();
    await a.start(async () => {}, 0);
    let stoppedWith: unknown;
    let returnedAt = 0;
    await b.start(async (id, signal) => {
      await store.jobs.update({ id, states: ['queued'], lease: null }, { state: 'running', lease: 'b' });
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      stoppedWith = signal.reason;
      // a checkpoint takes a while: the interrupt must wait for it
      await new Promise((r) => setTimeout(r, 300));
      await store.jobs.update({ id, lease: 'b' }, { state: 'paused', lease: null });
      returnedAt = Date.now();
    }, 1);
    const job = jobRecord({ runAfter: Date.now() });
    await store.jobs.insert(job);
    await a.enqueue(job.id);
    await until(async () => (await store.jobs.get(job.id))?.state === 'running');
    await a.interrupt(job.id, 'pause');
    expect(returnedAt).toBeGreaterThan(0);
    expect(Date.now()).toBeGreaterThanOrEqual(returnedAt);
    expect((stoppedWith as StopRequest).reason).toBe('pause');
    expect((await store.jobs.get(job.id))?.lease).toBeNull();
  });

  it('delivers again a job its run queued again (retry), and a runnable job BullMQ never got', async () => {
    const a = node();
    const runs: string[] = [];
    const times: number[] = [];
    await a.start(async (id) => {
      const job = await store.jobs.update(
        { id, states: ['queued'], lease: null },
        { state: 'running', lease: 'x' },
      );
      if (!job) return;
      runs.push(id);
      times.push(Date.now());
      // the first run fails and retries 200 ms later; its enqueue finds BullMQ still holding the job
      const retry = runs.length === 1;
      await store.jobs.update(
        { id, lease: 'x' },
        retry
          ? { state: 'queued', lease: null, runAfter: Date.now() + 200 }
          : { state: 'completed', lease: null },
      );
      if (retry) await a.enqueue(id, Date.now() + 200);
    }, 1);
    const job = jobRecord({ runAfter: Date.now() });
    await store.jobs.insert(job);
    await a.enqueue(job.id);
    await until(async () => (await store.jobs.get(job.id))?.state === 'completed');
    expect(runs).toEqual([job.id, job.id]);
    // redelivered by BullMQ at runAfter, not found later by the reconciliation (every 5 s)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(150);
    expect(times[1]! - times[0]!).toBeLessThan(2_500);
    // Stored but never enqueued (Redis lost it): the reconciliation delivers it.
    const lost = jobRecord({ runAfter: Date.now() });
    await store.jobs.insert(lost);
    for (let i = 0; i < 800 && (await store.jobs.get(lost.id))?.state !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await store.jobs.get(lost.id))?.state).toBe('completed');
  });

  it('reports its depth: the jobs waiting for a worker, due or not', async () => {
    const a = node();
    await a.start(async () => {}, 0);
    expect(await a.depth()).toBe(0);
    await a.enqueue('d1');
    await a.enqueue('d2', Date.now() + 60_000);
    await a.enqueue('d1');
    expect(await a.depth()).toBe(2);
  });
});

describe('BullJobQueue while Redis is down', () => {
  it('still answers enqueue and interrupt; the job is delivered once Redis is back', async () => {
    const own = await createTestDatabase();
    const store = await PostgresMetadataStore.open(own.url);
    await store.migrate();
    const prefix = testPrefix();
    const relay = await redisRelay();
    const errors: unknown[] = [];
    const q = await BullJobQueue.open(relay.url, store.jobs, (err) => errors.push(err), { prefix });
    try {
      const ran: string[] = [];
      await q.start(async (id) => {
        if (await store.jobs.update({ id, states: ['queued'], lease: null }, { state: 'completed' }))
          ran.push(id);
      }, 1);
      relay.cut();
      const job = jobRecord({ runAfter: Date.now() });
      await store.jobs.insert(job);
      const t = Date.now();
      await q.enqueue(job.id);
      await q.interrupt(job.id, 'pause');
      // Answered (the failures logged), not hung on a Redis that is not there.
      expect(Date.now() - t).toBeLessThan(5_000);
      expect(errors.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(ran).toEqual([]);
      relay.restore();
      // reconnect, then the reconciliation (every 5 s) puts the job in BullMQ
      await until(async () => ran.length === 1);
      expect(ran).toEqual([job.id]);
    } finally {
      await q.close();
      relay.close();
      await store.close();
      await own.drop();
      await dropPrefix(prefix);
    }
  });
});
