import { AUTH_ERRORS, COLUMN, errorResponses, json, object } from '../docs/shared-schemas.js';

const tags = ['datasets'];
const datasetRef = { $ref: 'Dataset#' };
const nameParams = object({ name: { type: 'string' } });
const NOT_YOURS = { 404: 'no such dataset, or not yours' };

export const declareDatasetSchema = {
  tags,
  summary: 'Declare a dataset for csv-import',
  body: object(
    {
      name: { type: 'string' },
      columns: { type: 'array', items: object(COLUMN, ['name', 'type']) },
      keys: { type: 'array', items: { type: 'string' }, description: 'upsert on these; none = append' },
    },
    ['name', 'columns'],
  ),
  response: {
    201: json(datasetRef, 'declared (Location: the dataset)'),
    ...errorResponses({
      ...AUTH_ERRORS,
      400: 'a bad declaration',
      409: 'a dataset of that name exists',
      501: 'not on this metadata store (Postgres)',
    }),
  },
};

export const listDatasetsSchema = {
  tags,
  summary: 'Your datasets',
  response: {
    200: json(
      {
        type: 'object',
        required: ['datasets'],
        properties: { datasets: { type: 'array', items: datasetRef } },
      },
      'the datasets',
    ),
    ...errorResponses(AUTH_ERRORS),
  },
};

export const datasetSchema = {
  tags,
  summary: 'A dataset',
  params: nameParams,
  response: { 200: json(datasetRef, 'the dataset'), ...errorResponses({ ...AUTH_ERRORS, ...NOT_YOURS }) },
};

export const datasetRowsSchema = {
  tags,
  summary: "A dataset's rows in insertion order",
  params: nameParams,
  querystring: {
    type: 'object',
    properties: {
      after: { type: 'string', pattern: '^[0-9]+$', description: "the previous page's next" },
      limit: { type: 'string', pattern: '^[0-9]+$', description: '1 to 10000 (default 100)' },
    },
  },
  response: {
    200: json(
      object({
        rows: {
          type: 'array',
          items: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
        },
        next: { type: ['integer', 'null'] },
      }),
      'one page of rows',
    ),
    ...errorResponses({ ...AUTH_ERRORS, ...NOT_YOURS, 400: 'a bad query parameter' }),
  },
};
