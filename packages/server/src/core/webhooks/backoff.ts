/** The retry schedule of deliveries; tests shrink it (compose's tuning), users do not set it. */
export interface RetrySchedule {
  /** the wait after the first failed attempt; it doubles after each further one */
  readonly baseMs: number;
  /** the longest wait between two attempts */
  readonly maxMs: number;
  /** no attempt starts later than this after the event: then the delivery is failed */
  readonly windowMs: number;
}

export const DEFAULT_RETRY: RetrySchedule = {
  baseMs: 10_000,
  maxMs: 3_600_000,
  windowMs: 24 * 3_600_000,
};

/**
 * When the attempt after `failed` failed attempts is due, or null when it would fall outside the
 * window. Exponential with "equal jitter" (half the wait fixed, half random), so receivers that
 * come back after an outage are not hit by every delivery at the same instant.
 */
export function nextAttemptAt(
  schedule: RetrySchedule,
  failed: number,
  createdAt: number,
  now: number,
  random: () => number = Math.random,
): number | null {
  const wait = Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.min(failed - 1, 40));
  const at = now + Math.round(wait / 2 + random() * (wait / 2));
  return at > createdAt + schedule.windowMs ? null : at;
}
