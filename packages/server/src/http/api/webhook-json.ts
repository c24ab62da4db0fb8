import type { DeliveryLog } from '../../core/webhooks/webhook-service.js';
import type { DeliveryAttempt, WebhookRecord } from '../../ports/webhook-repository.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A webhook as the API lists it: never its secret. */
export const webhookJson = (h: WebhookRecord) => ({
  id: h.id,
  url: h.url,
  events: h.events,
  owner: h.owner,
  createdAt: iso(h.createdAt),
});

const attemptJson = (a: DeliveryAttempt) => ({
  attempt: a.attempt,
  at: iso(a.at),
  durationMs: a.durationMs,
  status: a.status,
  error: a.error,
  nextAttemptAt: iso(a.nextAttemptAt),
});

/** The delivery log: each delivery with every attempt it took. */
export const deliveryLogJson = (log: DeliveryLog) => ({
  deliveries: log.deliveries.map((d) => ({
    id: d.id,
    eventId: d.eventId,
    event: d.eventType,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    log: d.log.map(attemptJson),
  })),
  next: log.next,
});
