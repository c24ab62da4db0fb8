import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { JobRecord } from '../../ports/job-repository.js';
import type { UploadRecord } from '../../ports/metadata-store.js';
import { errors } from '../errors.js';
import type { JobDeps } from './job-deps.js';

/**
 * The id of a job's output file, derived from the job's: a worker that died while storing the
 * output finds (and replaces) what it had begun, and nothing is left to a second id.
 */
export const outputFileId = (jobId: string): string =>
  createHash('sha256').update(`depot-job-output:${jobId}`).digest('hex').slice(0, 32);

/**
 * Stores a finished output as a file like any other: a finished upload owned by the job's owner,
 * with its sha256, downloadable from GET /files/:id.
 */
export async function storeOutput(
  deps: JobDeps,
  job: JobRecord,
  file: { path: string; size: number; sha256: string },
): Promise<UploadRecord> {
  const id = outputFileId(job.id);
  const { blobs } = deps.storage;
  await deps.store.uploads.delete(id);
  await blobs.remove(id);
  await blobs.create(id);
  const written = await blobs.write(id, 0, createReadStream(file.path), { limit: file.size });
  if (written.bytes !== file.size || written.interrupted) {
    throw errors.internal(
      `storing the output of job ${job.id} stopped at ${written.bytes} of ${file.size} bytes`,
    );
  }
  // Finished like any upload before it is recorded as a file: on S3 that completes the multipart
  // upload (left open, a bucket's rule for abandoned uploads would delete the output).
  await deps.storage.seal?.seal(id);
  const t = deps.now();
  const input = await deps.store.uploads.get(job.inputFileId);
  const base = String(input?.metadata.filename ?? job.inputFileId).replace(/\.csv$/i, '');
  const name = `${base}-${job.type}.csv`;
  const upload: UploadRecord = {
    id,
    owner: job.owner,
    name,
    type: 'text/csv',
    length: file.size,
    offset: file.size,
    metadata: { filename: name, filetype: 'text/csv', job: job.id },
    concat: null,
    parts: null,
    createdAt: t,
    updatedAt: t,
    expiresAt: null,
    finishedAt: t,
    sha256: file.sha256,
  };
  await deps.store.uploads.insert(upload);
  return upload;
}

/** Removes a stored output (the job was cancelled while it was being stored). */
export async function removeOutput(deps: JobDeps, jobId: string): Promise<void> {
  const id = outputFileId(jobId);
  await deps.store.uploads.delete(id);
  await deps.storage.blobs.remove(id);
}
