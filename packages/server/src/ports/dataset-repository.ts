import type { JobMatch, JobPatch } from './job-repository.js';

export type ColumnType = 'string' | 'integer' | 'number' | 'date' | 'boolean';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
}

/** A declared dataset: a table of typed columns, upserted on its key columns (appended if none). */
export interface DatasetRecord {
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** names of the key columns; empty = every row is appended */
  readonly keys: readonly string[];
  readonly createdAt: number;
}

/** A validated value: string and date as text, integer and number as numbers, boolean, or null. */
export type CellValue = string | number | boolean | null;

/**
 * Validated rows, encoded once for every store, in Postgres COPY's text format: per row its
 * position, then each value after a TAB, then LF. A position is a positive integer; positions
 * increase along a job's rows, across all its batches and runs, and give the file order (they may
 * have gaps). Values are in the dataset's column order: `\N` for null, integers and numbers in
 * decimal (as JavaScript or a CSV file writes them: finite, integers safe), booleans `t` or `f`,
 * text and dates as UTF-8 with backslash, LF, CR and TAB escaped as `\\`, `\n`, `\r`, `\t`; no NUL.
 * See core/row-batch-writer.ts and core/row-batch-reader.ts.
 */
export interface RowBatch {
  /** Number of rows. */
  readonly count: number;
  readonly text: Buffer;
}

export interface RowPage {
  readonly rows: Record<string, CellValue>[];
  /** pass as `after` for the next page; null at the end */
  readonly next: number | null;
}

/**
 * Datasets and their rows. An import writes into a staging area of its job (invisible to readers);
 * completing the job moves the staged rows into the dataset in one transaction, and cancelling it
 * drops them: so a cancelled import leaves the dataset exactly as it was.
 */
export interface DatasetRepository {
  /** Records the dataset and creates its table. False if the owner already has one of that name. */
  create(dataset: DatasetRecord): Promise<boolean>;
  get(owner: string, name: string): Promise<DatasetRecord | undefined>;
  list(owner: string): Promise<DatasetRecord[]>;
  /** Rows in insertion order, after the position `after` (0 = from the start). */
  rows(dataset: DatasetRecord, after: number, limit: number): Promise<RowPage>;
  /**
   * Stages `rows` for a job and applies `patch` to the job (its checkpoint), in one transaction.
   * False (nothing written) when `match` no longer holds. Calls for one job may overlap (an import
   * hands over its next batch while one is being written); they take effect in call order, and
   * one whose predecessor (of the same lease) did not take effect (false, or failed) writes
   * nothing and returns false.
   */
  stage(
    jobId: string,
    dataset: DatasetRecord,
    rows: RowBatch,
    match: JobMatch,
    patch: JobPatch,
  ): Promise<boolean>;
  /**
   * Upserts the job's staged rows into the dataset, drops the staging area and applies `patch` to
   * the job, in one transaction. False (nothing changed) when `match` no longer holds.
   */
  commit(jobId: string, dataset: DatasetRecord, match: JobMatch, patch: JobPatch): Promise<boolean>;
  /** Drops what a job staged (cancel, failure). Dropping nothing is not an error. */
  discard(jobId: string): Promise<void>;
}
