import type { DeliveryAttempt, WebhookDelivery } from '@depot/client';
import type { ApiContext } from '../api-command.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../table.js';

/** What one attempt got back: the status, or why there was none. */
const result = (a: DeliveryAttempt): string => (a.status !== null ? String(a.status) : (a.error ?? '-'));

/** One row per attempt (a delivery not tried yet gets one row of its own), newest delivery first. */
function rows(d: WebhookDelivery): string[][] {
  if (d.log.length === 0) return [[d.id, d.event, d.state, '-', '-', '-', '-', d.nextAttemptAt ?? '-']];
  return d.log.map((a) => [
    d.id,
    d.event,
    d.state,
    String(a.attempt),
    a.at,
    result(a),
    `${a.durationMs}ms`,
    a.nextAttemptAt ?? '-',
  ]);
}

/** `depot webhooks deliveries ID`: the delivery log, every attempt with its outcome. */
export async function listDeliveries(ctx: ApiContext, id: string, limit: number): Promise<number> {
  const page = await ctx.client.webhooks.deliveries(id, { limit }, ctx.signal);
  for (const d of page.deliveries) ctx.record(d);
  const header = ['DELIVERY', 'EVENT', 'STATE', 'ATTEMPT', 'AT', 'RESULT', 'TOOK', 'NEXT'];
  ctx.say(table([header, ...page.deliveries.flatMap(rows)]).trimEnd());
  return EXIT.ok;
}
