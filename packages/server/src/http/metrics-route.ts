import type { FastifyInstance } from 'fastify';
import { errors } from '../core/errors.js';
import type { TokenService } from '../core/tokens.js';
import type { DepotMetrics } from '../metrics/depot-metrics.js';
import { bearerAuth } from './auth.js';
import { documented } from './docs/documented.js';
import { metricsSchema } from './metrics-schema.js';
import { actorOf } from './request-context.js';

export interface MetricsRouteOptions {
  readonly metrics: DepotMetrics;
  readonly tokens: TokenService;
  /** `on`: anyone who can reach the port may scrape (like /healthz); `admin`: an admin token only */
  readonly access: 'on' | 'admin';
}

/**
 * `GET /metrics` (Prometheus text format) and the hook that times every request. Called on the
 * root instance before the routes are registered, so the hook sees every route. The route label
 * is the route's pattern (`/files/:id`), never the URL, so an id never becomes a new series.
 */
export function registerMetrics(app: FastifyInstance, opts: MetricsRouteOptions): void {
  const { metrics, tokens } = opts;
  // A callback hook, not an async one: it runs on every request, and needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
  const authenticate = bearerAuth(tokens);
  app.get('/metrics', documented(metricsSchema(opts.access)), async (request, reply) => {
    if (opts.access === 'admin') {
      await authenticate(request, reply);
      if (!actorOf(request).admin) throw errors.forbidden('/metrics needs an admin token');
    }
    const { contentType, body } = await metrics.scrape();
    return reply.header('Content-Type', contentType).header('Cache-Control', 'no-store').send(body);
  });
}
