import type { Job } from '@depot/client';
import { bytes, percent } from './format.js';
import { fields } from './table.js';

export const jobPercent = (j: Job): string =>
  j.state === 'completed' ? '100%' : percent(j.progress.bytesDone, j.progress.bytesTotal);

/** `42% of 1.2 MiB, 10000 rows, 3 bad` */
export const jobProgress = (j: Job): string =>
  `${jobPercent(j)} of ${bytes(j.progress.bytesTotal)}, ${j.progress.rowsDone} rows, ${j.progress.errorCount} bad`;

export const JOB_HEADER = ['ID', 'TYPE', 'STATE', 'DONE', 'ROWS', 'BAD', 'FILE', 'CREATED'];

/** A row of `depot jobs ls`. */
export const jobRow = (j: Job): string[] => [
  j.id,
  j.type,
  j.state,
  jobPercent(j),
  String(j.progress.rowsDone),
  String(j.progress.errorCount),
  j.fileId,
  j.createdAt,
];

/** `depot jobs show`: every field, one a line. */
export const jobDetails = (j: Job): string =>
  fields([
    ['id', j.id],
    ['type', j.type],
    ['state', j.state],
    ['file', j.fileId],
    ['params', Object.keys(j.params).length > 0 ? JSON.stringify(j.params) : null],
    ['progress', jobProgress(j)],
    ['output', j.outputFileId],
    ['error', j.error ? `${j.error.message} (${j.error.code})` : null],
    ['attempts', j.attempts],
    ['created', j.createdAt],
    ['started', j.startedAt],
    ['finished', j.finishedAt],
  ]);

/** How a finished job ends a command: its exit code and one line (stdout if ok, else stderr). */
export function jobOutcome(j: Job): { ok: boolean; line: string } {
  if (j.state === 'completed') {
    const output = j.outputFileId ? `, output ${j.outputFileId}` : '';
    return {
      ok: true,
      line: `job ${j.id} completed: ${j.progress.rowsDone} rows, ${j.progress.errorCount} bad${output}`,
    };
  }
  if (j.state === 'failed') {
    const why = j.error ? `${j.error.message} (${j.error.code})` : 'no reason given';
    return { ok: false, line: `job ${j.id} failed: ${why}` };
  }
  return { ok: false, line: `job ${j.id} was ${j.state}` };
}
