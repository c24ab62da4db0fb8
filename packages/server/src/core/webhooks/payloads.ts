import { createHash } from 'node:crypto';
import type { JobRecord, JobState } from '../../ports/job-repository.js';
import type { UploadRecord } from '../../ports/metadata-store.js';
import type { WebhookEventType } from '../../ports/webhook-repository.js';

const at = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The job states that end a job, and the event each one sends. */
export const JOB_EVENTS: Partial<Record<JobState, WebhookEventType>> = {
  completed: 'job.completed',
  failed: 'job.failed',
  cancelled: 'job.cancelled',
};

/**
 * An event's id: derived from what happened (an upload finishes once, a job ends once), so an
 * event announced twice is still one event, delivered once per webhook.
 */
export const eventId = (type: WebhookEventType, subject: string): string =>
  `evt_${createHash('sha256').update(`${type}:${subject}`).digest('hex').slice(0, 32)}`;

/** `data` of upload.finished: the finished file. */
export const uploadData = (u: UploadRecord) => ({
  id: u.id,
  name: u.name,
  type: u.type,
  size: u.length ?? u.offset,
  sha256: u.sha256,
  metadata: u.metadata,
  createdAt: at(u.createdAt),
  finishedAt: at(u.finishedAt),
});

/** `data` of job.completed / failed / cancelled: the job as it ended. */
export const jobData = (j: JobRecord) => ({
  id: j.id,
  type: j.type,
  state: j.state,
  fileId: j.inputFileId,
  outputFileId: j.outputFileId,
  error: j.error,
  params: j.params,
  progress: j.progress,
  createdAt: at(j.createdAt),
  startedAt: at(j.startedAt),
  finishedAt: at(j.finishedAt),
});

/** The body every delivery of an event POSTs. */
export const eventBody = (id: string, type: WebhookEventType, createdAt: number, data: unknown): string =>
  JSON.stringify({ id, type, createdAt: at(createdAt), data });
