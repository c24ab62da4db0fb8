import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

/** Fastify's own default compilers, resolved from Fastify's install so the versions are its own. */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));

type Builder = (externalSchemas: unknown, options: unknown) => unknown;

/** A compiler builder that loads Fastify's default (`name`) when a route first needs it. */
function lazyBuilder(name: string): Builder {
  let build: Builder | undefined;
  return (externalSchemas, options) => {
    build ??= (fastifyRequire(name) as () => Builder)();
    return build(externalSchemas, options);
  };
}

/**
 * Fastify's `schemaController` option with its default compilers (Ajv, fast-json-stringify), but
 * loaded on first use instead of when the instance is made. Depot's routes bring their own
 * compilers (docs/documented.ts), so a running server never loads Ajv's ~85 modules; a route with
 * a validating or serializing schema gets exactly Fastify's defaults, at its registration.
 */
export function lazyCompilers(): NonNullable<FastifyServerOptions['schemaController']> {
  type Factory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
  return {
    compilersFactory: {
      buildValidator: lazyBuilder('@fastify/ajv-compiler') as Factory['buildValidator'],
      buildSerializer: lazyBuilder('@fastify/fast-json-stringify-compiler') as Factory['buildSerializer'],
    },
  };
}
