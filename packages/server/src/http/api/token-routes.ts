import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors.js';
import type { TokenInfo, TokenService } from '../../core/tokens.js';
import { bearerAuth } from '../auth.js';
import { documented } from '../docs/documented.js';
import { actorOf } from '../request-context.js';
import { createTokenSchema, listTokensSchema, revokeTokenSchema } from './token-schemas.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const tokenJson = (t: TokenInfo) => ({ ...t, createdAt: iso(t.createdAt), revokedAt: iso(t.revokedAt) });

/** Admin-only token management: issue (the secret is in this one response), list, revoke. */
export async function tokenRoutes(app: FastifyInstance, opts: { tokens: TokenService }): Promise<void> {
  const { tokens } = opts;
  app.addHook('onRequest', bearerAuth(tokens));

  app.post('/api/tokens', documented(createTokenSchema), async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null)
      throw errors.badRequest('send a JSON object {name, owner?, quota?}');
    const { name, owner, quota } = body as Record<string, unknown>;
    if (typeof name !== 'string') throw errors.badRequest('name is required');
    if (owner !== undefined && typeof owner !== 'string') throw errors.badRequest('owner must be a string');
    if (quota !== undefined && quota !== null && typeof quota !== 'number')
      throw errors.badRequest('quota must be a number of bytes');
    const created = await tokens.create(actorOf(request), { name, owner, quota });
    return reply.code(201).send({ ...tokenJson(created), token: created.token });
  });

  app.get('/api/tokens', documented(listTokensSchema), async (request) => ({
    tokens: (await tokens.list(actorOf(request))).map(tokenJson),
  }));

  const revokeDoc = documented(revokeTokenSchema);
  app.delete<{ Params: { id: string } }>('/api/tokens/:id', revokeDoc, async (request, reply) => {
    await tokens.revoke(actorOf(request), request.params.id);
    return reply.code(204).send();
  });
}
