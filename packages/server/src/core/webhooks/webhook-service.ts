import {
  type DeliveryAttempt,
  type DeliveryRecord,
  WEBHOOK_EVENTS,
  type WebhookEventType,
  type WebhookRecord,
  type WebhookRepository,
} from '../../ports/webhook-repository.js';
import { type Actor, canSee } from '../actor.js';
import { DepotError, errors } from '../errors.js';
import { newUploadId } from '../ids.js';
import { newWebhookSecret } from './signature.js';
import { checkWebhookUrl } from './webhook-url.js';

export interface NewWebhook {
  readonly url: unknown;
  readonly events: unknown;
}

export interface DeliveryLog {
  readonly deliveries: readonly (DeliveryRecord & { readonly log: readonly DeliveryAttempt[] })[];
  /** the cursor of the next page, null on the last */
  readonly next: string | null;
}

/**
 * Webhooks one owner may have. Every event is stored once per subscribed webhook, so without a
 * bound one token could make each of its uploads write thousands of rows.
 */
export const MAX_WEBHOOKS_PER_OWNER = 20;

const isEvent = (e: unknown): e is WebhookEventType => WEBHOOK_EVENTS.includes(e as WebhookEventType);

/** Webhooks as owners manage them: register, list, show, delete, and read the delivery log. */
export class WebhookService {
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly now: () => number,
  ) {}

  /** Registers a webhook; the returned record holds the secret, which no later response shows. */
  async create(actor: Actor, input: NewWebhook): Promise<WebhookRecord> {
    const url = checkWebhookUrl(input.url);
    const events = input.events;
    if (!Array.isArray(events) || events.length === 0)
      throw errors.badRequest(`events must be a non-empty list of: ${WEBHOOK_EVENTS.join(', ')}`);
    const unknown = events.find((e) => !isEvent(e));
    if (unknown !== undefined)
      throw errors.badRequest(
        `unknown event ${JSON.stringify(unknown)}; known: ${WEBHOOK_EVENTS.join(', ')}`,
      );
    if ((await this.webhooks.list(actor.owner)).length >= MAX_WEBHOOKS_PER_OWNER) {
      throw new DepotError(
        'ERR_TOO_MANY_WEBHOOKS',
        409,
        `an owner may have at most ${MAX_WEBHOOKS_PER_OWNER} webhooks; delete one first`,
      );
    }
    const hook: WebhookRecord = {
      id: newUploadId(),
      owner: actor.owner,
      url,
      events: [...new Set(events as WebhookEventType[])],
      secret: newWebhookSecret(),
      createdAt: this.now(),
    };
    await this.webhooks.insert(hook);
    return hook;
  }

  /** An owner's webhooks; an admin's list holds every owner's. */
  list(actor: Actor): Promise<WebhookRecord[]> {
    return this.webhooks.list(actor.admin ? undefined : actor.owner);
  }

  /** The webhook `actor` may see, or 404 (another owner's looks exactly like a missing one). */
  async get(actor: Actor, id: string): Promise<WebhookRecord> {
    const hook = await this.webhooks.get(id);
    if (!hook || !canSee(actor, hook.owner)) throw errors.notFound(`no webhook ${id}`);
    return hook;
  }

  /** Deletes a webhook and its log; deliveries still pending are dropped with it. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.get(actor, id);
    if (!(await this.webhooks.delete(id))) throw errors.notFound(`no webhook ${id}`);
  }

  /** One page of the delivery log, newest first, each delivery with its attempts. */
  async deliveries(actor: Actor, id: string, page: { before?: string; limit: number }): Promise<DeliveryLog> {
    await this.get(actor, id);
    let before: { createdAt: number; id: string } | undefined;
    if (page.before !== undefined) {
      const cursor = await this.webhooks.getDelivery(page.before);
      if (cursor?.webhookId !== id)
        throw errors.badRequest(`before: no delivery ${page.before} of this webhook`);
      before = { createdAt: cursor.createdAt, id: cursor.id };
    }
    const list = await this.webhooks.listDeliveries({ webhookId: id, before, limit: page.limit });
    const attempts = await this.webhooks.listAttempts(list.map((d) => d.id));
    return {
      deliveries: list.map((d) => ({ ...d, log: attempts.filter((a) => a.deliveryId === d.id) })),
      next: list.length === page.limit ? (list.at(-1)?.id ?? null) : null,
    };
  }
}
