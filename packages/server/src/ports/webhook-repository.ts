/** The events a webhook may subscribe to. */
export const WEBHOOK_EVENTS = ['upload.finished', 'job.completed', 'job.failed', 'job.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** A registered receiver. Times are ms since the epoch. */
export interface WebhookRecord {
  readonly id: string;
  readonly owner: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  /** the signing key: shown once at creation, kept to sign every delivery */
  readonly secret: string;
  readonly createdAt: number;
}

/** pending: waiting for its next attempt; delivered: a 2xx came back; failed: retries ran out */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One event to send to one webhook, with its retry schedule. */
export interface DeliveryRecord {
  readonly id: string;
  readonly webhookId: string;
  readonly owner: string;
  /** the event's own id: the same for every webhook it goes to, and for every retry */
  readonly eventId: string;
  readonly eventType: WebhookEventType;
  /** the exact JSON body, so every attempt sends (and signs) the same bytes */
  readonly body: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** when the next attempt is due; null once delivered or failed */
  readonly nextAttemptAt: number | null;
  /** the dispatcher run sending it now, and until when that claim holds (null when none) */
  readonly lease: string | null;
  readonly leaseUntil: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What one attempt saw: an HTTP status, or an error (timeout, refused, DNS…). */
export interface DeliveryAttempt {
  readonly deliveryId: string;
  /** 1 for the first attempt */
  readonly attempt: number;
  readonly at: number;
  readonly durationMs: number;
  readonly status: number | null;
  readonly error: string | null;
  /** when the attempt after this one is due; null when this was the last */
  readonly nextAttemptAt: number | null;
}

/** A delivery's new state after an attempt. */
export interface DeliveryOutcome {
  readonly state: DeliveryState;
  readonly nextAttemptAt: number | null;
  readonly attempt: DeliveryAttempt;
}

export interface DeliveryPage {
  readonly webhookId: string;
  /** start after this delivery (the last of the previous page; newest first) */
  readonly before?: { readonly createdAt: number; readonly id: string };
  readonly limit: number;
}

export interface WebhookRepository {
  insert(hook: WebhookRecord): Promise<void>;
  get(id: string): Promise<WebhookRecord | undefined>;
  /** Newest first; every owner's when `owner` is undefined. */
  list(owner: string | undefined): Promise<WebhookRecord[]>;
  /** Removes the webhook with its deliveries and their attempts; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** An owner's webhooks that subscribe to `event`. */
  subscribers(owner: string, event: WebhookEventType): Promise<WebhookRecord[]>;

  /** Stores new deliveries; one that repeats a (webhook, event) pair already stored is skipped. */
  enqueue(deliveries: readonly DeliveryRecord[]): Promise<void>;
  /**
   * Claims up to `limit` pending deliveries that are due at `now` and that no live claim holds:
   * each is a compare-and-set, so of several nodes claiming at once, one wins each delivery.
   * The claim holds until `leaseUntil`; after that (its node died) another may take it. With
   * `share`, no webhook gets more than `perWebhook` in flight (counting `inFlight`), oldest first.
   */
  claimDue(
    now: number,
    lease: string,
    leaseUntil: number,
    limit: number,
    share?: ClaimShare,
  ): Promise<DeliveryRecord[]>;
  /** Records an attempt and the delivery's new state, if `lease` still holds it; false if not. */
  settle(id: string, lease: string, outcome: DeliveryOutcome, now: number): Promise<boolean>;
  /** Gives a claim back unattempted (shutdown), so the delivery is due again at once. */
  release(id: string, lease: string): Promise<void>;
  /**
   * Removes up to `limit` delivered or failed deliveries last changed before `before`, with their
   * attempts (the log's retention). Returns how many it removed.
   */
  prune(before: number, limit: number): Promise<number>;
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  /** One page of a webhook's deliveries, newest first. */
  listDeliveries(page: DeliveryPage): Promise<DeliveryRecord[]>;
  /** The attempts of these deliveries, oldest first. */
  listAttempts(deliveryIds: readonly string[]): Promise<DeliveryAttempt[]>;
}

/** How a claim shares the sending slots among webhooks (see claimDue). */
export interface ClaimShare {
  readonly perWebhook: number;
  /** deliveries in flight here, by webhook id */
  readonly inFlight: ReadonlyMap<string, number>;
}
