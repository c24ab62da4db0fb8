import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { TokenService } from '../../core/tokens.js';
import type { WebhookService } from '../../core/webhooks/webhook-service.js';
import { bearerAuth } from '../auth.js';
import { documented } from '../docs/documented.js';
import { limitParam } from '../jobs/query.js';
import { actorOf } from '../request-context.js';
import { deliveryLogJson, webhookJson } from './webhook-json.js';
import {
  createWebhookSchema,
  deleteWebhookSchema,
  deliveriesSchema,
  listWebhooksSchema,
  webhookSchema,
} from './webhook-schemas.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
type LogRequest = FastifyRequest<{
  Params: { id: string };
  Querystring: { before?: string; limit?: string };
}>;

/** /api/webhooks: register (the secret is in this one response), list, show, delete, delivery log. */
export async function webhookRoutes(
  app: FastifyInstance,
  opts: { webhooks: WebhookService; tokens: TokenService },
): Promise<void> {
  const { webhooks } = opts;
  app.addHook('preHandler', bearerAuth(opts.tokens));

  app.post('/api/webhooks', documented(createWebhookSchema), async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw errors.badRequest('send a JSON object {url, events}');
    const { url, events } = body as Record<string, unknown>;
    const hook = await webhooks.create(actorOf(request), { url, events });
    return reply
      .code(201)
      .header('Location', `/api/webhooks/${hook.id}`)
      .send({ ...webhookJson(hook), secret: hook.secret });
  });

  app.get('/api/webhooks', documented(listWebhooksSchema), async (request) => ({
    webhooks: (await webhooks.list(actorOf(request))).map(webhookJson),
  }));

  app.get('/api/webhooks/:id', documented(webhookSchema), async (request: IdRequest) =>
    webhookJson(await webhooks.get(actorOf(request), request.params.id)),
  );

  app.delete('/api/webhooks/:id', documented(deleteWebhookSchema), async (request: IdRequest, reply) => {
    await webhooks.remove(actorOf(request), request.params.id);
    return reply.code(204).send();
  });

  app.get('/api/webhooks/:id/deliveries', documented(deliveriesSchema), async (request: LogRequest) => {
    const { before, limit } = request.query;
    const log = await webhooks.deliveries(actorOf(request), request.params.id, {
      before,
      limit: limitParam(limit, 20, 200),
    });
    return deliveryLogJson(log);
  });
}
