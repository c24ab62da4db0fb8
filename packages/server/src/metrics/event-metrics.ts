import type { EventBus } from '../core/events.js';
import { outputFileId } from '../core/jobs/job-output.js';
import type { JobRecord } from '../ports/job-repository.js';
import type { UploadRecord } from '../ports/metadata-store.js';
import type { DepotMetrics } from './depot-metrics.js';

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/** A job's output is stored as a finished file too; it was not uploaded, so it is not counted. */
const isJobOutput = (u: UploadRecord): boolean =>
  typeof u.metadata.job === 'string' && u.id === outputFileId(u.metadata.job);

/**
 * Counts what the core announces on its event bus: uploads, job states and durations, rows read.
 * Returns the function that stops listening.
 */
export function observeEvents(events: EventBus, m: DepotMetrics): () => void {
  // Rows are counted from live progress: the rows a job running here had read at its last
  // announcement. A run starts from its checkpoint's count, so each row read is counted once a run.
  const rowsSeen = new Map<string, number>();
  const countRows = (job: JobRecord) => {
    const seen = rowsSeen.get(job.id);
    if (seen === undefined) return;
    const rows = job.progress.rowsDone;
    if (rows > seen) {
      m.rowsProcessed.inc({ type: job.type }, rows - seen);
      rowsSeen.set(job.id, rows);
    }
  };
  const onJobChanged = (job: JobRecord) => {
    m.jobs.inc({ type: job.type, state: job.state });
    if (job.state === 'running') {
      rowsSeen.set(job.id, job.progress.rowsDone);
      return;
    }
    countRows(job);
    rowsSeen.delete(job.id);
    if (ENDED.has(job.state) && job.startedAt !== null && job.finishedAt !== null) {
      m.jobDuration.observe({ type: job.type, state: job.state }, (job.finishedAt - job.startedAt) / 1000);
    }
  };
  const stops = [
    events.on('upload.created', () => m.uploadsCreated.inc()),
    events.on('upload.finished', (u) => {
      if (!isJobOutput(u)) m.uploadsFinished.inc();
    }),
    events.on('upload.terminated', () => m.uploadsTerminated.inc()),
    events.on('upload.expired', () => m.uploadsExpired.inc()),
    events.on('job.changed', onJobChanged),
    events.on('job.progress', countRows),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
