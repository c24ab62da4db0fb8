import type { ApiContext } from '../api-command.js';
import { EXIT } from '../exit-codes.js';
import { jobOutcome } from '../job-format.js';
import { watchJob } from '../job-watch.js';
import { errorLine } from '../report/reporter.js';

/** `depot jobs wait ID`: follows the job to its end; exit 0 if it completed, else 1. */
export async function waitForJob(ctx: ApiContext, id: string): Promise<number> {
  const job = await watchJob(ctx, id, `job ${id}`);
  ctx.record(job);
  const { ok, line } = jobOutcome(job);
  if (ok) ctx.say(line);
  else errorLine(line);
  return ok ? EXIT.ok : EXIT.failed;
}

/** Ctrl-C while waiting stops the waiting, not the job. */
export const waitInterrupted = (id: string): string =>
  `interrupted; the job goes on on the server (depot jobs wait ${id} to follow it again)`;
