const MiB = 2 ** 20;
/** S3's smallest part (all but the last); also the smallest we ever cut. */
export const MIN_PART = 5 * MiB;
/** S3's largest part. */
export const MAX_PART = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
/** Parts this long at the least: fewer requests per GiB (each part costs a request and a manifest write). */
const PREFERRED_PART = 16 * MiB;
/** Deferred length, no limit: this many parts at each size before the size doubles (1,000 would fall 2% short of 5 TiB). */
const PARTS_PER_STEP = 900;

/**
 * How long part `n` (1-based) of a blob is. With an expected size, every part has one size, large
 * enough that the blob fits in 10,000 parts. Without one (deferred length and no upload limit),
 * sizes double every 900 parts from 5 MiB (up to S3's 5 GiB): 10,000 parts then hold more than
 * S3's 5 TiB object limit, and small uploads still use small parts.
 */
export function partSize(n: number, expectedSize: number | null): number {
  if (expectedSize !== null) {
    const even = Math.ceil(expectedSize / MAX_PARTS / MiB) * MiB;
    return Math.min(MAX_PART, Math.max(PREFERRED_PART, MIN_PART, even));
  }
  const step = Math.floor((n - 1) / PARTS_PER_STEP);
  return Math.min(MAX_PART, MIN_PART * 2 ** step);
}
