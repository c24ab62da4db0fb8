import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Errors Fastify meets before any route or error handler runs (a URL that is not valid percent-
 * encoding, a path segment over the router's length limit), in Depot's `{ error: { code,
 * message } }` form. Neither message repeats the URL: it may be kilobytes long.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  const [code, message] = tooLong
    ? ['ERR_URI_TOO_LONG', 'a segment of the URL path is too long']
    : ['ERR_BAD_URL', 'the URL path is not valid percent-encoding'];
  reply.code(status).send({ error: { code, message } });
}

/**
 * What a client gets when Node's HTTP parser refuses its request (headers over the size limit,
 * malformed HTTP, a header timeout): the same error form as every other answer, and the
 * connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'ERR_HEADERS_TOO_LARGE', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'ERR_TIMEOUT', 'the request headers did not arrive in time']
        : [400, 'ERR_BAD_REQUEST', `the request is not valid HTTP (${err.code ?? 'parse error'})`];
  const body = JSON.stringify({ error: { code, message } });
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[
    status
  ];
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
