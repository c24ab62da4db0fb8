import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type JobHandler, type JobQueue, type StopReason, StopRequest } from '../ports/job-queue.js';
import type { JobRepository } from '../ports/job-repository.js';
import { JobStops } from './redis/job-stops.js';

/** The BullMQ queue's name; its keys are `<prefix>:jobs:…`. */
const NAME = 'jobs';
/**
 * How often a node with workers puts runnable jobs that BullMQ does not hold (back) into it: the
 * record is the truth, so a job whose message was lost (Redis restarted without persistence, an
 * enqueue that failed while Redis was down, a re-enqueue that came while BullMQ still held the
 * job) is delivered at most this late.
 */
const RECONCILE_MS = 5_000;
/**
 * BullMQ's own stall detection: a worker holds a lock on each job it processes, renewed every
 * half of LOCK_MS; workers check every STALL_CHECK_MS for jobs whose lock lapsed, and the second
 * check that finds one moves it back to wait. So a dead node's BullMQ job is delivered again
 * within about LOCK_MS + 2 × STALL_CHECK_MS (16 s), close after the job record's own lease lapses
 * (10 s, core/jobs/job-lease.ts): the record's lease decides whether the job *may* run again
 * (the claim); BullMQ only redelivers, so it never fails a job for stalling.
 */
const LOCK_MS = 8_000;
const STALL_CHECK_MS = 4_000;
/** A command on the queue's connection that has no answer by then fails (logged, then reconciled). */
const COMMAND_TIMEOUT_MS = 2_000;

export interface BullJobQueueOptions {
  /** Prefix of every key and channel (DEPOT_QUEUE_PREFIX), so several Depots or test runs share a Redis. */
  readonly prefix?: string;
}

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

interface Payload {
  readonly id: string;
}

/**
 * The job queue on Redis with BullMQ, shared by every node: a BullMQ job per Depot job (same id)
 * carries only the id and the time it is due. The Depot job record stays the truth (state, lease,
 * checkpoint): delivery is at least once, the handler's claim is a compare-and-set in the store,
 * so a duplicate delivery does nothing. Pause and cancel reach the running node through
 * {@link JobStops}.
 */
export class BullJobQueue implements JobQueue {
  readonly #jobs: JobRepository;
  readonly #onError: (err: unknown) => void;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #url: string;
  readonly #prefix: string;
  readonly #queue: Queue<Payload>;
  readonly #stops: JobStops;
  readonly #running = new Map<string, Running>();
  #worker: Worker<Payload> | undefined;
  #workerRedis: Redis | undefined;
  #reconcile: NodeJS.Timeout | undefined;
  readonly #ready: Promise<void>;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Connects in the background (see {@link BullJobQueue.open}); every method waits for it. */
  constructor(
    url: string,
    jobs: JobRepository,
    onError: (err: unknown) => void,
    options: BullJobQueueOptions = {},
  ) {
    const prefix = options.prefix ?? 'depot:queue';
    this.#url = url;
    this.#jobs = jobs;
    this.#onError = onError;
    this.#prefix = prefix;
    // Commands fail fast while Redis is down or stalled (a request must not hang on an enqueue;
    // the record is the truth, so a lost enqueue is delivered by the reconciliation). No offline
    // queue: while the connection is not ready a command fails at once, as BullMQ's production
    // notes advise for queues. The retry count alone is not enough: it restarts at every TCP
    // connect, so a proxy that accepts and drops (Redis restarting behind it) held commands forever.
    this.#redis = new Redis(url, {
      maxRetriesPerRequest: 2,
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    this.#subscriber = new Redis(url);
    // Connection errors (Redis down) are reported, and ioredis reconnects by itself.
    for (const r of [this.#redis, this.#subscriber]) r.on('error', onError);
    this.#queue = new Queue<Payload>(NAME, { connection: this.#redis, prefix });
    this.#queue.on('error', onError);
    this.#stops = new JobStops(
      this.#redis,
      this.#subscriber,
      `${prefix}:${NAME}`,
      (id, reason) => this.#running.get(id)?.controller.abort(new StopRequest(reason)),
      onError,
    );
    const queue = this.#queue;
    this.#ready = this.#stops.subscribe().then(() => queue.waitUntilReady().then(() => {}));
    // Failures are reported by open() or by the first method that waits.
    this.#ready.catch(() => {});
  }

  /** Connects (two connections, and two more for the workers once started); fails if Redis does not answer. */
  static async open(
    url: string,
    jobs: JobRepository,
    onError: (err: unknown) => void,
    options: BullJobQueueOptions = {},
  ): Promise<BullJobQueue> {
    const q = new BullJobQueue(url, jobs, onError, options);
    try {
      await q.#ready;
    } catch (err) {
      await q.close();
      throw err;
    }
    return q;
  }

  async start(handler: JobHandler, concurrency: number): Promise<void> {
    await this.#ready;
    if (concurrency === 0 || this.#closed) return;
    // The worker's blocking connection must retry forever (BullMQ's rule): it waits for jobs.
    this.#workerRedis = new Redis(this.#url, { maxRetriesPerRequest: null });
    this.#workerRedis.on('error', this.#onError);
    this.#worker = new Worker<Payload>(NAME, (job, token) => this.#process(handler, job, token), {
      connection: this.#workerRedis,
      prefix: this.#prefix,
      concurrency,
      lockDuration: LOCK_MS,
      stalledInterval: STALL_CHECK_MS,
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    this.#worker.on('error', this.#onError);
    this.#reconcile = setInterval(() => {
      this.#putBack().catch(this.#onError);
    }, RECONCILE_MS);
    this.#reconcile.unref();
    await this.#putBack();
  }

  async enqueue(jobId: string, runAfter?: number): Promise<void> {
    // A closed queue adds nothing: the record is queued in the store, and a live node's
    // reconciliation delivers it.
    if (this.#closed) return;
    const delay = runAfter === undefined ? 0 : Math.max(0, runAfter - Date.now());
    try {
      await this.#ready;
      // Same id as the Depot job: BullMQ adds nothing while it holds that job already.
      await this.#queue.add(
        NAME,
        { id: jobId },
        { jobId, delay, removeOnComplete: true, removeOnFail: true },
      );
    } catch (err) {
      // Redis is down: the job is queued in the store all the same, and the reconciliation of
      // a node with workers delivers it once Redis is back. The request that made it succeeds.
      this.#onError(err);
    }
  }

  async interrupt(jobId: string, reason: StopReason): Promise<void> {
    const run = this.#running.get(jobId);
    if (run) {
      run.controller.abort(new StopRequest(reason));
      await run.done;
      return;
    }
    // Not here: ask every node, and wait for the one running it to let go.
    try {
      await this.#ready;
      await this.#stops.stop(jobId, reason);
    } catch (err) {
      // Redis is down: the state has moved in the store, and a run elsewhere sees that at its
      // next checkpoint save (within about a second) and stops by itself.
      this.#onError(err);
    }
  }

  /** Checks that Redis answers (for /readyz); throws when it does not. */
  async ping(): Promise<void> {
    await this.#ready;
    // one round-trip to Redis through the queue's own connection
    await this.#queue.getJobCounts('wait');
  }

  /** Jobs waiting in BullMQ for a worker, due or not (a gauge for monitoring). */
  async depth(): Promise<number> {
    await this.#ready;
    const c = await this.#queue.getJobCounts('wait', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#reconcile);
    const runs = [...this.#running.values()];
    for (const r of runs) r.controller.abort(new StopRequest('shutdown'));
    await Promise.all(runs.map((r) => r.done));
    // The handlers have returned: the processors end their BullMQ jobs (handing released ones
    // back to BullMQ for another node) and the worker closes once they have.
    await this.#worker?.close();
    this.#stops.close();
    await this.#queue.close().catch(() => {});
    for (const r of [this.#subscriber, this.#redis, this.#workerRedis]) r?.disconnect();
  }

  /** A BullMQ delivery: runs the handler here, then hands the job back if its record says to. */
  async #process(handler: JobHandler, job: Job<Payload>, token: string | undefined): Promise<void> {
    const id = job.data.id;
    if (this.#running.has(id)) return;
    if (this.#closed) {
      // Fetched while closing: leave it to another node.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    const controller = new AbortController();
    const done = (async () => {
      await this.#stops.running(id);
      try {
        await handler(id, controller.signal);
      } finally {
        this.#running.delete(id);
        await this.#stops.returned(id);
      }
    })().catch(this.#onError);
    this.#running.set(id, { controller, done });
    await done;
    // Queued again by this run (a retry after backoff, a hand-back at shutdown) or by a request
    // while it ran (a resume): an enqueue meanwhile found the BullMQ job still held, so keep that
    // job for the next run instead of ending it.
    const record = await this.#jobs.get(id);
    if (record?.state === 'queued' && record.lease === null) {
      await job.moveToDelayed(Math.max(record.runAfter, Date.now()), token);
      throw new DelayedError();
    }
  }

  /** Reconciliation: every runnable job in the store is put in BullMQ if it is not there. */
  async #putBack(): Promise<void> {
    if (this.#closed) return;
    for (const job of await this.#jobs.listRunnable(Date.now(), 100)) await this.enqueue(job.id);
  }
}
