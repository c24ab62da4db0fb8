import type { DepotClient, Job } from '@depot/client';
import { UsageError } from './exit-codes.js';
import { sleep } from './sleep.js';

/** `--process TYPE --param k=v …` as the upload's tus metadata (the server makes them the job's params). */
export function processMetadata(type: string | undefined, params: readonly string[]): Record<string, string> {
  if (type === undefined) {
    if (params.length > 0) throw new UsageError('--param needs --process TYPE');
    return {};
  }
  const meta: Record<string, string> = { process: type };
  for (const p of params) {
    const m = /^([^=\s,]+)=(.*)$/s.exec(p);
    if (!m || ['process', 'filename', 'filetype'].includes(m[1] as string))
      throw new UsageError(`--param must be KEY=VALUE (not process, filename or filetype), got ${p}`);
    meta[m[1] as string] = m[2] as string;
  }
  // the server would take the upload and then refuse its job: say so before a byte is sent
  if (type === 'csv-import' && !meta.dataset)
    throw new UsageError('--process csv-import needs --param dataset=NAME');
  return meta;
}

const FIND_FOR_MS = 10_000;

/**
 * The job the server started for a finished upload with `process=TYPE` (it starts it just after
 * the upload's last byte): looked for among the newest jobs of that type, for up to 10 s.
 */
export async function findJobFor(
  client: DepotClient,
  fileId: string,
  type: string,
  signal: AbortSignal,
): Promise<Job | undefined> {
  const until = Date.now() + FIND_FOR_MS;
  for (;;) {
    const { jobs } = await client.jobs.list({ type, limit: 100 }, signal);
    const job = jobs.find((j) => j.fileId === fileId);
    if (job || Date.now() > until) return job;
    await sleep(100, signal);
  }
}
