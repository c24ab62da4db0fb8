import { AUTH_ERRORS, errorResponses } from './docs/shared-schemas.js';

/**
 * OpenAPI description of `GET /metrics`, as this server is set up: with DEPOT_METRICS=on anyone
 * who reaches the port may scrape it (no security), with `admin` only an admin token.
 * (With `off` the route does not exist.)
 */
export const metricsSchema = (access: 'on' | 'admin') => ({
  tags: ['operations'],
  summary: 'Prometheus metrics (text exposition format)',
  description:
    'Request durations by route pattern, uploads, bytes, jobs, webhook deliveries and process figures; see docs/operations.md. DEPOT_METRICS=on: no token; admin: an admin token.',
  security: access === 'on' ? [] : [{ bearer: [] }],
  response: {
    200: {
      description: 'the metrics (Cache-Control: no-store)',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
    ...(access === 'admin' ? errorResponses({ ...AUTH_ERRORS, 403: 'not an admin token' }) : {}),
  },
});
