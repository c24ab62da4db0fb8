import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore, fsStorage } from '../src/adapters/fs-blob-store.js';
import { LocalJobQueue } from '../src/adapters/local-job-queue.js';
import { SqliteMetadataStore } from '../src/adapters/sqlite-metadata-store.js';
import { EventBus } from '../src/core/events.js';
import type { JobDeps } from '../src/core/jobs/job-deps.js';
import { JobFiles } from '../src/core/jobs/job-files.js';
import { keepLease, LEASE_MS, RENEW_MS } from '../src/core/jobs/job-lease.js';
import { LeaseSweeper } from '../src/core/jobs/lease-sweeper.js';
import { discardWork, unwrapCheckpoint, WorkMirror, workBlobId } from '../src/core/jobs/work-mirror.js';
import { jobRecord } from './contract/job-records.js';

let dir: string;
let store: SqliteMetadataStore;
let deps: JobDeps;
let queue: LocalJobQueue;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-leases-'));
  store = await SqliteMetadataStore.open(path.join(dir, 'depot.sqlite'));
  await store.migrate();
  queue = new LocalJobQueue(store.jobs, (err) => expect.fail(String(err)));
  deps = {
    store,
    storage: fsStorage(await FsBlobStore.open(path.join(dir, 'blobs'))),
    queue,
    events: new EventBus(),
    processors: {},
    jobsDir: path.join(dir, 'jobs'),
    shareWork: true,
    memoryBudget: 1 << 20,
    log: pino({ level: 'silent' }),
    now: Date.now,
  };
});
afterEach(async () => {
  await queue.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const until = async (cond: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  expect(await cond()).toBe(true);
};

describe('job leases', () => {
  it('takes back a running job whose lease lapsed and delivers it again; leaves a renewed one alone', async () => {
    const now = Date.now();
    const dead = jobRecord({ state: 'running', lease: 'dead', leaseExpiresAt: now - 1, runAfter: now });
    const live = jobRecord({
      state: 'running',
      lease: 'live',
      leaseExpiresAt: now + LEASE_MS,
      runAfter: now,
    });
    await store.jobs.insert(dead);
    await store.jobs.insert(live);
    const ran: string[] = [];
    await queue.start(async (id) => {
      if (
        await store.jobs.update({ id, states: ['queued'], lease: null }, { state: 'running', lease: 'new' })
      ) {
        ran.push(id);
      }
    }, 2);
    const sweeper = new LeaseSweeper(deps);
    sweeper.start();
    try {
      await until(async () => ran.length === 1);
      expect(ran).toEqual([dead.id]);
      expect((await store.jobs.get(live.id))?.lease).toBe('live');
    } finally {
      await sweeper.stop();
    }
  });

  it('renews a lease while held, and reports it lost once another run has it', async () => {
    const job = jobRecord({ state: 'running', lease: 'mine', leaseExpiresAt: Date.now() + LEASE_MS });
    await store.jobs.insert(job);
    let lost = false;
    const keeper = keepLease(deps, job.id, 'mine', () => {
      lost = true;
    });
    try {
      const before = (await store.jobs.get(job.id))!.leaseExpiresAt!;
      await until(async () => (await store.jobs.get(job.id))!.leaseExpiresAt! > before, RENEW_MS * 3);
      expect(lost).toBe(false);
      await store.jobs.update({ id: job.id }, { lease: 'theirs' });
      await until(async () => lost, RENEW_MS * 3);
    } finally {
      keeper.stop();
    }
  });
});

describe('work files shared through the blob store', () => {
  it('follow the checkpoints to another node, and are removed when no checkpoint lists them', async () => {
    const job = jobRecord();
    const blobs = deps.storage.blobs;
    const filesA = new JobFiles(path.join(dir, 'node-a'), job.id);
    const workA = filesA.workDir;
    await mkdir(workA, { recursive: true });
    await writeFile(path.join(workA, 'run-0.run'), 'first run');
    await writeFile(path.join(workA, 'snapshot-1.run'), 'snapshot');
    const a = new WorkMirror(deps, job.id, 'lease-a', filesA);
    const saved = unwrapCheckpoint(await a.wrap({ runs: ['run-0.run'] }));
    expect(saved.state).toEqual({ runs: ['run-0.run'] });
    expect(saved.work).toEqual({
      'run-0.run': workBlobId(job.id, 'lease-a', 'run-0.run'),
      'snapshot-1.run': workBlobId(job.id, 'lease-a', 'snapshot-1.run'),
    });

    // Node B resumes from that checkpoint: it fetches what it lacks.
    const filesB = new JobFiles(path.join(dir, 'node-b'), job.id);
    const workB = filesB.workDir;
    const b = new WorkMirror(deps, job.id, 'lease-b', filesB);
    await b.restore(saved.work);
    expect(await readFile(path.join(workB, 'run-0.run'), 'utf8')).toBe('first run');
    expect(await readFile(path.join(workB, 'snapshot-1.run'), 'utf8')).toBe('snapshot');

    // Its next checkpoint no longer has the snapshot: gone from the store after it is saved.
    await rm(path.join(workB, 'snapshot-1.run'));
    await writeFile(path.join(workB, 'run-2.run'), 'second run');
    const next = await b.wrap({ runs: ['run-0.run', 'run-2.run'] });
    await b.prune();
    expect(await blobs.size(saved.work['snapshot-1.run']!)).toBeUndefined();
    // each file stays in the blob of the run that uploaded it
    const listed = unwrapCheckpoint(next).work;
    expect(listed).toEqual({
      'run-0.run': saved.work['run-0.run'],
      'run-2.run': workBlobId(job.id, 'lease-b', 'run-2.run'),
    });

    // A run that lost the job without knowing (its node stalled) uploads under its own lease:
    // other bytes under the same name never reach the blob B's checkpoint lists.
    await writeFile(path.join(workA, 'run-2.run'), 'other bytes');
    await a.wrap({});
    const copy = await blobs.read(listed['run-2.run']!);
    expect(Buffer.concat(await copy.toArray()).toString()).toBe('second run');
    // And when the job comes back to node A, its stale run-2.run is not taken for B's.
    const back = new WorkMirror(deps, job.id, 'lease-c', filesA);
    await back.restore(listed);
    expect(await readFile(path.join(workA, 'run-2.run'), 'utf8')).toBe('second run');

    // Cancelled while no run holds it: the checkpoint's files go.
    await discardWork(deps, { ...job, checkpoint: next });
    for (const blob of Object.values(listed)) expect(await blobs.size(blob)).toBeUndefined();
  });

  it('are pruned one call at a time when checkpoints overlap', async () => {
    const files = new JobFiles(dir, 'k');
    await mkdir(files.workDir, { recursive: true });
    const mirror = new WorkMirror(deps, 'k', 'l', files);
    await mirror.wrap({});
    // each call writes the list of copies through one temporary file: together they collided
    await Promise.all(Array.from({ length: 8 }, () => mirror.prune()));
    expect(JSON.parse(await readFile(path.join(files.dir, 'work-copies.json'), 'utf8'))).toEqual({});
  });

  it('stay local on one machine: the checkpoint is the processor’s own', async () => {
    const files = new JobFiles(dir, 'j');
    await mkdir(files.workDir, { recursive: true });
    await writeFile(path.join(files.workDir, 'run-0.run'), 'x');
    const mirror = new WorkMirror({ ...deps, shareWork: false }, 'j', 'l', files);
    expect(await mirror.wrap({ runs: ['run-0.run'] })).toEqual({ runs: ['run-0.run'] });
    expect(await deps.storage.blobs.size(workBlobId('j', 'l', 'run-0.run'))).toBeUndefined();
  });
});

describe('LocalJobQueue depth', () => {
  it('counts the queued jobs no run holds, due or not', async () => {
    await store.jobs.insert(jobRecord());
    await store.jobs.insert(jobRecord({ runAfter: Date.now() + 60_000 }));
    await store.jobs.insert(jobRecord({ state: 'running', lease: 'x' }));
    expect(await queue.depth()).toBe(2);
  });
});
