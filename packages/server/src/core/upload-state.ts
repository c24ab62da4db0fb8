import type { UploadRecord } from '../ports/metadata-store.js';

/** Helpers over an UploadRecord's state; the record itself stays plain data. */
export const isFinished = (u: UploadRecord): boolean => u.finishedAt !== null;

/**
 * Past its expiry, and of a kind that expires: an unfinished upload, or a finished part of a
 * parallel upload (tus concatenation), which is no file of its own — a final upload copies its
 * bytes — and which nothing else removes when its client never sends the final.
 */
export const isExpired = (u: UploadRecord, now: number): boolean =>
  (u.finishedAt === null || u.concat === 'partial') && u.expiresAt !== null && u.expiresAt <= now;

/**
 * The expiry of an upload that gets its last byte (or its length) at `now`: none for a file; for a
 * part of a parallel upload the usual one from this last write, so an orphaned part goes in time.
 */
export const expiryWhenFinished = (u: Pick<UploadRecord, 'concat'>, now: number, expiry: number) =>
  u.concat === 'partial' ? now + expiry : null;
