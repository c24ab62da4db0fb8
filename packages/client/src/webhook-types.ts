/** The events a webhook can subscribe to. */
export type WebhookEvent = 'upload.finished' | 'job.completed' | 'job.failed' | 'job.cancelled';

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'upload.finished',
  'job.completed',
  'job.failed',
  'job.cancelled',
];

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly events: WebhookEvent[];
  readonly owner: string;
  readonly createdAt: string;
}

export interface NewWebhook {
  /** http:// or https:// */
  readonly url: string;
  readonly events: readonly WebhookEvent[];
}

/** One attempt of a delivery: the receiver's status, or why there was none. */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly at: string;
  readonly durationMs: number;
  readonly status: number | null;
  readonly error: string | null;
  /** when the next attempt is due; null after the last */
  readonly nextAttemptAt: string | null;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly event: WebhookEvent;
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly log: DeliveryAttempt[];
}

export interface DeliveryPage {
  readonly deliveries: WebhookDelivery[];
  /** pass as `before` for the next page; null at the end */
  readonly next: string | null;
}
