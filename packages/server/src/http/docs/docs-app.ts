import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import Fastify from 'fastify';
import { markOptionalBodies } from './optional-bodies.js';

/** A route of the main app as the document needs it, with the shared schemas its scope knew. */
export interface CollectedRoute {
  readonly route: RouteOptions;
  readonly schemas: Readonly<Record<string, unknown>>;
}

const noop = async () => undefined;

/**
 * A separate Fastify instance that only documents: it gets a copy of every documented route of
 * the main app (their schemas, no handlers), @fastify/swagger generates the OpenAPI document from
 * them and @fastify/swagger-ui serves the page. Built on the first visit to /docs, so a server
 * nobody reads the docs of never loads either plugin (~8 MiB resident; bench/docs-rss.mjs).
 */
export async function buildDocsApp(
  collected: readonly CollectedRoute[],
  version: string,
): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const docs = Fastify({ exposeHeadRoutes: false, logger: false });
  // Schemas here are only read by @fastify/swagger: nothing is validated or serialized.
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const added = new Set<string>();
  for (const { schemas } of collected) {
    for (const [id, schema] of Object.entries(schemas)) {
      if (added.has(id)) continue;
      added.add(id);
      docs.addSchema(schema);
    }
  }
  await docs.register(swagger, {
    // Depot's HEAD routes are API (tus offsets, download checks), not GET's shadows.
    exposeHeadRoutes: true,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Depot',
        version,
        description:
          'Resumable uploads (tus 1.0 and the IETF resumable-upload draft, interop versions 5 and 6) on /files/, resumable downloads, and background CSV jobs. Errors are JSON {error: {code, message}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transformObject: (d) => ('openapiObject' in d ? markOptionalBodies(d.openapiObject) : d.swaggerObject),
    // Shared schemas appear under their own names (#/components/schemas/File), not def-N.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } });
  // One operation per method and path: routes told apart by constraints are documented once.
  const seen = new Set<string>();
  for (const { route } of collected) {
    const methods = [route.method].flat().filter((m) => !seen.has(`${m} ${route.url}`));
    for (const m of methods) seen.add(`${m} ${route.url}`);
    if (methods.length === 0) continue;
    docs.route({
      method: methods,
      url: route.url,
      schema: route.schema as FastifySchema | undefined,
      handler: noop,
    });
  }
  await docs.ready();
  return docs;
}
