import type { FastifyInstance } from 'fastify';
import { IETF_REQUEST_HEADERS, IETF_RESPONSE_HEADERS } from './ietf/headers.js';
import { TUS_REQUEST_HEADERS, TUS_RESPONSE_HEADERS } from './tus/headers.js';

const METHODS = 'GET, HEAD, POST, PATCH, DELETE, OPTIONS';
const EXPOSED = [
  ...TUS_RESPONSE_HEADERS,
  ...IETF_RESPONSE_HEADERS,
  'Content-Range',
  'Content-Disposition',
  'ETag',
  'Repr-Digest',
  'Retry-After',
].join(', ');

/**
 * CORS for browsers on other origins. Tokens travel in the Authorization header, never in
 * cookies, so allowing any origin exposes nothing a page could not already send. A preflight is
 * answered here, before routing, so it never reaches the tus OPTIONS handler or needs a token.
 */
export function registerCors(app: FastifyInstance, allowOrigin: string): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin) return;
    reply.header('Access-Control-Allow-Origin', allowOrigin === '*' ? '*' : allowOrigin);
    if (allowOrigin !== '*') reply.header('Vary', 'Origin');
    reply.header('Access-Control-Expose-Headers', EXPOSED);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      const asked = request.headers['access-control-request-headers'];
      reply
        .header('Access-Control-Allow-Methods', METHODS)
        .header(
          'Access-Control-Allow-Headers',
          asked ?? [...TUS_REQUEST_HEADERS, ...IETF_REQUEST_HEADERS].join(', '),
        )
        .header('Access-Control-Max-Age', '86400')
        .code(204)
        .send();
      return reply;
    }
  });
}
