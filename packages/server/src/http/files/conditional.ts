import type { IncomingHttpHeaders } from 'node:http';
import type { Representation } from './representation.js';

const listHas = (header: string, etag: string): boolean =>
  header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);

const notAfter = (header: string | undefined, date: Date): boolean => {
  const since = header ? Date.parse(header) : Number.NaN;
  return !Number.isNaN(since) && date.getTime() <= since;
};

/** RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since. True → answer 304. */
export function notModified(headers: IncomingHttpHeaders, rep: Representation): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return listHas(inm, rep.etag);
  return notAfter(headers['if-modified-since'], rep.lastModified);
}

/**
 * If-Range: the Range applies only when the validator still matches — a strong ETag compared
 * strongly, or the exact Last-Modified date. Otherwise the client gets the whole file.
 */
export function rangeStillValid(headers: IncomingHttpHeaders, rep: Representation): boolean {
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string') return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return v === rep.etag;
  const date = Date.parse(v);
  return !Number.isNaN(date) && date === rep.lastModified.getTime();
}
