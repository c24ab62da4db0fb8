import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StopReason } from '../../ports/job-queue.js';

/** A node's mark that it runs a job lives this long unless renewed (a dead node's lapses). */
const RUN_TTL_MS = 10_000;
const RUN_RENEW_MS = 3_000;
/** A remote stop is watched this often for the handler's return. */
const WATCH_MS = 25;
/**
 * A remote stop waits at most this long for the handler to return (a checkpoint at a pause
 * includes writing the work files to the store). Past it, the request answers anyway: the state
 * has moved, and the run sees that at its next checkpoint save and stops by itself.
 */
const STOP_WAIT_MS = 30_000;

interface StopMessage {
  readonly job: string;
  readonly reason: StopReason;
}

/**
 * Pause and cancel across nodes. The job records say *that* a job must stop; this carries the
 * request to the node whose worker runs it, and tells the asker when that worker has let go.
 *
 * Why Redis pub/sub and a mark per run, not BullMQ's own means: BullMQ can only remove a job that
 * is not locked by a worker, and has no message to a running processor; its QueueEvents stream
 * reports a job's end, but our handler returns without ending the BullMQ job in every case (a
 * duplicate delivery whose claim fails also returns). So each node adds itself to a set
 * `<base>:running:<job>` while a handler runs the job there (renewed; a dead node's entry lapses),
 * a stop is published on `<base>:stop` to every node, and the asker waits for that set to empty:
 * "resolves once the handler has returned", on whichever node it ran.
 */
export class JobStops {
  readonly #node = randomUUID();
  readonly #renewal: NodeJS.Timeout;
  readonly #running = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly base: string,
    onStop: (jobId: string, reason: StopReason) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.#channel) return;
      const m = JSON.parse(raw) as StopMessage;
      onStop(m.job, m.reason);
    });
    this.#renewal = setInterval(() => this.#renew(), RUN_RENEW_MS);
    this.#renewal.unref();
  }

  get #channel(): string {
    return `${this.base}:stop`;
  }

  #key(jobId: string): string {
    return `${this.base}:running:${jobId}`;
  }

  async subscribe(): Promise<void> {
    await this.subscriber.subscribe(this.#channel);
  }

  /** Marks that a handler here runs `jobId`, for stop requests from any node to wait on. */
  async running(jobId: string): Promise<void> {
    this.#running.add(jobId);
    await this.redis.multi().sadd(this.#key(jobId), this.#node).pexpire(this.#key(jobId), RUN_TTL_MS).exec();
  }

  /** The handler here has returned. */
  async returned(jobId: string): Promise<void> {
    this.#running.delete(jobId);
    await this.redis.srem(this.#key(jobId), this.#node);
  }

  /** Asks every node to stop `jobId`; resolves once no node runs it (or after STOP_WAIT_MS). */
  async stop(jobId: string, reason: StopReason): Promise<void> {
    const message: StopMessage = { job: jobId, reason };
    await this.redis.publish(this.#channel, JSON.stringify(message));
    const until = Date.now() + STOP_WAIT_MS;
    while ((await this.redis.scard(this.#key(jobId))) > 0) {
      if (Date.now() > until) {
        this.onError(new Error(`job ${jobId}: its worker did not stop within ${STOP_WAIT_MS} ms`));
        return;
      }
      await new Promise((r) => setTimeout(r, WATCH_MS));
    }
  }

  close(): void {
    clearInterval(this.#renewal);
  }

  #renew(): void {
    if (this.#running.size === 0) return;
    const m = this.redis.multi();
    for (const id of this.#running) m.sadd(this.#key(id), this.#node).pexpire(this.#key(id), RUN_TTL_MS);
    m.exec().catch(this.onError);
  }
}
