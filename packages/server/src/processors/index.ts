import type { ImportProcessor } from './csv-import.js';
import type { Processor } from './processor.js';

export { decodeRows } from '../core/row-batch-reader.js';
export type { ImportContext, ImportProcessor, RowSink } from './csv-import.js';
export type { ImportColumn, ImportType } from './import-values.js';
export type {
  Checkpoint,
  Processor,
  ProcessorContext,
  ProcessorResult,
  Progress,
  Resumable,
  RowError,
} from './processor.js';
export { ProcessorError } from './processor.js';

/** A job type's processor: one that writes an output file, or one that hands rows to a dataset. */
export type JobProcessor =
  | { readonly kind: 'file'; readonly run: Processor }
  | { readonly kind: 'rows'; readonly run: ImportProcessor };

/**
 * Every processor by job type: the job runner and `depot process TYPE` look them up here. Each
 * loads its code (the CSV parser, writer, sorter) when a job of its type first runs, so a server
 * that only takes uploads never loads it.
 */
export const processors: Readonly<Record<string, JobProcessor>> = Object.freeze({
  'csv-report': { kind: 'file', run: async (ctx) => (await import('./csv-report.js')).csvReport(ctx) },
  'csv-import': { kind: 'rows', run: async (ctx) => (await import('./csv-import.js')).csvImport(ctx) },
});
