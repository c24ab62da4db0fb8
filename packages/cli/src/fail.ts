import { ClientCodes, isDepotError } from '@depot/client';
import { describeError } from './describe-error.js';

/** One line for a failed API call: the person's wording, then the server's code when it gave one. */
export function failureLine(err: unknown, url: string): string {
  const line = describeError(err, url);
  if (!isDepotError(err) || err.code === ClientCodes.network || line.includes(err.code)) return line;
  return `${line} (${err.code})`;
}

export const failureCode = (err: unknown): string => (isDepotError(err) ? err.code : 'ERR_FAILED');

/** A transfer's failure: the server's code is added when the server answered (a local one has none). */
export const transferLine = (err: unknown, url: string): string =>
  isDepotError(err) && err.status !== undefined ? failureLine(err, url) : describeError(err, url);
