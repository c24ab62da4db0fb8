import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { bytes } from '../format.js';
import { jobOutcome } from '../job-format.js';
import { watchJob } from '../job-watch.js';
import { waitInterrupted } from '../jobs/wait.js';
import { connectionOptions, outputOptions, parsing } from '../parse.js';
import { chooseReporter } from '../report/choose.js';
import { errorLine } from '../report/reporter.js';

const USAGE = `usage: depot report INPUT.csv -o OUTPUT.csv [options]

Uploads INPUT.csv (Song,Date,Number of Plays), runs a csv-report job on the server, follows it
with a progress bar, and downloads the report (Song,Date,Total Number of Plays for Date) to
OUTPUT.csv. Bad rows are counted; list them with depot jobs errors JOB_ID.
Ctrl-C during the upload keeps it resumable (run the same command again); during the job, the
job goes on on the server (depot jobs wait JOB_ID, then depot download OUTPUT_ID).

  -o, --output PATH   where to write the report (required)
  --json              one JSON object with the ids and the result
  --quiet             print nothing but errors
  --url URL           the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN       bearer token (DEPOT_TOKEN)

Exit codes: 0 done, 1 failed, 2 usage error, 130 interrupted.
`;

const OPTIONS = {
  ...connectionOptions,
  output: { type: 'string', short: 'o' },
  ...outputOptions,
} as const;

export const report: Command = {
  name: 'report',
  summary: 'report INPUT.csv -o OUTPUT.csv   upload, run csv-report, download the result',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (positionals.length !== 1) throw new UsageError('report takes exactly one INPUT.csv');
    const output = values.output;
    if (!output) throw new UsageError('give the report a destination with -o OUTPUT.csv');
    const input = positionals[0] as string;
    let interrupted = 'interrupted; run the same command again to resume the upload';
    return withClient(
      values,
      async (ctx) => {
        const st = await stat(input).catch(() => undefined);
        if (!st?.isFile()) {
          errorLine(`${input}: ${st ? 'not a regular file' : 'no such file'}`);
          return EXIT.failed;
        }
        // --json: the one result object below, no per-file line
        await ctx.client.probe(ctx.signal); // no server there: one line now, not after retries
        const reporter = chooseReporter({ quiet: values.quiet || values.json }, st.size, 1);
        reporter.start(input, st.size);
        const file = await ctx.client.upload(input, {
          signal: ctx.signal,
          onProgress: (p) => reporter.progress(input, p),
        });
        reporter.done(input, `${input} -> ${file.id} (${bytes(file.size)})`, {});
        const created = await ctx.client.jobs.create({ type: 'csv-report', fileId: file.id }, ctx.signal);
        interrupted = waitInterrupted(created.id);
        const job = await watchJob(ctx, created.id, `report ${created.id}`);
        const outcome = jobOutcome(job);
        if (!outcome.ok || job.outputFileId === null) {
          ctx.record({ input, fileId: file.id, job, ok: false });
          errorLine(outcome.line);
          return EXIT.failed;
        }
        interrupted = `interrupted; ${output} is kept: depot download ${job.outputFileId} -o ${output} continues it`;
        await mkdir(path.dirname(output), { recursive: true });
        const got = await ctx.client.download(job.outputFileId, output, { signal: ctx.signal });
        ctx.record({ input, fileId: file.id, job, output: got.path, size: got.size, ok: true });
        const bad = job.progress.errorCount;
        const errors = bad > 0 ? ` (depot jobs errors ${job.id} lists them)` : '';
        ctx.say(
          `${output}: ${job.progress.rowsDone} rows read, ${bad} bad${errors}; report ${bytes(got.size)}`,
        );
        return EXIT.ok;
      },
      () => interrupted,
    );
  },
};
