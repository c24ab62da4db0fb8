import { json, object } from './docs/shared-schemas.js';

/** OpenAPI descriptions of the probes, which answer without a token. */
const tags = ['operations'];

export const healthzSchema = {
  tags,
  summary: 'Liveness: the process answers (checks nothing else)',
  security: [],
  response: { 200: json(object({ status: { type: 'string', enum: ['ok'] } }), 'alive') },
};

const readiness = (status: string, description: string) =>
  json(
    object({
      status: { type: 'string', enum: [status] },
      checks: {
        type: 'object',
        description: 'each dependency (database, storage, queue when configured): ok, or failing: REASON',
        additionalProperties: { type: 'string', pattern: '^(ok$|failing: )' },
      },
    }),
    description,
  );

export const readyzSchema = {
  tags,
  summary: 'Readiness: every dependency answers within its timeout',
  security: [],
  response: {
    200: readiness('ok', 'ready: every check is ok'),
    503: readiness(
      'unavailable',
      'not ready: at least one check is failing (take this node out of rotation)',
    ),
  },
};
