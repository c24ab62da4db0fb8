import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { createJob, reportInput, uploadFile, waitForJob } from './helpers/jobs.js';
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
