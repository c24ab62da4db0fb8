import { errors } from '../../core/errors.js';

/** A page size from the query: 1 to `max`, `fallback` when absent. */
export function limitParam(v: unknown, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= 1 && n <= max)) throw errors.badRequest(`limit must be an integer from 1 to ${max}`);
  return n;
}

/** A non-negative integer cursor from the query (0 when absent). */
export function afterParam(v: unknown): number {
  if (v === undefined) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw errors.badRequest('after must be a non-negative integer');
  return n;
}
