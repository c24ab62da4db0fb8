/** The life cycle of a job; the allowed moves are in core/jobs/job-state.ts. */
export type JobState = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface JobProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly rowsDone: number;
  readonly errorCount: number;
}

/** A job as the metadata store keeps it: plain data. Times are ms since the epoch. */
export interface JobRecord {
  readonly id: string;
  readonly owner: string;
  readonly type: string;
  readonly inputFileId: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly state: JobState;
  readonly progress: JobProgress;
  /** the processor's resume point (opaque JSON), null before the first save */
  readonly checkpoint: unknown;
  readonly outputFileId: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** failed attempts so far (transient errors); a bad input never retries */
  readonly attempts: number;
  /** a queued job is not started before this time (retry backoff) */
  readonly runAfter: number;
  /** the token of the worker run holding the job, null when none does */
  readonly lease: string | null;
  /**
   * When the lease lapses unless its worker renews it (a heartbeat); a lapsed lease may be taken
   * back by any node. Null (or absent, in a record being created) with a lease: lapsed.
   */
  readonly leaseExpiresAt?: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** Fields a state change or a save may set. */
export type JobPatch = Partial<
  Pick<
    JobRecord,
    | 'state'
    | 'progress'
    | 'checkpoint'
    | 'outputFileId'
    | 'error'
    | 'attempts'
    | 'runAfter'
    | 'lease'
    | 'leaseExpiresAt'
    | 'updatedAt'
    | 'startedAt'
    | 'finishedAt'
  >
>;

/** Which record an update applies to: a compare-and-set on the state and/or the lease. */
export interface JobMatch {
  readonly id: string;
  /** the update applies only while the state is one of these */
  readonly states?: readonly JobState[];
  /** the update applies only while this lease holds the job (undefined: any; null: none) */
  readonly lease?: string | null;
  /** the update applies only while the lease has lapsed by this time (see {@link JobRecord.leaseExpiresAt}) */
  readonly lapsedBy?: number;
}

/** One bad input row of a job. */
export interface JobRowError {
  readonly row: number;
  readonly raw: string;
  readonly reason: string;
}

export interface JobFilter {
  readonly owner?: string;
  readonly states?: readonly JobState[];
  readonly types?: readonly string[];
  /** page after this job id (jobs come newest first) */
  readonly before?: { readonly createdAt: number; readonly id: string };
  readonly limit: number;
}

export interface JobRepository {
  insert(job: JobRecord): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  list(filter: JobFilter): Promise<JobRecord[]>;
  /** Applies `patch` if `match` holds; returns the updated record, or undefined if it did not. */
  update(match: JobMatch, patch: JobPatch): Promise<JobRecord | undefined>;
  /** Queued jobs without a lease whose `runAfter` has come, oldest first. */
  listRunnable(now: number, limit: number): Promise<JobRecord[]>;
  /** Jobs some worker run holds (a lease), oldest first: after a crash, the ones to take back. */
  listLeased(limit: number): Promise<JobRecord[]>;
  /** Jobs whose lease has lapsed by `now` (its worker died or hung). */
  listLapsed(now: number, limit: number): Promise<JobRecord[]>;
  /** How many jobs are queued without a lease (waiting for a worker, due or not). */
  countQueued(): Promise<number>;
  /** The earliest `runAfter` of a queued job without a lease, if any. */
  nextRunAfter(): Promise<number | undefined>;
  /** Records row errors; a row already recorded for the job is kept as it is (resume re-reads rows). */
  addErrors(jobId: string, errors: readonly JobRowError[]): Promise<void>;
  /** Row errors in row order, after row `afterRow`. */
  listErrors(jobId: string, afterRow: number, limit: number): Promise<JobRowError[]>;
}
