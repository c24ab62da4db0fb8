import type { WebhookRequest, WebhookSender } from '../ports/webhook-sender.js';

/** Deliveries over Node's fetch. Only the status matters: the response body is never read. */
export class FetchWebhookSender implements WebhookSender {
  async send(request: WebhookRequest): Promise<number> {
    // One controller per attempt, tied to the shutdown signal by a listener removed afterwards:
    // AbortSignal.any over the long-lived shutdown signal keeps every attempt's signal reachable
    // (nodejs/node#55351), a leak over a day of deliveries.
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort();
    }, request.timeoutMs);
    const onShutdown = () => attempt.abort();
    request.signal.addEventListener('abort', onShutdown, { once: true });
    if (request.signal.aborted) attempt.abort();
    try {
      const res = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        // A redirect is the receiver's answer, not an invitation to POST somewhere else (which
        // could be an address inside this network: see docs/webhooks.md on SSRF).
        redirect: 'manual',
        signal: attempt.signal,
      });
      await res.body?.cancel().catch(() => {});
      return res.status;
    } catch (err) {
      throw new Error(reason(err, timedOut, request.timeoutMs));
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onShutdown);
    }
  }
}

/** A short, stable reason for the delivery log: the system error code where there is one. */
function reason(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string')
    return `${cause.code}${cause.message ? `: ${String(cause.message)}` : ''}`;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
