import { expect, it } from 'vitest';
import { MAX_PART, MAX_PARTS, MIN_PART, partSize } from '../src/adapters/s3/part-plan.js';

const TiB = 2 ** 40;

it('fits any expected size up to 5 TiB in 10,000 parts of one allowed size', () => {
  for (const size of [0, 1, MIN_PART, 10 * 2 ** 30, 50 * 2 ** 30 + 3, TiB, 5 * TiB]) {
    const part = partSize(1, size);
    expect(part).toBeGreaterThanOrEqual(MIN_PART);
    expect(part).toBeLessThanOrEqual(MAX_PART);
    expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_PARTS);
    expect(partSize(MAX_PARTS, size)).toBe(part);
  }
});

it('grows parts for a size nobody knows, so 10,000 of them reach S3 object limit of 5 TiB', () => {
  let total = 0;
  for (let n = 1; n <= MAX_PARTS; n++) {
    const part = partSize(n, null);
    expect(part).toBeGreaterThanOrEqual(n === 1 ? MIN_PART : partSize(n - 1, null));
    expect(part).toBeLessThanOrEqual(MAX_PART);
    total += part;
  }
  expect(partSize(1, null)).toBe(MIN_PART);
  expect(total).toBeGreaterThanOrEqual(5 * TiB);
});
