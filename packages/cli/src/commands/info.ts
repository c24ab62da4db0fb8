import { parseArgs } from 'node:util';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { fileDetails } from '../file-format.js';
import { connectionOptions, outputOptions, parsing } from '../parse.js';

const USAGE = `usage: depot info ID [options]

Shows a file: name, type, size, bytes received, status, sha256, times and metadata.

  --json          the file as the API returns it
  --url URL       the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN   bearer token (DEPOT_TOKEN)
`;

const OPTIONS = { ...connectionOptions, ...outputOptions } as const;

export const info: Command = {
  name: 'info',
  summary: 'info ID   show a file',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (positionals.length !== 1) throw new UsageError('info takes exactly one ID');
    const id = positionals[0] as string;
    return withClient(values, async ({ client, signal, record, say }) => {
      const f = await client.files.info(id, signal);
      record(f);
      say(fileDetails(f).trimEnd());
      return EXIT.ok;
    });
  },
};
