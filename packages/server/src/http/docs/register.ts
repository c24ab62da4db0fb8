import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildDocsApp, type CollectedRoute } from './docs-app.js';
import { addSharedSchemas } from './shared-schemas.js';

/** packages/server/package.json, the same depth from src/ and dist/ */
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Response headers of the docs app that the main app's reply sets itself. */
const HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * OpenAPI 3.1 at /docs/json (and /docs/yaml), generated from the route schemas, and Swagger UI at
 * /docs, without a token. Must be registered before the routes: it collects them as they are
 * added. The document and page come from a separate instance built on the first visit
 * (docs-app.ts); requests to /docs are passed to it. Swagger UI's files come from its npm package,
 * and validatorUrl is off so the page never calls validator.swagger.io.
 */
export function registerDocs(app: FastifyInstance): void {
  addSharedSchemas(app);
  const collected: CollectedRoute[] = [];
  app.addHook('onRoute', function collect(route) {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    // `this` is the scope adding the route: the shared schemas its $refs can name
    collected.push({ route, schemas: this.getSchemas() as Record<string, unknown> });
  });
  let docs: Promise<FastifyInstance> | undefined;
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    docs ??= buildDocsApp(collected, version).catch((err) => {
      docs = undefined; // try again on the next visit
      throw err;
    });
    const res = await (await docs).inject({
      method: 'GET',
      url: request.url,
      headers: { accept: request.headers.accept ?? '*/*' },
    });
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP.has(name)) reply.header(name, value);
    }
    return reply.code(res.statusCode).send(res.rawPayload);
  };
  const hidden = { schema: { hide: true } };
  app.get('/docs', hidden, serve);
  app.get('/docs/*', hidden, serve);
}
