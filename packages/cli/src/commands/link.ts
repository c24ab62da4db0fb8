import { parseArgs } from 'node:util';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { connectionOptions, outputOptions, parsing, seconds } from '../parse.js';

const USAGE = `usage: depot link ID [options]

Prints a URL that downloads the file without a token until it expires: for a browser, or a tool
that cannot send an Authorization header (curl -O, wget, a colleague). Revoking the token that
made it kills the link.

  --expires DURATION  how long the link works: 30s, 15m, 2h, 7d (at most 7d; default 15m)
  --json              {url, expiresAt}
  --url URL           the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN       bearer token (DEPOT_TOKEN)
`;

const OPTIONS = { ...connectionOptions, ...outputOptions, expires: { type: 'string' } } as const;

const MAX_EXPIRES = 7 * 86_400;

export const link: Command = {
  name: 'link',
  summary: 'link ID   print a download link that needs no token',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (positionals.length !== 1) throw new UsageError('link takes exactly one ID');
    const id = positionals[0] as string;
    const expiresIn = seconds('--expires', values.expires);
    // the server's limit, checked here so that it is a usage error and not a refused request
    if (expiresIn !== undefined && expiresIn > MAX_EXPIRES)
      throw new UsageError(`--expires must be from 1s to 7d, got ${values.expires}`);
    return withClient(values, async ({ client, signal, record, say }) => {
      const made = await client.files.link(id, expiresIn === undefined ? {} : { expiresIn }, signal);
      record(made);
      // the URL alone, so `curl -O "$(depot link ID)"` works; --json has the expiry too
      say(made.url);
      return EXIT.ok;
    });
  },
};
