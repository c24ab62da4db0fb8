import { parseArgs } from 'node:util';
import { WEBHOOK_EVENTS, type WebhookEvent } from '@depot/client';
import { withClient } from '../api-command.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { connectionOptions, outputOptions, parsing, positiveInt } from '../parse.js';
import { table } from '../table.js';
import { listDeliveries } from '../webhooks/deliveries.js';

const USAGE = `usage: depot webhooks add URL --event EVENT[,EVENT…]
       depot webhooks ls
       depot webhooks rm ID...
       depot webhooks deliveries ID [--limit N]

Your webhooks: Depot POSTs a signed JSON event to URL when it happens (docs/webhooks.md).
add prints the signing secret once, on stdout; ls lists your webhooks; rm deletes them with
their logs; deliveries shows the delivery log, newest first, one line per attempt (the
receiver's status or the error, how long it took, when the next attempt is due).

  --event EVENT   add: ${WEBHOOK_EVENTS.join(', ')}, or all (comma-separated, repeatable)
  --limit N       deliveries: at most N deliveries (default 20)
  --json          JSON lines (one per webhook or delivery)
  --quiet         print nothing but errors (and the new secret)
  --url URL       the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN   bearer token (DEPOT_TOKEN)

Exit codes: 0 done, 1 failed (the server's error is printed), 2 usage error.
`;

const OPTIONS = {
  ...connectionOptions,
  event: { type: 'string', multiple: true },
  limit: { type: 'string' },
  ...outputOptions,
} as const;

/** --event values: comma lists, repeatable, `all` for every event. */
function events(values: readonly string[] | undefined): WebhookEvent[] {
  const named = (values ?? []).flatMap((v) => v.split(',')).filter((e) => e !== '');
  if (named.length === 0) throw new UsageError('webhooks add needs --event EVENT');
  if (named.includes('all')) return [...WEBHOOK_EVENTS];
  // Unknown names go to the server as they are: its 400 lists the known ones.
  return [...new Set(named)] as WebhookEvent[];
}

export const webhooks: Command = {
  name: 'webhooks',
  summary: 'webhooks add URL --event E | ls | rm ID... | deliveries ID   event callbacks',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    const [sub = 'ls', ...rest] = positionals;
    switch (sub) {
      case 'add': {
        if (rest.length !== 1) throw new UsageError('webhooks add takes one URL');
        const input = { url: rest[0] as string, events: events(values.event) };
        return withClient(values, async ({ client, record, signal }) => {
          const hook = await client.webhooks.create(input, signal);
          if (values.json) record(hook);
          else {
            if (!values.quiet)
              process.stderr.write(
                `created webhook ${hook.id} for ${hook.events.join(', ')}; its signing secret, shown once:\n`,
              );
            process.stdout.write(`${hook.secret}\n`);
          }
          return EXIT.ok;
        });
      }
      case 'ls': {
        if (rest.length !== 0) throw new UsageError('webhooks ls takes no arguments');
        return withClient(values, async ({ client, record, say, quiet, signal }) => {
          const hooks = await client.webhooks.list(signal);
          for (const h of hooks) record(h);
          if (quiet && !values.json) for (const h of hooks) process.stdout.write(`${h.id}\n`);
          // OWNER matters to an admin, whose list holds every owner's webhooks
          const rows = hooks.map((h) => [h.id, h.owner, h.events.join(','), h.createdAt, h.url]);
          say(table([['ID', 'OWNER', 'EVENTS', 'CREATED', 'URL'], ...rows]).trimEnd());
          return EXIT.ok;
        });
      }
      case 'rm': {
        if (rest.length === 0) throw new UsageError('webhooks rm takes one or more IDs');
        return withClient(values, async ({ client, record, say, signal }) => {
          for (const id of rest) {
            await client.webhooks.remove(id, signal);
            record({ id, removed: true });
            say(`removed ${id}`);
          }
          return EXIT.ok;
        });
      }
      case 'deliveries': {
        if (rest.length !== 1) throw new UsageError('webhooks deliveries takes one ID');
        const limit = positiveInt('--limit', values.limit, 20);
        return withClient(values, (ctx) => listDeliveries(ctx, rest[0] as string, limit));
      }
      default:
        throw new UsageError(`unknown webhooks command ${sub}`);
    }
  },
};
