import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  DeliveryRecord,
  WebhookEventType,
  WebhookRecord,
  WebhookRepository,
} from '../../ports/webhook-repository.js';
import type { WebhookSender } from '../../ports/webhook-sender.js';
import { DEFAULT_RETRY, nextAttemptAt, type RetrySchedule } from './backoff.js';
import { signatureHeader } from './signature.js';

/** What one attempt came to: a 2xx, a failure with a retry ahead, or the last failure. */
export type DeliveryOutcomeLabel = 'delivered' | 'retrying' | 'failed';

export interface DispatcherOptions {
  /** deliveries in flight at once in this process */
  readonly concurrency: number;
  /**
   * of those, to one webhook at most: a receiver that hangs (each attempt waiting out its timeout)
   * or a tenant with a big backlog leaves the other slots to everyone else
   */
  readonly perWebhook: number;
  /** one attempt gives up after this long (a receiver that hangs) */
  readonly attemptTimeoutMs: number;
  /** how often the store is asked for due deliveries (other nodes' events, retries) */
  readonly pollMs: number;
  readonly retry: RetrySchedule;
  /** delivered and failed deliveries leave the log this long after their last attempt */
  readonly retentionMs: number;
  /** an observer of every attempt (metrics: depot_webhook_deliveries_total{event,outcome}) */
  readonly onDelivery?: (event: WebhookEventType, outcome: DeliveryOutcomeLabel) => void;
}

export const DEFAULT_DISPATCHER: DispatcherOptions = {
  concurrency: 8,
  perWebhook: 2,
  attemptTimeoutMs: 10_000,
  pollMs: 1_000,
  retry: DEFAULT_RETRY,
  retentionMs: 30 * 24 * 3_600_000,
};

/** How often a node trims the log, and how many rows one statement removes. */
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 500;

/** A claim outlives the attempt by this much, so a slow settle never lets another node resend. */
const LEASE_MARGIN_MS = 30_000;

export interface DispatcherDeps {
  readonly webhooks: WebhookRepository;
  readonly sender: WebhookSender;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * Sends stored deliveries in the background: claims due ones (a lease in the store, so with
 * several nodes each delivery goes out from one), POSTs them signed with a timeout, and records
 * every attempt with the next one's time. At most `concurrency` are in flight.
 */
export class WebhookDispatcher {
  readonly #deps: DispatcherDeps;
  readonly #opts: DispatcherOptions;
  readonly #inFlight = new Set<Promise<void>>();
  /** attempts in flight by webhook: one receiver that hangs may hold only its share of the slots */
  readonly #perHook = new Map<string, number>();
  readonly #closing = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #claiming: Promise<void> | undefined;
  #again = false;
  #prunedAt = 0;
  #pruning: Promise<void> | undefined;

  constructor(deps: DispatcherDeps, options: Partial<DispatcherOptions> = {}) {
    this.#deps = deps;
    this.#opts = { ...DEFAULT_DISPATCHER, ...options };
  }

  start(): void {
    if (this.#timer || this.#closing.signal.aborted) return;
    this.#timer = setInterval(() => {
      this.wake();
      this.#prune();
    }, this.#opts.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /** Looks for due deliveries now (new ones were stored, or a slot came free). */
  wake(): void {
    if (!this.#timer || this.#closing.signal.aborted) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = this.#fill()
      .catch((err: unknown) => this.#deps.log.error({ err }, 'webhook dispatcher could not claim deliveries'))
      .finally(() => {
        this.#claiming = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Stops claiming, aborts the attempts in flight and hands their deliveries back. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#closing.abort();
    await this.#claiming;
    await this.#pruning;
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /** Trims the log now and then, beside the sending (never holding up a claim). */
  #prune(): void {
    const { webhooks, now, log } = this.#deps;
    if (this.#pruning || now() - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now();
    const before = this.#prunedAt - this.#opts.retentionMs;
    this.#pruning = (async () => {
      let removed = PRUNE_BATCH;
      while (removed === PRUNE_BATCH && !this.#closing.signal.aborted) {
        removed = await webhooks.prune(before, PRUNE_BATCH);
      }
    })()
      .catch((err: unknown) => log.error({ err }, 'could not trim the webhook delivery log'))
      .finally(() => {
        this.#pruning = undefined;
      });
  }

  async #fill(): Promise<void> {
    const { webhooks, now } = this.#deps;
    for (;;) {
      const free = this.#opts.concurrency - this.#inFlight.size;
      if (free <= 0 || this.#closing.signal.aborted) return;
      const t = now();
      const lease = randomUUID();
      const claimed = await webhooks.claimDue(
        t,
        lease,
        t + this.#opts.attemptTimeoutMs + LEASE_MARGIN_MS,
        free,
        {
          perWebhook: this.#opts.perWebhook,
          inFlight: this.#perHook,
        },
      );
      // one lookup per webhook of the batch, not one per delivery
      const hooks = new Map<string, Promise<WebhookRecord | undefined>>();
      for (const id of new Set(claimed.map((d) => d.webhookId))) hooks.set(id, webhooks.get(id));
      for (const d of claimed) {
        const run = this.#attempt(d, lease, hooks.get(d.webhookId)).catch((err: unknown) =>
          this.#deps.log.error({ err, delivery: d.id }, 'could not record a webhook attempt'),
        );
        this.#inFlight.add(run);
        this.#perHook.set(d.webhookId, (this.#perHook.get(d.webhookId) ?? 0) + 1);
        void run.finally(() => {
          this.#inFlight.delete(run);
          const left = (this.#perHook.get(d.webhookId) ?? 1) - 1;
          if (left > 0) this.#perHook.set(d.webhookId, left);
          else this.#perHook.delete(d.webhookId);
          this.wake();
        });
      }
      if (claimed.length < free) return;
    }
  }

  async #attempt(
    d: DeliveryRecord,
    lease: string,
    lookup: Promise<WebhookRecord | undefined> | undefined,
  ): Promise<void> {
    const { webhooks, sender, now } = this.#deps;
    const hook = await lookup;
    // Deleted meanwhile: its deliveries went with it, so there is nothing left to settle.
    if (!hook) return;
    const started = now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await sender.send({
        url: hook.url,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Depot-Webhooks/1',
          'Depot-Signature': signatureHeader(hook.secret, Math.floor(started / 1000), d.body),
          'Depot-Delivery': d.id,
          'Depot-Event': d.eventType,
        },
        body: d.body,
        timeoutMs: this.#opts.attemptTimeoutMs,
        signal: this.#closing.signal,
      });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (this.#closing.signal.aborted && status === null) {
      // Cut short by shutdown: not the receiver's failure. Due again at once, here or elsewhere.
      await webhooks.release(d.id, lease);
      return;
    }
    const ended = now();
    const ok = status !== null && status >= 200 && status < 300;
    const attempt = d.attempts + 1;
    const next = ok ? null : nextAttemptAt(this.#opts.retry, attempt, d.createdAt, ended);
    const state = ok ? 'delivered' : next === null ? 'failed' : 'pending';
    const settled = await webhooks.settle(
      d.id,
      lease,
      {
        state,
        nextAttemptAt: next,
        attempt: {
          deliveryId: d.id,
          attempt,
          at: started,
          durationMs: ended - started,
          status,
          error,
          nextAttemptAt: next,
        },
      },
      ended,
    );
    if (settled) this.#opts.onDelivery?.(d.eventType, state === 'pending' ? 'retrying' : state);
  }
}
