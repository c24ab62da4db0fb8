import { DepotError, isDepotError } from '../../core/errors.js';

/**
 * The core's statuses are the ones tus fixes; two of them are tus-only. The draft answers an
 * append to a completed upload with 400 (tus: 403), and 460 is a tus invention, so a failed
 * Content-Digest is a plain 400. Codes, messages and headers stay as they are.
 */
const DRAFT_STATUS: Readonly<Record<string, number>> = {
  ERR_UPLOAD_FINISHED: 400,
  ERR_CHECKSUM_MISMATCH: 400,
};

export function toDraftError(err: unknown): unknown {
  if (!isDepotError(err)) return err;
  const status = DRAFT_STATUS[err.code];
  if (status === undefined) return err;
  return new DepotError(err.code, status, err.message, err.headers);
}
