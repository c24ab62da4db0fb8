import type { DatasetRecord } from '../../ports/dataset-repository.js';
import type { JobProgress, JobRecord } from '../../ports/job-repository.js';

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/**
 * A job as the API shows it: no lease or checkpoint internals. `progress` is live while the job
 * runs here; `resumeFrom` is the input offset of its last checkpoint (where a resume starts).
 */
export const jobView = (j: JobRecord, live?: JobProgress) => ({
  id: j.id,
  type: j.type,
  state: j.state,
  fileId: j.inputFileId,
  params: j.params,
  progress: j.state === 'running' && live ? live : j.progress,
  resumeFrom: j.checkpoint === null ? null : j.progress.bytesDone,
  outputFileId: j.outputFileId,
  error: j.error,
  attempts: j.attempts,
  createdAt: iso(j.createdAt),
  updatedAt: iso(j.updatedAt),
  startedAt: iso(j.startedAt),
  finishedAt: iso(j.finishedAt),
});

export const datasetView = (d: DatasetRecord) => ({
  name: d.name,
  columns: d.columns,
  keys: d.keys,
  createdAt: iso(d.createdAt),
});
