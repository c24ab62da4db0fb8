import { type JsonApi, seg } from './json-api.js';
import type { DeliveryPage, NewWebhook, Webhook } from './webhook-types.js';

/** Webhooks: register, list, get, remove, and each one's delivery log. */
export class WebhooksApi {
  constructor(private readonly api: JsonApi) {}

  /** Registers a webhook; its signing `secret` is in this one answer only. */
  create(input: NewWebhook, signal?: AbortSignal): Promise<Webhook & { readonly secret: string }> {
    return this.api.call('POST', '/api/webhooks', { body: input, signal });
  }

  async list(signal?: AbortSignal): Promise<Webhook[]> {
    return (await this.api.call<{ webhooks: Webhook[] }>('GET', '/api/webhooks', { signal })).webhooks;
  }

  get(id: string, signal?: AbortSignal): Promise<Webhook> {
    return this.api.call('GET', `/api/webhooks/${seg(id)}`, { signal });
  }

  /** Deletes the webhook with its log; deliveries not sent yet are dropped. */
  async remove(id: string, signal?: AbortSignal): Promise<void> {
    await this.api.call('DELETE', `/api/webhooks/${seg(id)}`, { signal });
  }

  /** One page of the delivery log, newest first; pass the page's `next` as `before` for the next. */
  deliveries(
    id: string,
    options: { before?: string; limit?: number } = {},
    signal?: AbortSignal,
  ): Promise<DeliveryPage> {
    return this.api.call('GET', `/api/webhooks/${seg(id)}/deliveries`, { query: { ...options }, signal });
  }
}
