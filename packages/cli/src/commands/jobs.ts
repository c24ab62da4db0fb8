import { parseArgs } from 'node:util';
import { FINAL_JOB_STATES, type JobState } from '@depot/client';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { jobDetails } from '../job-format.js';
import { listErrors } from '../jobs/errors.js';
import { listJobs } from '../jobs/list.js';
import { waitForJob, waitInterrupted } from '../jobs/wait.js';
import { connectionOptions, outputOptions, parsing, positiveInt } from '../parse.js';

const USAGE = `usage: depot jobs [ls] [--state S[,S…]] [--type TYPE] [--limit N]
       depot jobs show ID | pause ID | resume ID | cancel ID
       depot jobs wait ID
       depot jobs errors ID [--csv]

Your background jobs. ls lists them newest first; show prints one; pause, resume and cancel
answer once the server has done it; wait follows a job with a progress bar until it ends (exit 0
if it completed, 1 if it failed or was cancelled; Ctrl-C stops waiting, not the job); errors
prints the job's bad rows (ROW: REASON: RAW, or CSV with --csv).

  --state S       ls: queued, running, paused, completed, failed, cancelled (comma-separated)
  --type TYPE     ls: csv-report or csv-import
  --limit N       ls: at most N jobs (default 50)
  --csv           errors: as CSV (row,raw,reason)
  --json          JSON lines (one per job or bad row)
  --quiet         print nothing but errors (ls: only the ids)
  --url URL       the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN   bearer token (DEPOT_TOKEN)

Exit codes: 0 done, 1 failed, 2 usage error, 130 interrupted.
`;

const OPTIONS = {
  ...connectionOptions,
  state: { type: 'string' },
  type: { type: 'string' },
  limit: { type: 'string' },
  csv: { type: 'boolean' },
  ...outputOptions,
} as const;

const STATES: readonly string[] = ['queued', 'running', 'paused', ...FINAL_JOB_STATES];
const CONTROLS = ['pause', 'resume', 'cancel'] as const;

export const jobs: Command = {
  name: 'jobs',
  summary: 'jobs [ls | show ID | pause ID | resume ID | cancel ID | wait ID | errors ID]   your jobs',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    const [sub = 'ls', ...rest] = positionals;
    if (sub === 'ls') {
      if (rest.length > 0) throw new UsageError('jobs ls takes no arguments');
      const states = values.state?.split(',').filter((s) => s !== '');
      const bad = states?.find((s) => !STATES.includes(s));
      if (bad !== undefined) throw new UsageError(`--state: unknown state ${bad} (${STATES.join(', ')})`);
      const limit = positiveInt('--limit', values.limit, 50);
      return withClient(values, (ctx) =>
        listJobs(ctx, { states: states as JobState[] | undefined, type: values.type, limit }),
      );
    }
    if (rest.length !== 1) throw new UsageError(`jobs ${sub} takes one job ID`);
    const id = rest[0] as string;
    switch (sub) {
      case 'show':
        return withClient(values, async (ctx) => {
          const job = await ctx.client.jobs.get(id, ctx.signal);
          ctx.record(job);
          ctx.say(jobDetails(job).trimEnd());
          return EXIT.ok;
        });
      case 'pause':
      case 'resume':
      case 'cancel':
        return withClient(values, async (ctx) => {
          const job = await ctx.client.jobs[sub](id, ctx.signal);
          ctx.record(job);
          ctx.say(`job ${id} ${job.state}`);
          return EXIT.ok;
        });
      case 'wait':
        return withClient(values, (ctx) => waitForJob(ctx, id), waitInterrupted(id));
      case 'errors':
        return withClient(values, (ctx) => listErrors(ctx, id, values.csv === true));
      default:
        throw new UsageError(`unknown jobs command ${sub} (ls, show, ${CONTROLS.join(', ')}, wait, errors)`);
    }
  },
};
