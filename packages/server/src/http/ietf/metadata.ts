import contentDisposition from 'content-disposition';
import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { nameOf, typeOf } from '../../core/file-metadata.js';
import { single } from '../tus/headers.js';
import { parseUploadMetadata } from '../tus/metadata-header.js';
import { PARTIAL_UPLOAD_TYPE } from './headers.js';

/** Body types that describe the transfer, not the file: never taken as the file's type. */
const TRANSFER_TYPES = new Set([PARTIAL_UPLOAD_TYPE, 'application/offset+octet-stream']);

/**
 * The new upload's metadata. The draft has no metadata header: the file's name and type come from
 * the creation request's `Content-Disposition` filename and `Content-Type`, as for any HTTP upload.
 * tus-js-client sends its `metadata` option as tus `Upload-Metadata` in draft mode too, so that is
 * read as well; its keys win.
 */
export function creationMetadata(request: FastifyRequest): Record<string, string | null> {
  const metadata = parseUploadMetadata(single(request.headers, 'upload-metadata'));
  const disposition = single(request.headers, 'content-disposition');
  if (disposition !== undefined && nameOf(metadata) === null) {
    let filename: string | undefined;
    try {
      filename = contentDisposition.parse(disposition).parameters.filename;
    } catch {
      throw errors.invalidHeader('Content-Disposition is malformed');
    }
    if (filename) metadata.filename = filename;
  }
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type && !TRANSFER_TYPES.has(type) && typeOf(metadata) === null) metadata.filetype = type;
  return metadata;
}
