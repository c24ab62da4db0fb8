import type { FastifyReply } from 'fastify';
import type { UploadRecord } from '../../ports/metadata-store.js';
import { httpDate } from './headers.js';
import { formatUploadMetadata } from './metadata-header.js';

/** The headers that describe an upload's state (HEAD, and the tus bits of POST/PATCH). */
export function sendUploadState(reply: FastifyReply, upload: UploadRecord, basePath: string): void {
  const finalUnfinished = upload.concat === 'final' && upload.finishedAt === null;
  // A final upload has no meaningful offset until it is joined (tus concatenation).
  if (!finalUnfinished) reply.header('Upload-Offset', String(upload.offset));
  if (upload.length !== null) reply.header('Upload-Length', String(upload.length));
  else if (upload.concat !== 'final') reply.header('Upload-Defer-Length', '1');
  if (Object.keys(upload.metadata).length > 0)
    reply.header('Upload-Metadata', formatUploadMetadata(upload.metadata));
  if (upload.concat === 'partial') reply.header('Upload-Concat', 'partial');
  if (upload.concat === 'final' && upload.parts) {
    reply.header('Upload-Concat', `final;${upload.parts.map((p) => `${basePath}${p}`).join(' ')}`);
  }
  if (upload.expiresAt !== null) reply.header('Upload-Expires', httpDate(upload.expiresAt));
}
