import { ClientCodes, isDepotError } from '@depot/client';

/** One line for a person, for any failure of a transfer. */
export function describeError(err: unknown, url: string): string {
  if (!isDepotError(err)) return err instanceof Error ? err.message : String(err);
  if (err.code === ClientCodes.network) return `cannot reach the server at ${url} (${err.message})`;
  if (err.status === 401)
    return `the server at ${url} refused the token (401 ${err.code}); set --token or DEPOT_TOKEN`;
  if (err.status === 403 && err.code === 'ERR_FORBIDDEN')
    return `the token may not do this (403): ${err.message}`;
  return err.message;
}

/** A failure that will fail every other file the same way: stop the batch. */
export const isFatal = (err: unknown): boolean =>
  isDepotError(err) && (err.status === 401 || err.code === ClientCodes.network);
