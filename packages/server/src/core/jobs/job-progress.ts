import type { JobProgress, JobRecord, JobRowError } from '../../ports/job-repository.js';
import type { Progress, RowError } from '../../processors/index.js';
import type { JobDeps } from './job-deps.js';

/** Live progress is announced this often while a job runs (the contract: at least twice a second). */
const PROGRESS_EVERY_MS = 250;
/** Row errors are written in batches of this many, or at each checkpoint. */
const ERROR_BATCH = 2_000;

/**
 * A running job's live side: progress announced on the event bus on a timer, and row errors
 * buffered and written in batches. Errors are keyed by row, so rows read again after a resume
 * record nothing twice, and every error before a checkpoint is stored before the checkpoint is.
 */
export class JobProgressTracker {
  #job: JobRecord;
  #live: JobProgress;
  #errors: JobRowError[] = [];
  #writing: Promise<void> = Promise.resolve();
  #failed: unknown;
  readonly #timer: NodeJS.Timeout;
  readonly #offChanged: () => void;

  constructor(
    private readonly deps: JobDeps,
    job: JobRecord,
  ) {
    this.#job = job;
    this.#live = job.progress;
    this.#timer = setInterval(() => {
      deps.events.emit('job.progress', { ...this.#job, progress: this.#live });
    }, PROGRESS_EVERY_MS);
    // The announcements carry this run's copy of the job (state `running`): once the job is said
    // to have left `running`, one more would contradict that (and the run may take a while to end).
    this.#offChanged = deps.events.on('job.changed', (j) => {
      if (j.id === job.id && j.state !== 'running') this.stop();
    });
  }

  get progress(): JobProgress {
    return this.#live;
  }

  update(p: Progress): void {
    this.#live = { ...p, bytesTotal: this.#live.bytesTotal };
  }

  error(e: RowError): void {
    this.#errors.push(e);
    if (this.#errors.length >= ERROR_BATCH) this.#write();
  }

  /** Waits until every error reported so far is stored (before a checkpoint). */
  async flush(): Promise<void> {
    this.#write();
    await this.#writing;
    if (this.#failed) throw this.#failed;
  }

  /** Stops the progress announcements (the run is told to stop, or has ended). Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
    this.#offChanged();
  }

  #write(): void {
    if (this.#errors.length === 0) return;
    const batch = this.#errors;
    this.#errors = [];
    this.#writing = this.#writing
      .then(() => this.deps.store.jobs.addErrors(this.#job.id, batch))
      .catch((err: unknown) => {
        this.#failed ??= err;
      });
  }
}
