import type { JobRecord } from '../../ports/job-repository.js';
import type { JobDeps } from './job-deps.js';
import { NO_LEASE } from './job-lease.js';
import { discardWork } from './work-mirror.js';

/** How often a node looks for jobs whose lease has lapsed. */
const SWEEP_MS = 2_000;

/**
 * Stalled-job recovery: a job whose worker run stopped renewing its lease (its node died or hung)
 * is taken back and queued again, to resume from its last checkpoint on whichever node takes it.
 * Every node with workers sweeps; the take-back is a compare-and-set on the lapsed lease, so one
 * node wins and a worker that renewed in time keeps its job.
 */
export class LeaseSweeper {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly deps: JobDeps) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.#sweeping = this.#sweep().catch((err: unknown) =>
        this.deps.log.warn({ err }, 'the sweep for lapsed job leases failed'),
      );
    }, SWEEP_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }

  async #sweep(): Promise<void> {
    const now = this.deps.now();
    for (const job of await this.deps.store.jobs.listLapsed(now, 100)) {
      this.deps.log.warn({ job: job.id }, 'taking back a job whose worker stopped renewing its lease');
      await takeBack(this.deps, job, now);
    }
  }
}

/**
 * Takes a job back from the run holding it (while its lease has lapsed by `lapsedBy`): a running
 * job is queued again from its checkpoint; a cancelled one has what it made removed.
 */
export async function takeBack(deps: JobDeps, job: JobRecord, lapsedBy?: number): Promise<void> {
  const back = job.state === 'running' ? { state: 'queued' as const, updatedAt: deps.now() } : {};
  const updated = await deps.store.jobs.update(
    { id: job.id, lease: job.lease, lapsedBy },
    { ...NO_LEASE, ...back },
  );
  if (!updated) return;
  if (updated.state === 'cancelled') {
    await discardWork(deps, job);
    await deps.store.datasets?.discard(job.id);
  }
  if (updated.state === 'queued') {
    deps.events.emit('job.changed', updated);
    await deps.queue.enqueue(job.id);
  }
}
