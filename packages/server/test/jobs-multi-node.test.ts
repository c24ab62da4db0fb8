import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledOutEnv } from './helpers/backends.js';
import { type DepotProcess, spawnDepot } from './helpers/depot-process.js';
import {
  api,
  createJob,
  download,
  type JobView,
  reportInput,
  sha256,
  uploadFile,
  waitForJob,
} from './helpers/jobs.js';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { createTestBucket, type TestBucket } from './helpers/s3.js';

const TOKEN = 'jobs-multi-node-admin-token-0123456789';
/** Small, so that the report spills runs: its checkpoints name work files that must follow it. */
const MEMORY = '8MiB';
/** A loaded machine (the whole suite on 2 cores) runs these jobs for minutes. */
const WAIT_MS = 240_000;

let dir: string;
let db: TestDatabase;
let bucket: TestBucket;
let prefix: string;
let input: Buffer;
let fileId: string;
/** the report of `input` made by one embedded node (SQLite, local disk), uninterrupted */
let reference: { sha256: string; progress: JobView['progress'] };
const nodes: DepotProcess[] = [];

/** A node of the cluster: Postgres, S3, Redis locks and the BullMQ queue, its own local dir. */
async function node(name: string, workers: number): Promise<DepotProcess> {
  const p = await spawnDepot({
    ...scaledOutEnv(db, bucket),
    DEPOT_QUEUE: REDIS_URL,
    DEPOT_QUEUE_PREFIX: prefix,
    DEPOT_DATA_DIR: path.join(dir, name),
    DEPOT_ADMIN_TOKEN: TOKEN,
    DEPOT_JOB_MEMORY: MEMORY,
    DEPOT_WORKERS: String(workers),
  });
  nodes.push(p);
  return p;
}

async function stop(p: DepotProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}

/** Creates a report job through `via` and waits until it runs (elsewhere) with a checkpoint. */
async function runningWithCheckpoint(via: DepotProcess): Promise<JobView> {
  const job = await createJob(via.url, TOKEN, 'csv-report', fileId);
  const seen = await waitForJob(
    via.url,
    TOKEN,
    job.id,
    (j) => j.state !== 'queued' && j.resumeFrom !== null,
    WAIT_MS,
  );
  expect(seen.state).toBe('running');
  expect(seen.resumeFrom).toBeLessThan(input.length);
  return seen;
}

/**
 * Waits for the job to end (`watch` sees every poll) and checks that it was resumed, not
 * restarted: its progress never went back below `checkpoint`.
 */
async function finishedFrom(
  via: DepotProcess,
  id: string,
  checkpoint: number,
  watch: (j: JobView) => void = () => {},
): Promise<JobView> {
  const seen: number[] = [];
  const done = await waitForJob(
    via.url,
    TOKEN,
    id,
    (j) => {
      seen.push(j.progress.bytesDone);
      watch(j);
      return j.state === 'completed' || j.state === 'failed';
    },
    WAIT_MS,
  );
  expect(Math.min(...seen)).toBeGreaterThanOrEqual(checkpoint);
  return done;
}

async function expectReference(via: DepotProcess, done: JobView): Promise<void> {
  expect(done.state).toBe('completed');
  expect(done.progress).toEqual(reference.progress);
  expect(sha256(await download(via.url, TOKEN, done.outputFileId!))).toBe(reference.sha256);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-multi-node-'));
  input = reportInput(1_500_000, 200_000);
  const single = await spawnDepot({
    DEPOT_DATA_DIR: path.join(dir, 'single'),
    DEPOT_ADMIN_TOKEN: TOKEN,
    DEPOT_JOB_MEMORY: MEMORY,
  });
  try {
    const id = await uploadFile(single.url, TOKEN, input);
    const job = await createJob(single.url, TOKEN, 'csv-report', id);
    const done = await waitForJob(single.url, TOKEN, job.id, undefined, WAIT_MS);
    expect(done.state).toBe('completed');
    reference = {
      sha256: sha256(await download(single.url, TOKEN, done.outputFileId!)),
      progress: done.progress,
    };
  } finally {
    await stop(single);
  }
  db = await createTestDatabase();
  bucket = await createTestBucket();
  prefix = testPrefix();
}, WAIT_MS);

afterAll(async () => {
  for (const p of nodes) await stop(p, 'SIGKILL');
  await bucket?.drop();
  await db?.drop();
  await dropPrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

describe('jobs on two nodes (Postgres, S3, BullMQ on Redis)', { timeout: 2 * WAIT_MS }, () => {
  let a: DepotProcess;
  let b: DepotProcess;

  it('runs a job created on A (no workers) on B; a pause sent to A stops it on B; it resumes from its checkpoint', async () => {
    a = await node('a', 0);
    b = await node('b', 1);
    fileId = await uploadFile(a.url, TOKEN, input);
    const running = await runningWithCheckpoint(a);

    const asked = Date.now();
    const paused = await api(a.url, TOKEN, 'POST', `/api/jobs/${running.id}/pause`);
    const answeredMs = Date.now() - asked;
    expect(paused.status).toBe(200);
    expect(paused.json.state).toBe('paused');
    // A answers once B's worker has let go: B stopped the job within a second of the request.
    expect(answeredMs).toBeLessThan(1_000);
    console.log(`pause through A stopped the job on B in ${answeredMs} ms (anchor: 1000 ms)`);
    // Stopped, not merely marked: nothing moves on B any more, and its checkpoint is the pause's.
    const onB = (await api(b.url, TOKEN, 'GET', `/api/jobs/${running.id}`)).json as JobView;
    await new Promise((r) => setTimeout(r, 1_500));
    const later = (await api(b.url, TOKEN, 'GET', `/api/jobs/${running.id}`)).json as JobView;
    expect(later).toEqual(onB);
    expect(later.state).toBe('paused');
    const checkpoint = paused.json.resumeFrom as number;
    expect(checkpoint).toBeGreaterThanOrEqual(running.resumeFrom!);
    expect(checkpoint).toBeLessThan(input.length);

    expect((await api(a.url, TOKEN, 'POST', `/api/jobs/${running.id}/resume`)).status).toBe(200);
    const done = await finishedFrom(a, running.id, checkpoint);
    // Stored finished, before anyone reads it: one plain object, no multipart upload left open
    // (a bucket's rule that aborts abandoned multipart uploads would delete the output).
    const key = `blobs/${done.outputFileId}`;
    expect(await bucket.multipartUploads(key)).toEqual([]);
    expect(await bucket.keys()).toContain(key);
    // The output, made on B, downloads from A (and B) byte for byte as a single node makes it.
    await expectReference(a, done);
    await expectReference(b, done);
  });

  it('cancels through A a job running on B: it stops, and nothing it made is left in S3', async () => {
    const before = new Set(await bucket.keys());
    const running = await runningWithCheckpoint(a);
    const asked = Date.now();
    const cancelled = await api(a.url, TOKEN, 'POST', `/api/jobs/${running.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.state).toBe('cancelled');
    // It answers once B's worker has stopped and removed the job's work files from S3.
    const answeredMs = Date.now() - asked;
    expect(answeredMs).toBeLessThan(10_000);
    console.log(`cancel through A stopped the job on B and cleaned up in ${answeredMs} ms`);
    const job = (await api(b.url, TOKEN, 'GET', `/api/jobs/${running.id}`)).json as JobView;
    expect(job.state).toBe('cancelled');
    expect(job.outputFileId).toBeNull();
    // Its checkpoints' work files were in the bucket while it ran; all gone now.
    expect((await bucket.keys()).filter((k) => !before.has(k))).toEqual([]);
  });

  it('finishes on A, from its checkpoint, a job whose node B was killed (SIGKILL) mid-run', async () => {
    const running = await runningWithCheckpoint(a);
    await stop(b, 'SIGKILL');
    const killed = Date.now();
    // Stranded: still `running` under the dead node's lease, which nobody renews any more.
    const stranded = (await api(a.url, TOKEN, 'GET', `/api/jobs/${running.id}`)).json as JobView;
    expect(stranded.state).toBe('running');
    const checkpoint = stranded.resumeFrom!;
    expect(checkpoint).toBeGreaterThanOrEqual(running.resumeFrom!);
    // A gets a worker (a restart: on Postgres a node takes back no lease at start, only lapsed ones).
    await stop(a);
    a = await node('a', 1);
    const strandedAt = JSON.stringify(stranded.progress);
    let resumedMs = 0;
    const done = await finishedFrom(a, running.id, checkpoint, (j) => {
      const moved =
        j.state === 'completed' || (j.state === 'running' && JSON.stringify(j.progress) !== strandedAt);
      if (!resumedMs && moved) resumedMs = Date.now() - killed;
    });
    console.log(`node A took the job of the killed node B over after ${resumedMs} ms (lease: 10 s)`);
    expect(resumedMs).toBeGreaterThan(0);
    await expectReference(a, done);
  });
});
