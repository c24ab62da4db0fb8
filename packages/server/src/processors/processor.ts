import type { Readable, Writable } from 'node:stream';

/**
 * The contract between a job runner (or the CLI) and a processor. A processor is a streaming
 * function: bytes in, bytes out, per-row errors and progress reported through callbacks. It knows
 * nothing about HTTP, databases or blob stores, so `depot process` can run it with plain files.
 */
export interface ProcessorContext {
  /** The input bytes: from byte 0, or from the checkpoint's `bytesDone` when resuming. */
  readonly input: Readable;
  /** Where the output goes. The processor ends it on success and leaves it alone on failure. */
  readonly output: Writable;
  /** Cancel or pause: the processor stops promptly and rejects with `signal.reason`. */
  readonly signal: AbortSignal;
  /** A directory the processor may fill with spill files; it removes what it made. */
  readonly tempDir: string;
  /** Bytes of memory the processor may hold for its own data before it spills (DEPOT_JOB_MEMORY). */
  readonly memoryBudget: number;
  /** Called often (about once per input chunk); must be cheap. The runner throttles what it stores. */
  progress(p: Progress): void;
  /** Called once per bad row, synchronously; processing goes on. Buffer it, do not block. */
  onError(e: RowError): void;
  /** Present when the run can be paused and resumed (a job); absent for one uninterrupted run. */
  readonly resumable?: Resumable;
}

/**
 * How a job runs a processor so that it can stop and go on later, even in another process. The
 * processor saves a checkpoint at least every {@link CHECKPOINT_MS}, at a row boundary, and keeps
 * what the checkpoint refers to in `workDir`; a resumed run gets its input from `bytesDone`.
 */
export interface Resumable {
  /** A directory that outlives the run; files in it that the checkpoint does not name are stale. */
  readonly workDir: string;
  /** The last saved checkpoint, or null for a fresh start. */
  readonly from: Checkpoint | null;
  /** Stores a checkpoint durably (the files it names must be durable first). */
  save(cp: Checkpoint): Promise<void>;
  /** Once the signal has aborted: whether to save a checkpoint before stopping (pause, shutdown). */
  keepOnStop(): boolean;
}

/** A resume point: counts as of a row boundary, plus the processor's own state (JSON). */
export interface Checkpoint {
  readonly progress: Progress;
  readonly state: unknown;
}

/** How often a resumable processor saves a checkpoint while it works (the job contract: ≤ 1 s). */
export const CHECKPOINT_MS = 900;

export interface Progress {
  /** Input bytes consumed, up to the last whole row: a valid resume offset. */
  bytesDone: number;
  /** Data rows read (good and bad), the header excluded. */
  rowsDone: number;
  errorCount: number;
}

/** One bad input row. The run goes on without it. */
export interface RowError {
  /** 1-based line of the file where the row starts (the header is line 1). */
  row: number;
  /** The row as it was in the file (UTF-8 decoded), cut to {@link RAW_LINE_MAX} characters. */
  raw: string;
  reason: string;
}

export const RAW_LINE_MAX = 200;

export interface ProcessorResult extends Progress {
  /** Data rows written (the header excluded). */
  rowsOut: number;
}

export type Processor = (ctx: ProcessorContext) => Promise<ProcessorResult>;

/**
 * A failure of the whole run (as opposed to a bad row). `code` is stable so the job runner can map
 * it into the error table without parsing the message.
 */
export class ProcessorError extends Error {
  override name = 'ProcessorError';
  constructor(
    readonly code: 'ERR_CSV_HEADER' | 'ERR_CSV_EMPTY' | 'ERR_CSV_ROW_TOO_LONG',
    message: string,
  ) {
    super(message);
  }
}
