import type { IncomingHttpHeaders } from 'node:http';
import { errors } from '../../core/errors.js';

export const TUS_VERSION = '1.0.0';

/** Request headers a browser may send to the tus endpoints, and response headers it may read. */
export const TUS_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'tus-resumable',
  'upload-length',
  'upload-offset',
  'upload-metadata',
  'upload-defer-length',
  'upload-concat',
  'upload-checksum',
  'x-http-method-override',
  'x-requested-with',
];
export const TUS_RESPONSE_HEADERS = [
  'Location',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'Upload-Concat',
  'Upload-Expires',
];

/** A header's single string value; a repeated header is an error, not a silent pick. */
export function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (Array.isArray(v)) throw errors.invalidHeader(`${name} is sent more than once`);
  return v;
}

/**
 * A non-negative integer header (Upload-Length, Upload-Offset). Node joins repeated custom
 * headers with ", ", so a duplicate fails the digit check too.
 */
export function nonNegativeInt(headers: IncomingHttpHeaders, name: string): number | undefined {
  const v = single(headers, name);
  if (v === undefined) return undefined;
  const n = /^\d{1,16}$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw errors.invalidHeader(`${name} must be a non-negative integer, not "${v}"`);
  return n;
}

export const httpDate = (ms: number): string => new Date(ms).toUTCString();
