import type { JobRecord } from '../../src/ports/job-repository.js';
import { newId } from './streams.js';

/** A queued job record for contract suites. */
export const jobRecord = (over: Partial<JobRecord> = {}): JobRecord => ({
  id: newId(),
  owner: 'alice',
  type: 'csv-report',
  inputFileId: newId(),
  params: { dataset: 'x' },
  state: 'queued',
  // Past 2^32, so a dialect that keeps sizes in 32 bits fails here and not in production.
  progress: { bytesDone: 0, bytesTotal: 5 * 2 ** 40, rowsDone: 0, errorCount: 0 },
  checkpoint: null,
  outputFileId: null,
  error: null,
  attempts: 0,
  runAfter: 1_700_000_000_000,
  lease: null,
  leaseExpiresAt: null,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
  startedAt: null,
  finishedAt: null,
  ...over,
});
