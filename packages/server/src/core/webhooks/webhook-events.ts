import type { Logger } from 'pino';
import type {
  DeliveryRecord,
  WebhookEventType,
  WebhookRecord,
  WebhookRepository,
} from '../../ports/webhook-repository.js';
import type { EventBus } from '../events.js';
import { newUploadId } from '../ids.js';
import { eventBody, eventId, JOB_EVENTS, jobData, uploadData } from './payloads.js';

export interface WebhookEventDeps {
  readonly events: EventBus;
  readonly webhooks: WebhookRepository;
  readonly log: Logger;
  readonly now: () => number;
  /** told after deliveries were stored, so they go out without waiting for the next poll */
  readonly stored: () => void;
}

/** One bus event heard, waiting to become deliveries. */
interface Heard {
  readonly type: WebhookEventType;
  readonly owner: string;
  readonly subject: string;
  readonly data: unknown;
  readonly at: number;
}

/**
 * Turns bus events into stored deliveries, one per subscribed webhook. The listener only queues
 * the event: an upload or a job never waits for a webhook, not even for the store's insert. The
 * events heard in one turn of the event loop are stored together (one lookup of the webhooks per
 * owner and event type, one transaction), so many uploads finishing at once cost one commit.
 * Sending is the dispatcher's business.
 */
export class WebhookEvents {
  readonly #deps: WebhookEventDeps;
  readonly #off: (() => void)[];
  #queue: Heard[] = [];
  #flushing: Promise<void> | undefined;

  constructor(deps: WebhookEventDeps) {
    this.#deps = deps;
    this.#off = [
      deps.events.on('upload.finished', (u) => {
        // A part of a parallel upload is not a file of its own: the final upload announces the file.
        if (u.concat !== 'partial') this.#hear('upload.finished', u.owner, u.id, uploadData(u));
      }),
      deps.events.on('job.changed', (j) => {
        const type = JOB_EVENTS[j.state];
        if (type) this.#hear(type, j.owner, j.id, jobData(j));
      }),
    ];
  }

  /** Stops listening and waits until what was heard is stored (before the store closes). */
  async close(): Promise<void> {
    for (const off of this.#off) off();
    while (this.#flushing) await this.#flushing;
  }

  #hear(type: WebhookEventType, owner: string, subject: string, data: unknown): void {
    this.#queue.push({ type, owner, subject, data, at: this.#deps.now() });
    this.#schedule();
  }

  /** One flush at a time; events heard while one writes go in the next. */
  #schedule(): void {
    if (this.#flushing || this.#queue.length === 0) return;
    this.#flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#flush())
      .finally(() => {
        this.#flushing = undefined;
        this.#schedule();
      });
  }

  async #flush(): Promise<void> {
    const heard = this.#queue;
    this.#queue = [];
    try {
      const { webhooks } = this.#deps;
      const lookups = new Map<string, WebhookRecord[]>();
      const deliveries: DeliveryRecord[] = [];
      for (const e of heard) {
        const key = `${e.owner}\n${e.type}`;
        const hooks = lookups.get(key) ?? (await webhooks.subscribers(e.owner, e.type));
        lookups.set(key, hooks);
        deliveries.push(...deliveriesOf(e, hooks));
      }
      if (deliveries.length === 0) return;
      await webhooks.enqueue(deliveries);
      this.#deps.stored();
    } catch (err) {
      this.#deps.log.error({ err, events: heard.length }, 'could not record webhook deliveries');
    }
  }
}

function deliveriesOf(e: Heard, hooks: readonly WebhookRecord[]): DeliveryRecord[] {
  if (hooks.length === 0) return [];
  const id = eventId(e.type, e.subject);
  const body = eventBody(id, e.type, e.at, e.data);
  return hooks.map((h) => ({
    id: newUploadId(),
    webhookId: h.id,
    owner: e.owner,
    eventId: id,
    eventType: e.type,
    body,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: e.at,
    lease: null,
    leaseUntil: null,
    createdAt: e.at,
    updatedAt: e.at,
  }));
}
