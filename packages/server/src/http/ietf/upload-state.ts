import type { FastifyReply } from 'fastify';
import { isFinished } from '../../core/upload-state.js';
import type { UploadRecord } from '../../ports/metadata-store.js';
import { sfBoolean } from './headers.js';

/**
 * `Upload-Limit` (a structured-field dictionary, interop version 6): the largest upload this server
 * takes, when it has a limit. Clients check it before they start rather than fail at 413.
 */
export const uploadLimit = (maxSize: number | undefined): string | undefined =>
  maxSize === undefined ? undefined : `max-size=${maxSize}`;

/** The draft's view of an upload: how far it got, whether it is complete, its length if known. */
export function sendDraftState(reply: FastifyReply, upload: UploadRecord, maxSize: number | undefined): void {
  reply.header('Upload-Offset', String(upload.offset));
  reply.header('Upload-Complete', sfBoolean(isFinished(upload)));
  if (upload.length !== null) reply.header('Upload-Length', String(upload.length));
  const limit = uploadLimit(maxSize);
  if (limit !== undefined) reply.header('Upload-Limit', limit);
}
