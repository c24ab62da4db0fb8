import { csvReport } from './csv-report.js';
import type { Processor } from './processor.js';

export type { Processor, ProcessorContext, ProcessorResult, Progress, RowError } from './processor.js';
export { ProcessorError } from './processor.js';

/** Every processor by job type: the job runner and `depot process TYPE` look them up here. */
export const processors: Readonly<Record<string, Processor>> = Object.freeze({ 'csv-report': csvReport });
