/** Why a worker is asked to stop a job. `pause` and `shutdown` keep a checkpoint; `cancel` does not. */
export type StopReason = 'pause' | 'cancel' | 'shutdown';

/** Runs one job: resolves when the work is done or has stopped (its signal aborted). */
export type JobHandler = (jobId: string, signal: AbortSignal) => Promise<void>;

/**
 * Delivers queued jobs to workers. The job records (state, checkpoint) live in the metadata store;
 * a queue only decides who runs what, when: the embedded adapter runs workers in this process,
 * a BullMQ adapter would spread them over nodes. Delivery is at least once: the handler claims a
 * job in the store (a compare-and-set), so a second delivery of a job in hand does nothing.
 */
export interface JobQueue {
  /** Starts delivering jobs to `handler`, at most `concurrency` at once (0: never, API only). */
  start(handler: JobHandler, concurrency: number): Promise<void>;
  /** Tells the workers a job is ready (now, or at `runAfter`, ms since the epoch). */
  enqueue(jobId: string, runAfter?: number): Promise<void>;
  /**
   * Asks the handler running `jobId` here to stop: its signal aborts with a {@link StopRequest}.
   * Resolves once the handler has returned; at once when no handler here runs the job.
   */
  interrupt(jobId: string, reason: StopReason): Promise<void>;
  /** Stops taking jobs, asks running handlers to stop ('shutdown') and waits for them. */
  close(): Promise<void>;
  /** Checks that the queue's backend answers (for /readyz); throws when it does not. */
  ping?(): Promise<void>;
  /** Jobs waiting for a worker, across every node (for the queue-depth metric). */
  depth?(): Promise<number>;
}

/** The reason a job's signal aborts with when a worker is asked to stop it. */
export class StopRequest extends Error {
  override name = 'StopRequest';
  constructor(readonly reason: StopReason) {
    super(`job ${reason}`);
  }
}
