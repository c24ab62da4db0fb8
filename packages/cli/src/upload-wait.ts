import type { DepotClient } from '@depot/client';
import { EXIT } from './exit-codes.js';
import { failureLine } from './fail.js';
import { interruptSignal } from './interrupt.js';
import { jobOutcome } from './job-format.js';
import { watchJob } from './job-watch.js';
import { errorLine } from './report/reporter.js';
import { findJobFor } from './upload-jobs.js';

export interface Uploaded {
  readonly file: string;
  readonly id: string;
}

/**
 * `depot upload --process TYPE --wait`: follows the job the server started for each uploaded
 * file, one after the other. Exit 1 if a job failed, was cancelled or was never started.
 */
export async function waitForUploadJobs(
  client: DepotClient,
  url: string,
  uploads: readonly Uploaded[],
  type: string,
  flags: { json?: boolean; quiet?: boolean },
): Promise<number> {
  const interrupt = interruptSignal();
  const ctx = { client, signal: interrupt.signal, json: flags.json === true, quiet: flags.quiet === true };
  const record = (value: unknown) => {
    if (ctx.json) process.stdout.write(`${JSON.stringify(value)}\n`);
  };
  let failed = 0;
  try {
    for (const u of uploads) {
      const job = await findJobFor(client, u.id, type, ctx.signal);
      if (!job) {
        failed++;
        const message = `${u.file}: the server started no ${type} job for ${u.id} (is ${type} a job type it knows?)`;
        record({ file: u.file, fileId: u.id, ok: false, error: { code: 'ERR_NO_JOB', message } });
        errorLine(message);
        continue;
      }
      const done = await watchJob(ctx, job.id, `${u.file}: job ${job.id}`);
      const { ok, line } = jobOutcome(done);
      record({ file: u.file, fileId: u.id, ok, job: done });
      if (!ok) failed++;
      if (!ok) errorLine(`${u.file}: ${line}`);
      else if (!ctx.json && !ctx.quiet) process.stdout.write(`${u.file}: ${line}\n`);
    }
  } catch (err) {
    if (interrupt.interrupted()) {
      errorLine('interrupted; the jobs go on on the server (depot jobs ls)');
      return EXIT.interrupted;
    }
    errorLine(failureLine(err, url));
    return EXIT.failed;
  } finally {
    interrupt.dispose();
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
