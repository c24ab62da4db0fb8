import type { Logger } from 'pino';
import type { Storage } from '../../ports/blob-store.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { JobProcessor } from '../../processors/index.js';
import type { EventBus } from '../events.js';
import type { ProgressBoard } from './progress-board.js';

/** What the job service and its workers are built from; assembled by compose.ts. */
export interface JobDeps {
  readonly store: MetadataStore;
  readonly storage: Storage;
  readonly queue: JobQueue;
  readonly events: EventBus;
  /** live progress of jobs that run on other nodes (several nodes only) */
  readonly board?: ProgressBoard;
  readonly processors: Readonly<Record<string, JobProcessor>>;
  /** local directory for the jobs' checkpoint files and outputs in the making */
  readonly jobsDir: string;
  /**
   * Whether a job's work files follow its checkpoints into the blob store, so that another node
   * can resume it (several nodes share the store); false: they stay in jobsDir (one machine).
   */
  readonly shareWork?: boolean;
  /** DEPOT_JOB_MEMORY: a job's memory budget before it spills to disk */
  readonly memoryBudget: number;
  readonly log: Logger;
  readonly now: () => number;
}
