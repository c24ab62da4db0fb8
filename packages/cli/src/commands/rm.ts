import { parseArgs } from 'node:util';
import { isDepotError } from '@depot/client';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { isFatal } from '../describe-error.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { failureCode, failureLine } from '../fail.js';
import { connectionOptions, outputOptions, parsing } from '../parse.js';
import { errorLine } from '../report/reporter.js';

const USAGE = `usage: depot rm ID... [options]

Deletes files (or stops and removes unfinished uploads) and frees their storage. One that
fails does not stop the others; the exit code is 1 if any failed.

  --json          one JSON object per id
  --quiet         print nothing but errors
  --url URL       the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN   bearer token (DEPOT_TOKEN)
`;

const OPTIONS = { ...connectionOptions, ...outputOptions } as const;

export const rm: Command = {
  name: 'rm',
  summary: 'rm ID...   delete files',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (positionals.length === 0) throw new UsageError('rm needs at least one ID');
    return withClient(values, async ({ client, url, signal, record, say }) => {
      let failed = 0;
      for (const id of positionals) {
        try {
          await client.files.delete(id, signal);
          record({ id, ok: true });
          say(`removed ${id}`);
        } catch (err) {
          // no server, a refused token or Ctrl-C: every other id would fail the same way
          if (isFatal(err) || signal.aborted || !isDepotError(err)) throw err;
          failed++;
          const message = `${id}: ${failureLine(err, url)}`;
          record({ id, ok: false, error: { code: failureCode(err), message } });
          errorLine(message);
        }
      }
      return failed > 0 ? EXIT.failed : EXIT.ok;
    });
  },
};
