/** What the Depot JSON API answers: the shapes of GET /api/files, /api/jobs, /api/tokens, /api/datasets. */

/** A URL that downloads one file without a token until `expiresAt` (ISO 8601). */
export interface DownloadLink {
  readonly url: string;
  readonly expiresAt: string;
}

export interface FileInfo {
  readonly id: string;
  readonly name: string | null;
  readonly type: string | null;
  /** null while the length is deferred */
  readonly size: number | null;
  readonly offset: number;
  readonly status: 'uploading' | 'complete';
  readonly sha256: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly expiresAt: string | null;
  readonly metadata: Readonly<Record<string, string | null>>;
}

export interface FilePage {
  readonly files: FileInfo[];
  /** pass as `cursor` for the next page; null at the end */
  readonly nextCursor: string | null;
}

export interface FileQuery {
  /** 1..1000 (server default 100) */
  readonly limit?: number;
  readonly cursor?: string;
  /** a name prefix (exact case) */
  readonly name?: string;
  readonly status?: 'uploading' | 'complete';
  /** `text/csv`, or a prefix like `text/` */
  readonly type?: string;
}

export type JobState = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/** States a job never leaves. */
export const FINAL_JOB_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

export interface JobProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly rowsDone: number;
  readonly errorCount: number;
}

export interface Job {
  readonly id: string;
  readonly type: string;
  readonly state: JobState;
  readonly fileId: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly progress: JobProgress;
  readonly outputFileId: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface NewJob {
  readonly type: string;
  readonly fileId: string;
  readonly params?: Record<string, unknown>;
}

export interface JobQuery {
  readonly state?: JobState | readonly JobState[];
  readonly type?: string;
  /** 1..500 (server default 50) */
  readonly limit?: number;
  /** the previous page's `next` */
  readonly before?: string;
}

export interface JobPage {
  readonly jobs: Job[];
  /** pass as `before` for the next page; null at the end */
  readonly next: string | null;
}

export interface JobRowError {
  readonly row: number;
  readonly raw: string;
  readonly reason: string;
}

export interface JobErrorPage {
  readonly errors: JobRowError[];
  /** pass as `after` for the next page; null at the end */
  readonly next: number | null;
}

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly admin: boolean;
  /** bytes; null: the server's default */
  readonly quota: number | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface NewToken {
  readonly name: string;
  /** defaults to the name */
  readonly owner?: string;
  /** bytes */
  readonly quota?: number;
}

export type ColumnType = 'string' | 'integer' | 'number' | 'date' | 'boolean';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly required?: boolean;
}

export interface NewDataset {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly keys?: readonly string[];
}

export interface Dataset {
  readonly name: string;
  readonly columns: readonly Required<ColumnDef>[];
  readonly keys: readonly string[];
  readonly createdAt: string;
}

export type CellValue = string | number | boolean | null;

export interface RowPage {
  readonly rows: Record<string, CellValue>[];
  /** pass as `after` for the next page; null at the end */
  readonly next: number | null;
}
