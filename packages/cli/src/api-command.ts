import { DepotClient } from '@depot/client';
import { EXIT, UsageError } from './exit-codes.js';
import { failureCode, failureLine } from './fail.js';
import { interruptSignal } from './interrupt.js';
import { connection } from './parse.js';
import { errorLine } from './report/reporter.js';

/** What a command that talks to the JSON API gets: the client, Ctrl-C, and its output modes. */
export interface ApiContext {
  readonly client: DepotClient;
  readonly url: string;
  /** aborted by Ctrl-C / SIGTERM */
  readonly signal: AbortSignal;
  readonly json: boolean;
  readonly quiet: boolean;
  /** a line for people on stdout (not with --json or --quiet) */
  say(line: string): void;
  /** a JSON line on stdout (only with --json) */
  record(value: unknown): void;
}

export interface ApiFlags {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/**
 * Runs `work` with a client for --url/--token. A failure becomes one line on stderr (and a JSON
 * error line with --json) and exit 1; Ctrl-C exits 130 with `interrupted` (or what it returns then)
 * as the line.
 */
export async function withClient(
  flags: ApiFlags,
  work: (ctx: ApiContext) => Promise<number>,
  interrupted: string | (() => string) = 'interrupted',
): Promise<number> {
  const conn = connection(flags);
  if (!conn.token) throw new UsageError('no token: pass --token TOKEN or set DEPOT_TOKEN');
  const json = flags.json === true;
  const quiet = flags.quiet === true;
  const interrupt = interruptSignal();
  const ctx: ApiContext = {
    client: new DepotClient({ url: conn.url, token: conn.token }),
    url: conn.url,
    signal: interrupt.signal,
    json,
    quiet,
    say: (line) => {
      if (!json && !quiet) process.stdout.write(`${line}\n`);
    },
    record: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
  };
  try {
    return await work(ctx);
  } catch (err) {
    if (interrupt.interrupted()) {
      errorLine(typeof interrupted === 'string' ? interrupted : interrupted());
      return EXIT.interrupted;
    }
    const message = failureLine(err, conn.url);
    ctx.record({ ok: false, error: { code: failureCode(err), message } });
    errorLine(message);
    return EXIT.failed;
  } finally {
    interrupt.dispose();
  }
}
