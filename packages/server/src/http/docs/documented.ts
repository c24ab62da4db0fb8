import type { FastifySchema, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';

const acceptAll: FastifySchemaCompiler<unknown> = () => () => true;
const stringify: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

/**
 * Route options that put a route's schema in the OpenAPI document without changing what the route
 * does: its handler keeps its own checks (and the error codes and messages clients rely on), and
 * replies stay JSON.stringify'd, so a schema that lags behind the code can never drop or coerce a
 * field. test/openapi.test.ts checks real replies against these schemas, so they stay honest.
 * Per route, so routes written with validating schemas elsewhere keep Fastify's defaults.
 */
export const documented = (schema: FastifySchema) => ({
  schema,
  validatorCompiler: acceptAll,
  serializerCompiler: stringify,
});
