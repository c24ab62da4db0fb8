import type { DatasetRecord } from '../../ports/dataset-repository.js';
import type { JobRecord } from '../../ports/job-repository.js';

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** A job as the API shows it: no lease or checkpoint internals. */
export const jobView = (j: JobRecord) => ({
  id: j.id,
  type: j.type,
  state: j.state,
  fileId: j.inputFileId,
  params: j.params,
  progress: j.progress,
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
