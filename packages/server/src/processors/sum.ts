/** A play count or total: a double while it is exact, a bigint past 2^53 - 1. */
export type Sum = number | bigint;

/** Exact addition that stays on doubles until the result would stop being exact. */
export function addSum(a: Sum, b: Sum): Sum {
  if (typeof a === 'number' && typeof b === 'number') {
    // a + b is rounded only if the true sum passes 2^53, and then it compares > MAX_SAFE_INTEGER.
    const s = a + b;
    if (s <= Number.MAX_SAFE_INTEGER) return s;
  }
  return BigInt(a) + BigInt(b);
}
