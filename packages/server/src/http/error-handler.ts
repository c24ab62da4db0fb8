import type { FastifyError, FastifyInstance } from 'fastify';
import { isDepotError } from '../core/errors.js';

/** The one place errors become responses: `{ error: { code, message } }` with the table's status. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // A body that was not read to its end cannot be skipped safely: close the connection after
    // the answer instead of draining the rest (a stalled client would otherwise pin it open,
    // and hold up a graceful shutdown).
    if (!request.raw.complete) reply.header('Connection', 'close');
    if (isDepotError(err)) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      if (err.status >= 500) request.log.error({ err }, err.message);
      return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status < 500) {
      // Fastify's own refusals of a body: the codes Depot's table gives the same answers
      const code = err.validation
        ? 'ERR_VALIDATION'
        : status === 413
          ? 'ERR_TOO_LARGE'
          : status === 415
            ? 'ERR_CONTENT_TYPE'
            : 'ERR_BAD_REQUEST';
      return reply.code(status).send({ error: { code, message: err.message } });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'ERR_INTERNAL', message: 'internal server error' } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: { code: 'ERR_NOT_FOUND', message: `no route ${request.method} ${request.url}` } });
  });
}
