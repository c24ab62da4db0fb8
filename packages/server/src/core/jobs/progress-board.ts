import type { JobProgress } from '../../ports/job-repository.js';
import type { EventBus } from '../events.js';

/** Live progress older than this is not shown: the node that ran the job stopped reporting. */
const STALE_MS = 5_000;

/**
 * The live progress of jobs running on other nodes, as their `job.progress` events arrive over
 * the event feed, so `GET /api/jobs/:id` on any node shows it (the record only holds the last
 * checkpoint's). An entry goes once its job leaves `running`, or when it is stale.
 */
export class ProgressBoard {
  readonly #latest = new Map<string, { readonly progress: JobProgress; readonly at: number }>();
  readonly #offs: (() => void)[];

  constructor(
    feed: EventBus,
    private readonly now: () => number,
  ) {
    this.#offs = [
      feed.on('job.progress', (j) => {
        if (j.state === 'running') this.#latest.set(j.id, { progress: j.progress, at: this.now() });
      }),
      feed.on('job.changed', (j) => {
        if (j.state !== 'running') this.#latest.delete(j.id);
      }),
    ];
  }

  get(jobId: string): JobProgress | undefined {
    const entry = this.#latest.get(jobId);
    if (!entry) return undefined;
    if (this.now() - entry.at <= STALE_MS) return entry.progress;
    this.#latest.delete(jobId);
    return undefined;
  }

  stop(): void {
    for (const off of this.#offs) off();
    this.#latest.clear();
  }
}
