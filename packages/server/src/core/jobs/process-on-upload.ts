import type { Logger } from 'pino';
import type { EventBus } from '../events.js';
import type { JobService } from './job-service.js';

/**
 * Starts a job for every upload that finishes with `process=TYPE` in its metadata (`depot upload
 * --process TYPE`); other metadata keys become the job's params (e.g. `dataset` for csv-import).
 * Returns the unsubscribe function.
 */
export function processOnUpload(events: EventBus, jobs: JobService, log: Logger): () => void {
  return events.on('upload.finished', (upload) => {
    const type = upload.metadata.process;
    if (!type) return;
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(upload.metadata)) {
      if (k !== 'process' && k !== 'filename' && k !== 'filetype' && v !== null) params[k] = v;
    }
    const actor = { owner: upload.owner, admin: false, tokenId: 'upload' };
    jobs.create(actor, { type, fileId: upload.id, params }).then(
      (job) => log.info({ job: job.id, upload: upload.id, type }, 'job started by upload'),
      (err: unknown) => log.warn({ err, upload: upload.id, type }, 'the job an upload asked for was refused'),
    );
  });
}
