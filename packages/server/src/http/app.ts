import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Services } from '../compose.js';
import { fileRoutes } from './api/file-routes.js';
import { linkRoutes } from './api/link-route.js';
import { tokenRoutes } from './api/token-routes.js';
import { webhookRoutes } from './api/webhook-routes.js';
import { registerCors } from './cors.js';
import { documented } from './docs/documented.js';
import { registerDocs } from './docs/register.js';
import { registerErrorHandler } from './error-handler.js';
import { eventRoutes } from './events-route.js';
import { clientErrorHandler, frameworkErrors } from './framework-errors.js';
import { ietfDraftRoutes } from './ietf/routes.js';
import { datasetRoutes } from './jobs/datasets-routes.js';
import { jobRoutes } from './jobs/routes.js';
import { lazyCompilers } from './lazy-compilers.js';
import { registerMetrics } from './metrics-route.js';
import { healthzSchema, readyzSchema } from './probe-schemas.js';
import { tusRoutes } from './tus/routes.js';
import { DEFAULT_WEB_DIR, webUiRoutes } from './web-ui.js';

/** Methods a client that can only send POST may ask for (tus X-HTTP-Method-Override). */
const OVERRIDABLE = new Set(['PATCH', 'DELETE']);

/**
 * Rewrites the method before routing, so an overridden request is routed exactly like a real one.
 * Idle sockets time out (a dead client frees its upload's lock), but a long upload does not.
 */
function serverFactory(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer(
    { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 },
    (req, res) => {
      const override = req.headers['x-http-method-override'];
      if (req.method === 'POST' && typeof override === 'string' && OVERRIDABLE.has(override.toUpperCase())) {
        req.method = override.toUpperCase();
      }
      handler(req, res);
    },
  );
  server.setTimeout(120_000);
  return server;
}

/** The HTTP edge: Fastify with Depot's hooks and routes over the composed services. */
export async function buildApp(
  services: Services,
  log: FastifyBaseLogger,
  closing: AbortSignal = new AbortController().signal,
): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: log,
    // Depot writes its own one line a request (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    serverFactory,
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    forceCloseConnections: 'idle',
    schemaController: lazyCompilers(),
    frameworkErrors,
    clientErrorHandler,
  });
  app.decorateRequest('actor', null);
  // One log line a request, written when the response is done.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        // The UI accepts a `?token=` link, downloads a `?link=`: never write either into the log.
        url: request.url.replace(/([?&](?:token|link)=)[^&#]*/gi, '$1[redacted]'),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  registerErrorHandler(app);
  registerCors(app, config.corsOrigin);
  registerDocs(app);
  if (services.metrics && config.metrics !== 'off') {
    registerMetrics(app, { metrics: services.metrics, tokens: services.tokens, access: config.metrics });
  }
  app.get('/healthz', documented(healthzSchema), async () => ({ status: 'ok' }));
  app.get('/readyz', documented(readyzSchema), async (_request, reply) => {
    const checks = await services.readiness();
    const ok = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });
  await app.register(tusRoutes, {
    uploads: services.uploads,
    downloads: services.downloads,
    tokens: services.tokens,
    extensions: services.tusExtensions,
    maxSize: config.maxUploadSize,
  });
  await app.register(ietfDraftRoutes, {
    uploads: services.uploads,
    tokens: services.tokens,
    maxSize: config.maxUploadSize,
  });
  await app.register(fileRoutes, { files: services.files, tokens: services.tokens });
  await app.register(linkRoutes, { files: services.files, tokens: services.tokens });
  await app.register(tokenRoutes, { tokens: services.tokens });
  await app.register(jobRoutes, { jobs: services.jobs, tokens: services.tokens });
  await app.register(datasetRoutes, { datasets: services.datasets, tokens: services.tokens });
  await app.register(webhookRoutes, { webhooks: services.webhooks, tokens: services.tokens });
  await app.register(eventRoutes, { events: services.feed, tokens: services.tokens, closing });
  await app.register(webUiRoutes, { dir: DEFAULT_WEB_DIR });
  return app;
}
