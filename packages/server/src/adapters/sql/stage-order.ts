import type { JobMatch } from '../../ports/job-repository.js';

interface Run {
  readonly lease: JobMatch['lease'];
  /** whether the run's last stage call so far took effect */
  last: Promise<boolean>;
  /** the run's staging table is created (once per run, outside the batches' transactions) */
  readonly table: Promise<void>;
}

/**
 * The order of a job's overlapping stage calls (see DatasetRepository.stage): each call may do
 * its heavy part at once (Postgres: COPY its batch into the staging table), then waits for the
 * call before it and takes effect only if that one did. Per run (lease): a new run starts afresh.
 */
export class StageOrder {
  readonly #runs = new Map<string, Run>();

  /**
   * Runs one stage call. `create` makes the staging table (once per run: two batch transactions
   * both creating it would collide); `work` gets `before`, which resolves once the previous call
   * has settled: true if it took effect, false if it did not (returned false or failed).
   */
  run(
    jobId: string,
    lease: JobMatch['lease'],
    create: () => Promise<void>,
    work: (table: Promise<void>, before: Promise<boolean>) => Promise<boolean>,
  ): Promise<boolean> {
    let run = this.#runs.get(jobId);
    if (!run || run.lease !== lease) {
      run = { lease, last: Promise.resolve(true), table: create() };
      run.table.catch(() => {});
      this.#runs.set(jobId, run);
    }
    const mine = work(run.table, run.last);
    const took = mine.catch(() => false);
    run.last = took;
    // A run that went well is forgotten (the next call finds nothing before it, which is true);
    // one that did not stays, so that no later call of the run takes effect.
    void took.then((ok) => {
      if (ok && this.#runs.get(jobId) === run && run.last === took) this.#runs.delete(jobId);
    });
    return mine;
  }

  /** The job is committed or discarded. */
  forget(jobId: string): void {
    this.#runs.delete(jobId);
  }
}
