import { afterEach, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { createJob, reportInput, uploadFile, waitForJob } from './helpers/jobs.js';
import { createTestDatabase } from './helpers/postgres.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { type Sse, subscribe } from './helpers/sse.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

const named = (sse: Sse, event: string, id: string) =>
  sse.events.filter((e) => e.event === event && e.data.id === id);

it("streams every node's upload and job events to a client of any node, once each, to the owner only", async () => {
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  const prefix = testPrefix();
  cleanup.push(async () => {
    await dropPrefix(prefix);
  });
  const env = { DEPOT_DATABASE_URL: db.url, DEPOT_REDIS_URL: REDIS_URL, DEPOT_QUEUE_PREFIX: prefix };
  const node = async (workers: string): Promise<TestDepot> => {
    const d = await startDepot({ ...env, DEPOT_WORKERS: workers });
    cleanup.push(() => d.close());
    return d;
  };
  // A takes the requests and runs the jobs; B only serves the event streams
  const a = await node('1');
  const b = await node('0');
  const alice = await a.tokenFor('alice');
  const bob = await a.tokenFor('bob');
  const onB = await subscribe(b.url, alice);
  const onA = await subscribe(a.url, alice);
  const bobOnB = await subscribe(b.url, bob);
  cleanup.push(async () => {
    for (const s of [onA, onB, bobOnB]) s.stop();
  });

  const fileId = await uploadFile(a.url, alice, reportInput(20_000));
  const job = await createJob(a.url, alice, 'csv-report', fileId);
  await waitForJob(a.url, alice, job.id);
  await until(() => named(onB, 'job.changed', job.id).some((e) => e.data.state === 'completed'));
  await new Promise((r) => setTimeout(r, 200));

  for (const sse of [onA, onB]) {
    expect(named(sse, 'upload.created', fileId)).toHaveLength(1);
    expect(named(sse, 'upload.finished', fileId)).toHaveLength(1);
    expect(named(sse, 'job.changed', job.id).map((e) => e.data.state)).toEqual([
      'queued',
      'running',
      'completed',
    ]);
  }
  expect(bobOnB.events).toEqual([]);
});
