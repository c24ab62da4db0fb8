import type { Progress } from '@depot/client';

/** The end of a batch. */
export interface Summary {
  readonly ok: number;
  readonly failed: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly interrupted: boolean;
}

/**
 * How a command shows its transfers: bars on a terminal, plain lines in a pipe, JSON lines with
 * --json, nothing but errors with --quiet. Failures always go to stderr as one line each.
 */
export interface Reporter {
  start(name: string, total: number | undefined): void;
  progress(name: string, progress: Progress): void;
  /** `line` for people, `record` for --json */
  done(name: string, line: string, record: Record<string, unknown>): void;
  failed(name: string, message: string, code: string | undefined): void;
  /** a failure of the whole run, not of one file (no server there, a refused token) */
  error(message: string, code: string): void;
  finish(verb: string, summary: Summary): void;
}

export const errorLine = (message: string): void => {
  process.stderr.write(`depot: ${message}\n`);
};
