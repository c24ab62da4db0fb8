import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { createJob, reportInput, uploadFile, waitForJob } from './helpers/jobs.js';

let depot: TestDepot;
let alice: string;
let bob: string;
beforeAll(async () => {
  depot = await startDepot();
  alice = await depot.tokenFor('alice');
  bob = await depot.tokenFor('bob');
});
afterAll(async () => depot?.close());

interface Sse {
  events: { event: string; data: { id: string; state?: string; fileId?: string } }[];
  stop(): void;
}

/** Subscribes to GET /api/events and collects every event until stopped. */
async function subscribe(token: string): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(`${depot.url}/api/events`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const sse: Sse = { events: [], stop: () => ac.abort() };
  void (async () => {
    let buf = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end = buf.indexOf('\n\n');
        while (end >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) sse.events.push({ event, data: JSON.parse(data) });
          end = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by stop()
    }
  })();
  return sse;
}

it('streams upload and job progress to the owner only', async () => {
  const mine = await subscribe(alice);
  const theirs = await subscribe(bob);
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
