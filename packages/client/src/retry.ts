import { ClientCodes, DepotError } from './errors.js';

/** How hard to try again after a failure that may pass (network, 5xx, 423, 460). */
export interface RetryPolicy {
  /** failures in a row without progress before giving up */
  readonly retries: number;
  /** first delay, ms; each further attempt doubles it, up to maxDelay */
  readonly minDelay: number;
  readonly maxDelay: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 10, minDelay: 250, maxDelay: 8_000 };

const RETRY_STATUS = new Set([408, 409, 423, 429, 460]);

/**
 * A 409 worth another try: a PATCH at the wrong offset, which the HEAD before the next try fixes
 * (Depot's code, or a bare 409 from another tus server). Depot's other conflicts are answers that
 * a retry only repeats: an unfinished upload to download, a job's state, a taken dataset name.
 */
const RETRY_CONFLICT = new Set(['ERR_OFFSET_MISMATCH', 'ERR_HTTP_409']);

/** Whether trying again (after re-syncing the offset) can succeed. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof DepotError)) return false;
  if (err.code === ClientCodes.network) return true;
  if (err.status === 409) return RETRY_CONFLICT.has(err.code);
  return (
    err.status !== undefined && (err.status >= 500 || RETRY_STATUS.has(err.status)) && err.status !== 507
  );
}

/** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export function backoff(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const cap = Math.min(policy.maxDelay, policy.minDelay * 2 ** attempt);
  return policy.minDelay / 2 + random() * (cap - policy.minDelay / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DepotError(ClientCodes.aborted, undefined, 'aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DepotError(ClientCodes.aborted, undefined, 'aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt` until it succeeds, retrying retryable failures with backoff. */
export async function withRetry<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: (failures: number) => Promise<T>,
  onRetry?: (err: DepotError, delay: number) => void,
): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt(failures);
    } catch (err) {
      if (signal?.aborted) throw new DepotError(ClientCodes.aborted, undefined, 'aborted', { cause: err });
      if (!isRetryable(err) || failures >= policy.retries) throw err;
      const delay = backoff(failures, policy);
      onRetry?.(err as DepotError, delay);
      await sleep(delay, signal);
    }
  }
}
