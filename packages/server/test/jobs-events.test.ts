import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import {
  actOnRunning,
  api,
  createJob,
  type JobView,
  reportInput,
  uploadFile,
  waitForJob,
} from './helpers/jobs.js';
import { subscribe } from './helpers/sse.js';

let depot: TestDepot;
let alice: string;
let bob: string;
beforeAll(async () => {
  depot = await startDepot();
  alice = await depot.tokenFor('alice');
  bob = await depot.tokenFor('bob');
});
afterAll(async () => depot?.close());

it('streams upload and job progress to the owner only', async () => {
  const mine = await subscribe(depot.url, alice);
  const theirs = await subscribe(depot.url, bob);
  const fileId = await uploadFile(depot.url, alice, reportInput(1_000_000));
  const job = await createJob(depot.url, alice, 'csv-report', fileId);
  await waitForJob(depot.url, alice, job.id);
  await new Promise((r) => setTimeout(r, 100));
  mine.stop();
  theirs.stop();
  const names = mine.events.map((e) => e.event);
  expect(names).toContain('upload.created');
  expect(names).toContain('upload.progress');
  expect(mine.events.some((e) => e.event === 'upload.finished' && e.data.id === fileId)).toBe(true);
  const progress = mine.events.filter((e) => e.event === 'job.progress' && e.data.id === job.id);
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.every((e) => e.data.state === 'running')).toBe(true);
  const states = mine.events
    .filter((e) => e.event === 'job.changed' && e.data.id === job.id)
    .map((e) => e.data.state);
  expect(states).toEqual(['queued', 'running', 'completed']);
  expect(theirs.events).toEqual([]);
});

it(
  'announces a pause with the stored checkpoint, and no running progress after it',
  { timeout: 180_000 },
  async () => {
    const sse = await subscribe(depot.url, alice);
    const fileId = await uploadFile(depot.url, alice, reportInput(1_500_000));
    const { job, answer } = await actOnRunning(
      depot.url,
      alice,
      () => createJob(depot.url, alice, 'csv-report', fileId),
      (j) => j.progress.bytesDone > 0,
      'pause',
    );
    expect(answer.state).toBe('paused');
    // past two progress ticks (250 ms): a tracker still announcing would have spoken by now
    await new Promise((r) => setTimeout(r, 700));
    sse.stop();
    const stored = (await api(depot.url, alice, 'GET', `/api/jobs/${job.id}`)).json;
    const mine = sse.events.filter((e) => e.data.id === job.id);
    const changed = mine.filter((e) => e.event === 'job.changed');
    const last = changed.at(-1)!.data as unknown as JobView;
    expect(last.state).toBe('paused');
    expect(last.progress).toEqual(stored.progress);
    expect(last.progress).toEqual(answer.progress);
    // once an event said the job left `running`, nothing says it runs again
    const left = mine.findIndex((e) => e.event === 'job.changed' && e.data.state === 'paused');
    expect(mine.slice(left).filter((e) => e.data.state === 'running')).toEqual([]);
    expect(changed.filter((e) => e.data.state === 'paused')).toHaveLength(1);
  },
);
