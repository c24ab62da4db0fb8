import type { Job, JobState } from '@depot/client';
import type { ApiContext } from '../api-command.js';
import { EXIT } from '../exit-codes.js';
import { JOB_HEADER, jobRow } from '../job-format.js';
import { table } from '../table.js';

/** `depot jobs ls`: your jobs, newest first, up to `limit`, page after page. */
export async function listJobs(
  ctx: ApiContext,
  query: { states?: JobState[]; type?: string; limit: number },
): Promise<number> {
  const found: Job[] = [];
  let before: string | undefined;
  do {
    const page = await ctx.client.jobs.list(
      { state: query.states, type: query.type, limit: Math.min(500, query.limit - found.length), before },
      ctx.signal,
    );
    found.push(...page.jobs);
    before = page.next ?? undefined;
  } while (before !== undefined && found.length < query.limit);
  for (const j of found) ctx.record(j);
  if (ctx.quiet && !ctx.json) for (const j of found) process.stdout.write(`${j.id}\n`);
  else if (found.length === 0) ctx.say('no jobs');
  else ctx.say(table([JOB_HEADER, ...found.map(jobRow)]).trimEnd());
  return EXIT.ok;
}
