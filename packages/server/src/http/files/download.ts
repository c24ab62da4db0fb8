import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DownloadService } from '../../core/downloads.js';
import { actorOf } from '../request-context.js';
import { multipartByteranges } from './byteranges.js';
import { notModified, rangeStillValid } from './conditional.js';
import { parseRanges } from './range-header.js';
import { representation } from './representation.js';

/** More ranges than this in one request are answered with the whole file (RFC 9110 allows it). */
const MAX_RANGES = 64;

/**
 * GET (and plain HEAD) of a finished file: validators, conditional requests, single, suffix,
 * open and multiple ranges, 416 for unsatisfiable ones. HEAD answers exactly as GET, bodiless.
 */
export async function serveDownload(
  request: FastifyRequest,
  reply: FastifyReply,
  downloads: DownloadService,
  id: string,
  headOnly: boolean,
): Promise<FastifyReply> {
  const upload = await downloads.find(actorOf(request), id);
  const rep = representation(upload);
  reply
    .header('Accept-Ranges', 'bytes')
    .header('ETag', rep.etag)
    .header('Last-Modified', rep.lastModified.toUTCString())
    .header('Cache-Control', 'private, no-cache')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', "default-src 'none'; sandbox")
    .header('Content-Disposition', rep.disposition);
  if (rep.digest) reply.header('Repr-Digest', rep.digest);
  if (notModified(request.headers, rep)) return reply.code(304).send();

  const rangeHeader = request.headers.range;
  const ranges =
    rangeHeader !== undefined && rangeStillValid(request.headers, rep)
      ? parseRanges(rep.length, rangeHeader)
      : undefined;
  if (ranges === -1) {
    return reply.code(416).header('Content-Range', `bytes */${rep.length}`).send();
  }
  // A malformed Range (-2), a non-bytes unit, or too many ranges: the whole file.
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length > MAX_RANGES) {
    reply.code(200).header('Content-Type', rep.contentType).header('Content-Length', String(rep.length));
    return reply.send(headOnly || rep.length === 0 ? undefined : await downloads.open(upload));
  }
  if (ranges.length === 1) {
    const r = ranges[0] as { start: number; end: number };
    reply
      .code(206)
      .header('Content-Type', rep.contentType)
      .header('Content-Range', `bytes ${r.start}-${r.end}/${rep.length}`)
      .header('Content-Length', String(r.end - r.start + 1));
    return reply.send(headOnly ? undefined : await downloads.open(upload, r));
  }
  const multipart = multipartByteranges(ranges, rep.length, rep.contentType, (r) =>
    downloads.open(upload, r),
  );
  reply
    .code(206)
    .header('Content-Type', multipart.contentType)
    .header('Content-Length', String(multipart.length));
  return reply.send(headOnly ? undefined : multipart.body);
}
