/** One HTTP POST of a webhook delivery. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** the attempt gives up (an error) after this long */
  readonly timeoutMs: number;
  /** aborted when the server shuts down */
  readonly signal: AbortSignal;
}

/**
 * Sends webhook deliveries. Resolves with the response's status, whatever it is (redirects are
 * not followed); rejects with a short reason when no response came (refused, timeout, DNS, TLS).
 */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<number>;
}
