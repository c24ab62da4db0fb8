import { type JobHandler, type JobQueue, type StopReason, StopRequest } from '../ports/job-queue.js';
import type { JobRepository } from '../ports/job-repository.js';

/** How often the store is scanned even when nothing was enqueued here (retries that came due). */
const POLL_MS = 1_000;

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/**
 * The embedded queue: workers in this process, and no queue of its own. The queue *is* the jobs
 * table: a queued job without a lease whose time has come is runnable, so nothing is lost on a
 * restart. Meant for one process per store (the single-machine default).
 */
export class LocalJobQueue implements JobQueue {
  readonly #jobs: JobRepository;
  readonly #onError: (err: unknown) => void;
  readonly #running = new Map<string, Running>();
  #handler: JobHandler | undefined;
  #concurrency = 0;
  #closed = false;
  #scanning = false;
  #again = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(jobs: JobRepository, onError: (err: unknown) => void) {
    this.#jobs = jobs;
    this.#onError = onError;
  }

  async start(handler: JobHandler, concurrency: number): Promise<void> {
    this.#handler = handler;
    this.#concurrency = concurrency;
    this.#wake();
  }

  async enqueue(_jobId: string, _runAfter?: number): Promise<void> {
    this.#wake();
  }

  async interrupt(jobId: string, reason: StopReason): Promise<void> {
    const run = this.#running.get(jobId);
    if (!run) return;
    run.controller.abort(new StopRequest(reason));
    await run.done;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const runs = [...this.#running.values()];
    for (const r of runs) r.controller.abort(new StopRequest('shutdown'));
    await Promise.all(runs.map((r) => r.done));
  }

  /** The queue is the jobs table: it answers when the store does. */
  async ping(): Promise<void> {
    await this.#jobs.countQueued();
  }

  /** The queue is the jobs table: its queued jobs without a lease. */
  depth(): Promise<number> {
    return this.#jobs.countQueued();
  }

  /** Scans for runnable jobs (once more if woken meanwhile) and starts as many as there are free workers. */
  #wake(): void {
    if (this.#closed || !this.#handler || this.#concurrency === 0) return;
    if (this.#scanning) {
      this.#again = true;
      return;
    }
    this.#scanning = true;
    this.#scan()
      .catch(this.#onError)
      .finally(() => {
        this.#scanning = false;
        if (this.#again) {
          this.#again = false;
          this.#wake();
        }
      });
  }

  async #scan(): Promise<void> {
    clearTimeout(this.#timer);
    const free = this.#concurrency - this.#running.size;
    if (free > 0) {
      const jobs = await this.#jobs.listRunnable(Date.now(), free + this.#running.size);
      for (const job of jobs) {
        if (this.#closed || this.#running.size >= this.#concurrency) break;
        if (!this.#running.has(job.id)) this.#launch(job.id);
      }
    }
    if (this.#closed) return;
    const next = await this.#jobs.nextRunAfter();
    const wait = next === undefined ? POLL_MS : Math.min(POLL_MS, Math.max(10, next - Date.now()));
    this.#timer = setTimeout(() => this.#wake(), wait);
    this.#timer.unref();
  }

  #launch(jobId: string): void {
    const handler = this.#handler!;
    const controller = new AbortController();
    const done = handler(jobId, controller.signal)
      .catch(this.#onError)
      .finally(() => {
        this.#running.delete(jobId);
        this.#wake();
      });
    this.#running.set(jobId, { controller, done });
  }
}
