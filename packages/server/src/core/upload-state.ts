import type { UploadRecord } from '../ports/metadata-store.js';

/** Helpers over an UploadRecord's state; the record itself stays plain data. */
export const isFinished = (u: UploadRecord): boolean => u.finishedAt !== null;

export const isExpired = (u: UploadRecord, now: number): boolean =>
  u.finishedAt === null && u.expiresAt !== null && u.expiresAt <= now;
