import type { Job } from '@depot/client';
import type { ApiContext } from './api-command.js';
import { bar } from './format.js';
import { jobProgress } from './job-format.js';

const PLAIN_EVERY_MS = 2_000;

/**
 * Waits for job `id` to end, showing its progress: a bar redrawn on stderr on a terminal, a line
 * on stdout every 2 s (and at each change of state) in a pipe, nothing with --json or --quiet.
 */
export async function watchJob(
  ctx: Pick<ApiContext, 'client' | 'signal' | 'json' | 'quiet'>,
  id: string,
  label: string,
): Promise<Job> {
  const show = !ctx.json && !ctx.quiet;
  const tty = show && process.stderr.isTTY === true;
  let lastState = '';
  let lastLine = 0;
  let drawn = false;
  const update = (j: Job) => {
    if (tty) {
      const width = Math.max(40, (process.stderr.columns || 80) - 1);
      const line = `${label} ${bar(j.progress.bytesDone, j.progress.bytesTotal, 20)} ${j.state} ${jobProgress(j)}`;
      process.stderr.write(`\r\x1b[K${line.slice(0, width)}`);
      drawn = true;
    } else if (show && (j.state !== lastState || Date.now() - lastLine >= PLAIN_EVERY_MS)) {
      process.stdout.write(`${label}: ${j.state} ${jobProgress(j)}\n`);
      lastLine = Date.now();
    }
    lastState = j.state;
  };
  try {
    return await ctx.client.jobs.wait(id, { signal: ctx.signal, interval: 250, onProgress: update });
  } finally {
    if (drawn) process.stderr.write('\r\x1b[K');
  }
}
