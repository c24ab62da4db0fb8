import type { ApiContext } from '../api-command.js';
import { EXIT } from '../exit-codes.js';

const cell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * `depot jobs errors ID`: every bad row of a job, page after page: `ROW: REASON: RAW` lines,
 * CSV (row,raw,reason) with --csv, or one JSON object per row with --json.
 */
export async function listErrors(ctx: ApiContext, id: string, csv: boolean): Promise<number> {
  let after: number | undefined;
  let count = 0;
  if (csv && !ctx.json) process.stdout.write('row,raw,reason\n');
  do {
    const page = await ctx.client.jobs.errors(id, { after, limit: 1000 }, ctx.signal);
    for (const e of page.errors) {
      count++;
      ctx.record(e);
      if (ctx.json) continue;
      if (csv) process.stdout.write(`${e.row},${cell(e.raw)},${cell(e.reason)}\n`);
      else if (!ctx.quiet) process.stdout.write(`${e.row}: ${e.reason}: ${e.raw}\n`);
    }
    after = page.next ?? undefined;
  } while (after !== undefined);
  if (count === 0 && !csv) ctx.say(`job ${id} has no bad rows`);
  return EXIT.ok;
}
