import type { Selectable } from 'kysely';
import type {
  DeliveryAttempt,
  DeliveryRecord,
  DeliveryState,
  WebhookEventType,
  WebhookRecord,
} from '../../ports/webhook-repository.js';
import { num, numOrNull } from './rows.js';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhooksTable } from './schema.js';

export const toWebhook = (row: Selectable<WebhooksTable>): WebhookRecord => ({
  id: row.id,
  owner: row.owner,
  url: row.url,
  events: JSON.parse(row.events) as WebhookEventType[],
  secret: row.secret,
  createdAt: num(row.created_at),
});

export const toDelivery = (row: Selectable<WebhookDeliveriesTable>): DeliveryRecord => ({
  id: row.id,
  webhookId: row.webhook_id,
  owner: row.owner,
  eventId: row.event_id,
  eventType: row.event_type as WebhookEventType,
  body: row.body,
  state: row.state as DeliveryState,
  attempts: num(row.attempts),
  nextAttemptAt: numOrNull(row.next_attempt_at),
  lease: row.lease,
  leaseUntil: numOrNull(row.lease_until),
  createdAt: num(row.created_at),
  updatedAt: num(row.updated_at),
});

export const fromDelivery = (d: DeliveryRecord): Selectable<WebhookDeliveriesTable> => ({
  id: d.id,
  webhook_id: d.webhookId,
  owner: d.owner,
  event_id: d.eventId,
  event_type: d.eventType,
  body: d.body,
  state: d.state,
  attempts: d.attempts,
  next_attempt_at: d.nextAttemptAt,
  lease: d.lease,
  lease_until: d.leaseUntil,
  created_at: d.createdAt,
  updated_at: d.updatedAt,
});

export const toAttempt = (row: Selectable<WebhookAttemptsTable>): DeliveryAttempt => ({
  deliveryId: row.delivery_id,
  attempt: num(row.attempt),
  at: num(row.at),
  durationMs: num(row.duration_ms),
  status: row.status === null ? null : num(row.status),
  error: row.error,
  nextAttemptAt: numOrNull(row.next_attempt_at),
});
