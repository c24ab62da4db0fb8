import { parseArgs } from 'node:util';
import type { FileInfo } from '@depot/client';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { FILE_HEADER, fileRow } from '../file-format.js';
import { connectionOptions, outputOptions, parsing, positiveInt } from '../parse.js';
import { table } from '../table.js';

const USAGE = `usage: depot ls [--name PREFIX] [--status uploading|complete] [--type TYPE] [--limit N] [options]

Lists your files, newest first: id, name, size, status, creation time.

  --name PREFIX   only names starting with PREFIX (exact case)
  --status S      uploading or complete
  --type TYPE     a media type (text/csv) or its start (text/)
  --limit N       at most N files (default 100)
  --json          one JSON object per file
  --quiet         print only the ids
  --url URL       the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN   bearer token (DEPOT_TOKEN)
`;

const OPTIONS = {
  ...connectionOptions,
  name: { type: 'string' },
  status: { type: 'string' },
  type: { type: 'string' },
  limit: { type: 'string' },
  ...outputOptions,
} as const;

export const ls: Command = {
  name: 'ls',
  summary: 'ls [--name PREFIX] [--status S] [--type T] [--limit N]   list your files',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (positionals.length > 0) throw new UsageError('ls takes no arguments (use --name PREFIX)');
    const status = statusOf(values.status);
    const limit = positiveInt('--limit', values.limit, 100);
    return withClient(values, async ({ client, signal, record, say }) => {
      const found: FileInfo[] = [];
      const query = { name: values.name, status, type: values.type, limit: Math.min(limit, 1000) };
      for await (const f of client.files.all(query, signal)) {
        found.push(f);
        if (found.length === limit) break;
      }
      for (const f of found) record(f);
      if (values.quiet && !values.json) for (const f of found) process.stdout.write(`${f.id}\n`);
      else if (found.length === 0) say('no files');
      else say(table([FILE_HEADER, ...found.map(fileRow)]).trimEnd());
      return EXIT.ok;
    });
  },
};

function statusOf(s: string | undefined): 'uploading' | 'complete' | undefined {
  if (s === undefined || s === 'uploading' || s === 'complete') return s;
  throw new UsageError(`--status must be uploading or complete, got ${s}`);
}
