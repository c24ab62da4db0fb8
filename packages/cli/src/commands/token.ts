import { parseArgs } from 'node:util';
import type { TokenInfo } from '@depot/client';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { connectionOptions, outputOptions, parsing, size } from '../parse.js';
import { table } from '../table.js';

const USAGE = `usage: depot token create NAME [--owner OWNER] [--quota SIZE]
       depot token ls
       depot token revoke ID

Manages API tokens (needs the admin token). create prints the new token once, on stdout.

  --owner OWNER   whose files the token sees (default: NAME); tokens of one owner share files
  --quota SIZE    storage quota of the owner, e.g. 50GiB (default: the server's DEPOT_QUOTA)
  --json          JSON lines instead of text
  --quiet         print nothing but errors (and the new token)
  --url URL       the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN   the admin token (DEPOT_TOKEN)

Exit codes: 0 done, 1 failed (the server's error is printed), 2 usage error.
`;

const OPTIONS = {
  ...connectionOptions,
  owner: { type: 'string' },
  quota: { type: 'string' },
  ...outputOptions,
} as const;

const quotaOf = (t: TokenInfo): string => (t.admin ? 'admin' : t.quota === null ? 'default' : `${t.quota} B`);

export const token: Command = {
  name: 'token',
  summary: 'token create NAME [--owner O] [--quota SIZE] | ls | revoke ID   manage API tokens (admin)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    const [sub, ...rest] = positionals;
    const one = (what: string) => {
      if (rest.length !== 1) throw new UsageError(`token ${sub} takes one ${what}`);
      return rest[0] as string;
    };
    switch (sub) {
      case 'create': {
        const name = one('NAME');
        const quota = size('--quota', values.quota, undefined);
        return withClient(values, async ({ client, record }) => {
          const t = await client.tokens.create({ name, owner: values.owner, quota });
          if (values.json) record(t);
          else {
            if (!values.quiet)
              process.stderr.write(
                `created token ${t.id} (name ${t.name}, owner ${t.owner}, quota ${quotaOf(t)}); shown once, keep it:\n`,
              );
            process.stdout.write(`${t.token}\n`);
          }
          return EXIT.ok;
        });
      }
      case 'ls': {
        if (rest.length !== 0) throw new UsageError('token ls takes no arguments');
        return withClient(values, async ({ client, record, say }) => {
          const tokens = await client.tokens.list();
          for (const t of tokens) record(t);
          const rows = tokens.map((t) => [
            t.id,
            t.name,
            t.owner,
            quotaOf(t),
            t.createdAt,
            t.revokedAt ? `revoked ${t.revokedAt}` : 'live',
          ]);
          say(table([['ID', 'NAME', 'OWNER', 'QUOTA', 'CREATED', 'STATUS'], ...rows]).trimEnd());
          return EXIT.ok;
        });
      }
      case 'revoke': {
        const id = one('ID');
        return withClient(values, async ({ client, record, say }) => {
          await client.tokens.revoke(id);
          record({ id, revoked: true });
          say(`revoked ${id}`);
          return EXIT.ok;
        });
      }
      default:
        throw new UsageError(sub === undefined ? 'token needs a subcommand' : `unknown token command ${sub}`);
    }
  },
};
