import { expect, it } from 'vitest';
import { DEFAULT_RETRY, nextAttemptAt } from '../src/core/webhooks/backoff.js';

const T = 1_700_000_000_000;

it('doubles the wait from the base up to the cap, with half of it random', () => {
  const s = { baseMs: 1_000, maxMs: 8_000, windowMs: 3_600_000 };
  const low = (n: number) => nextAttemptAt(s, n, T, T, () => 0)! - T;
  const high = (n: number) => nextAttemptAt(s, n, T, T, () => 1)! - T;
  expect([1, 2, 3, 4, 5, 6].map(low)).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000]);
  expect([1, 2, 3, 4, 5, 6].map(high)).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
});

it('gives up once the next attempt would start after the window', () => {
  const s = { baseMs: 1_000, maxMs: 8_000, windowMs: 10_000 };
  expect(nextAttemptAt(s, 1, T, T + 8_999, () => 1)).toBe(T + 9_999);
  expect(nextAttemptAt(s, 1, T, T + 9_001, () => 1)).toBeNull();
});

it('retries for a day by default: about thirty attempts, the last within 24 hours', () => {
  const times = [T];
  for (;;) {
    const next = nextAttemptAt(DEFAULT_RETRY, times.length, T, times.at(-1)!, () => 1);
    if (next === null) break;
    times.push(next);
  }
  expect(times.at(-1)! - T).toBeLessThanOrEqual(24 * 3_600_000);
  expect(times.at(-1)! - T).toBeGreaterThan(23 * 3_600_000);
  expect(times.length).toBeGreaterThan(25);
  expect(times.length).toBeLessThan(40);
});
