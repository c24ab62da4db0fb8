import { LINK_TTL } from '../../core/download-links.js';
import { AUTH_ERRORS, errorResponses, idParams, json, object } from '../docs/shared-schemas.js';

const MAX_S = LINK_TTL.maxMs / 1000;

/** OpenAPI description of `POST /api/files/:id/link` (link-route.ts). */
export const createLinkSchema = {
  tags: ['files'],
  summary: 'A download link: GET /files/{id} without an Authorization header until it expires',
  params: idParams('file id'),
  body: {
    type: 'object',
    properties: {
      expiresIn: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_S,
        description: `seconds (default ${LINK_TTL.defaultMs / 1000}, at most ${MAX_S})`,
      },
    },
  },
  response: {
    201: json(
      object({
        url: { type: 'string', description: '/files/{id}?link=…: revoking the token kills it' },
        expiresAt: { type: 'string', format: 'date-time' },
      }),
      'the link',
    ),
    ...errorResponses({
      ...AUTH_ERRORS,
      400: 'a body that is not a JSON object, or expiresIn out of range',
      404: 'no such file, or not yours',
      410: 'the upload expired',
    }),
  },
};
