import type { FastifyReply, FastifyRequest } from 'fastify';
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
