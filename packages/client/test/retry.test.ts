import { describe, expect, it } from 'vitest';
import { DepotError } from '../src/errors.js';
import { backoff, isRetryable } from '../src/retry.js';

const policy = { retries: 5, minDelay: 200, maxDelay: 5_000 };

describe('backoff', () => {
  it('doubles its ceiling per attempt up to maxDelay, with full jitter below it', () => {
    expect(backoff(0, policy, () => 0)).toBe(100);
    expect(backoff(0, policy, () => 1)).toBe(200);
    expect(backoff(3, policy, () => 1)).toBe(1_600);
    expect(backoff(20, policy, () => 1)).toBe(5_000);
    expect(backoff(20, policy, () => 0.5)).toBe(2_550);
  });
});

describe('isRetryable', () => {
  const status = (s: number) => new DepotError(`ERR_HTTP_${s}`, s, 'x');
  it('retries network failures, 5xx, 408, 409, 423, 429 and 460', () => {
    expect(isRetryable(new DepotError('ERR_NETWORK', undefined, 'x'))).toBe(true);
    for (const s of [500, 502, 503, 408, 409, 423, 429, 460])
      expect(isRetryable(status(s)), String(s)).toBe(true);
  });

  it('retries a 409 only as an offset mismatch: other conflicts are definite answers', () => {
    expect(isRetryable(new DepotError('ERR_OFFSET_MISMATCH', 409, 'x'))).toBe(true);
    for (const code of ['ERR_UPLOAD_INCOMPLETE', 'ERR_JOB_STATE', 'ERR_DATASET_EXISTS'])
      expect(isRetryable(new DepotError(code, 409, 'x')), code).toBe(false);
  });

  it('gives up on what cannot pass: 4xx, a full server disk, an abort, a plain Error', () => {
    for (const s of [400, 401, 403, 404, 410, 413, 415, 507])
      expect(isRetryable(status(s)), String(s)).toBe(false);
    expect(isRetryable(new DepotError('ERR_ABORTED', undefined, 'x'))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
  });
});
