import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JobQueue, StopRequest } from '../../src/ports/job-queue.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { jobRecord } from './job-records.js';

export interface JobQueueFixture {
  /** a migrated store the queue works from */
  readonly store: MetadataStore;
  /** a new queue over the same store (a restart) */
  queue(): JobQueue;
  cleanup(): Promise<void>;
}

const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 1000 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await cond()).toBe(true);
};

/** The behaviour every JobQueue adapter (embedded, BullMQ) must show; registers a vitest suite. */
export function jobQueueContract(name: string, factory: () => Promise<JobQueueFixture>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let fixture: JobQueueFixture;
    let queues: JobQueue[];
    const queue = () => {
      const q = fixture.queue();
      queues.push(q);
      return q;
    };
    beforeEach(async () => {
      fixture = await factory();
      queues = [];
    });
    afterEach(async () => {
      for (const q of queues) await q.close();
      await fixture.cleanup();
    });

    /** A started queue with a fresh worker. */
    async function started(concurrency: number) {
      const q = queue();
      const w = worker();
      await q.start(w.handle, concurrency);
      return { q, w };
    }

    /** Stores a queued job and tells the queue. */
    async function submit(q: JobQueue, over: Parameters<typeof jobRecord>[0] = {}) {
      const job = jobRecord(over);
      await fixture.store.jobs.insert(job);
      await q.enqueue(job.id, job.runAfter);
      return job;
    }

    /** A handler that claims the job as the runner does, and holds it until released. */
    function worker() {
      const ran: string[] = [];
      const signals = new Map<string, AbortSignal>();
      const release = new Map<string, () => void>();
      let active = 0;
      let maxActive = 0;
      const handle = async (id: string, signal: AbortSignal) => {
        const job = await fixture.store.jobs.update(
          { id, states: ['queued'], lease: null },
          { state: 'running', lease: 'w' },
        );
        if (!job) return;
        ran.push(id);
        signals.set(id, signal);
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => {
          release.set(id, resolve);
          signal.addEventListener('abort', () => resolve());
        });
        active--;
        await fixture.store.jobs.update({ id, lease: 'w' }, { state: 'completed', lease: null });
      };
      return { ran, signals, release, handle, max: () => maxActive };
    }

    it('delivers each queued job once, at most `concurrency` at a time', async () => {
      const jobs = [jobRecord(), jobRecord(), jobRecord(), jobRecord()];
      const q = queue();
      const w = worker();
      await q.start(w.handle, 2);
      for (const j of jobs) {
        await fixture.store.jobs.insert(j);
        await q.enqueue(j.id);
      }
      await until(() => w.ran.length === 2);
      for (const id of [...w.ran]) w.release.get(id)!();
      await until(() => w.ran.length === 4);
      for (const id of w.ran.slice(2)) w.release.get(id)!();
      await until(async () => (await fixture.store.jobs.listRunnable(Date.now(), 10)).length === 0);
      expect(new Set(w.ran).size).toBe(4);
      expect(w.max()).toBe(2);
    });

    it('waits for runAfter before delivering', async () => {
      const { q, w } = await started(1);
      await submit(q, { runAfter: Date.now() + 400 });
      await new Promise((r) => setTimeout(r, 150));
      expect(w.ran).toEqual([]);
      await until(() => w.ran.length === 1);
    });

    it('interrupts a running job with a StopRequest and resolves once its handler returned', async () => {
      const { q, w } = await started(1);
      const job = await submit(q);
      await until(() => w.ran.length === 1);
      await q.interrupt(job.id, 'pause');
      const reason = w.signals.get(job.id)?.reason;
      expect(reason).toBeInstanceOf(StopRequest);
      expect((reason as StopRequest).reason).toBe('pause');
      expect((await fixture.store.jobs.get(job.id))?.lease).toBeNull();
      await q.interrupt('not-running-here', 'cancel');
    });

    it('reports its depth (jobs waiting for a worker) and answers a ping', async () => {
      // Optional in the port (so a partial adapter compiles), but every adapter here offers both.
      const idle = await started(0);
      await expect(idle.q.ping?.()).resolves.toBeUndefined();
      expect(await idle.q.depth?.()).toBe(0);
      await submit(idle.q);
      await submit(idle.q, { runAfter: Date.now() + 60_000 });
      expect(await idle.q.depth?.()).toBe(2);
      await idle.q.close();
      const { q, w } = await started(1);
      await until(() => w.ran.length === 1);
      expect(await q.depth?.()).toBe(1);
    });

    it('with no workers delivers nothing; a queue started later takes the jobs over', async () => {
      const idle = await started(0);
      await submit(idle.q);
      await new Promise((r) => setTimeout(r, 100));
      expect(idle.w.ran).toEqual([]);
      await idle.q.close();
      const { w } = await started(1);
      await until(() => w.ran.length === 1);
    });

    it('asks running handlers to stop at close (shutdown) and waits for them', async () => {
      const { q, w } = await started(1);
      const job = await submit(q);
      await until(() => w.ran.length === 1);
      await q.close();
      expect((w.signals.get(job.id)?.reason as StopRequest).reason).toBe('shutdown');
      expect((await fixture.store.jobs.get(job.id))?.state).toBe('completed');
      await submit(q);
      await new Promise((r) => setTimeout(r, 100));
      expect(w.ran).toEqual([job.id]);
    });
  });
}
