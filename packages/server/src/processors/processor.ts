import type { Readable, Writable } from 'node:stream';

/**
 * The contract between a job runner (or the CLI) and a processor. A processor is a streaming
 * function: bytes in, bytes out, per-row errors and progress reported through callbacks. It knows
 * nothing about HTTP, databases or blob stores, so `depot process` can run it with plain files.
 */
export interface ProcessorContext {
  /** The input bytes. Today always from byte 0; resume will pass a checkpoint with its offset. */
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
}

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
