import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DraftVersion } from './headers.js';

/**
 * The draft's interim `104 Upload Resumption Supported` with the new upload's `Location`, sent
 * before a creation request's body is read: a client whose connection drops mid-body learns where
 * to resume. Node only writes 100/102/103 itself, so the head goes to the socket directly, which
 * is safe while this response has not started. HTTP/1.0 clients cannot receive 1xx; a response
 * still waiting for an earlier one on a pipelined connection has no socket yet: both get none.
 */
export function sendUploadResumptionSupported(
  request: FastifyRequest,
  reply: FastifyReply,
  location: string,
  version: DraftVersion,
): void {
  const res = reply.raw;
  const socket = res.socket;
  const http11 = request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor >= 1;
  if (!socket || res.headersSent || !http11 || socket.destroyed) return;
  socket.write(
    `HTTP/1.1 104 Upload Resumption Supported\r\nUpload-Draft-Interop-Version: ${version}\r\nLocation: ${location}\r\n\r\n`,
  );
}
