import { callApi } from './api.js';
import { connection, parseArgs, UsageError } from './options.js';

interface TokenJson {
  id: string;
  name: string;
  owner: string;
  admin: boolean;
  quota: number | null;
  createdAt: string;
  revokedAt: string | null;
  token?: string;
}

export const TOKEN_USAGE = `usage: depot token create NAME [--owner OWNER] [--quota SIZE]
       depot token ls
       depot token revoke ID
options: --url URL (DEPOT_URL), --token ADMIN_TOKEN (DEPOT_TOKEN)
`;

/** `depot token …` (admin): issue, list and revoke API tokens. Returns the exit code. */
export async function tokenCommand(args: readonly string[]): Promise<number> {
  const { positionals, options } = parseArgs(args, ['url', 'token', 'owner', 'quota']);
  const [sub, ...rest] = positionals;
  const conn = () => connection(options);
  switch (sub) {
    case 'create': {
      if (rest.length !== 1) throw new UsageError('token create takes one NAME');
      const quotaText = options.get('quota');
      const quota =
        quotaText === undefined ? undefined : (await import('@depot/server')).parseSize(quotaText);
      if (quotaText !== undefined && quota === undefined)
        throw new UsageError(`--quota ${quotaText} is not a size`);
      const t = (await callApi(conn(), 'POST', '/api/tokens', {
        name: rest[0],
        owner: options.get('owner'),
        quota,
      })) as TokenJson;
      process.stderr.write(
        `created token ${t.id} (name ${t.name}, owner ${t.owner}, quota ${quotaOf(t)}); shown once, keep it:\n`,
      );
      process.stdout.write(`${t.token}\n`);
      return 0;
    }
    case 'ls': {
      if (rest.length !== 0) throw new UsageError('token ls takes no arguments');
      const { tokens } = (await callApi(conn(), 'GET', '/api/tokens')) as { tokens: TokenJson[] };
      const rows = tokens.map((t) => [
        t.id,
        t.name,
        t.owner,
        t.admin ? 'admin' : quotaOf(t),
        t.createdAt,
        t.revokedAt ? `revoked ${t.revokedAt}` : 'live',
      ]);
      process.stdout.write(columns([['ID', 'NAME', 'OWNER', 'QUOTA', 'CREATED', 'STATUS'], ...rows]));
      return 0;
    }
    case 'revoke': {
      if (rest.length !== 1) throw new UsageError('token revoke takes one ID');
      await callApi(conn(), 'DELETE', `/api/tokens/${encodeURIComponent(rest[0] as string)}`);
      process.stdout.write(`revoked ${rest[0]}\n`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'token needs a subcommand' : `unknown token command ${sub}`);
  }
}

const quotaOf = (t: TokenJson): string => (t.quota === null ? 'default' : `${t.quota} B`);

function columns(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
