import { AUTH_ERRORS, empty, errorResponses, idParams, json } from '../docs/shared-schemas.js';

const tags = ['tokens'];
const ADMIN_ERRORS = { ...AUTH_ERRORS, 403: 'not an admin token' };

export const createTokenSchema = {
  tags,
  summary: 'Issue a token (admin); its secret is in this response only',
  body: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string' },
      owner: { type: 'string', description: 'defaults to the name' },
      quota: {
        type: ['integer', 'null'],
        minimum: 0,
        description: "bytes: the owner's storage quota (the smallest of its live tokens' applies)",
      },
    },
  },
  response: {
    201: json(
      {
        allOf: [
          { $ref: 'Token#' },
          { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
        ],
      },
      'the new token, with its secret',
    ),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'a bad body' }),
  },
};

export const listTokensSchema = {
  tags,
  summary: 'All tokens (admin), never their secrets',
  response: {
    200: json(
      {
        type: 'object',
        required: ['tokens'],
        properties: { tokens: { type: 'array', items: { $ref: 'Token#' } } },
      },
      'the tokens',
    ),
    ...errorResponses(ADMIN_ERRORS),
  },
};

export const revokeTokenSchema = {
  tags,
  summary: 'Revoke a token (admin): it fails from the next request on',
  params: idParams('token id'),
  response: {
    204: empty('revoked'),
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'no such token' }),
  },
};
