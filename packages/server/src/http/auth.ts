import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../core/errors.js';
import type { TokenService } from '../core/tokens.js';

/** A preHandler that turns `Authorization: Bearer TOKEN` into `request.actor`, or answers 401. */
export function bearerAuth(tokens: TokenService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    try {
      request.actor = await tokens.authenticate(m?.[1], request.ip);
    } catch (err) {
      if ((err as { status?: number }).status === 429) throw err;
      // Never log the token itself: only that one failed, and from where.
      request.log.warn(
        { ip: request.ip, reason: header ? 'invalid token' : 'no token' },
        'authentication failed',
      );
      throw err;
    }
  };
}

/**
 * For GET and HEAD of one file: a `?link=` download link (see core/download-links.ts) stands in
 * for the bearer header, so a browser can save the file with a plain link.
 */
export function bearerOrLinkAuth(tokens: TokenService) {
  const bearer = bearerAuth(tokens);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { link } = request.query as { link?: unknown };
    const { id } = request.params as { id?: unknown };
    if (link === undefined || request.headers.authorization !== undefined || typeof id !== 'string') {
      return bearer(request, reply);
    }
    if (typeof link !== 'string') throw errors.badRequest('link may be given once');
    try {
      request.actor = await tokens.authenticateLink(id, link, request.ip);
    } catch (err) {
      request.log.warn({ ip: request.ip, reason: 'invalid download link' }, 'authentication failed');
      throw err;
    }
  };
}
