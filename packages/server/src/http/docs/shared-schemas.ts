import type { FastifyInstance } from 'fastify';
import { WEBHOOK_EVENTS } from '../../ports/webhook-repository.js';

/**
 * Schemas shared by several routes, added once to the app: the OpenAPI document shows each as a
 * component (`#/components/schemas/NAME`), and routes refer to them as `{ $ref: 'NAME#' }`.
 */
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
const time = { type: 'string', format: 'date-time' };
const nullableTime = nullable('string', { format: 'date-time' });

const ErrorBody = {
  $id: 'Error',
  type: 'object',
  description: 'Every error: a stable code (ERR_…) and a human message.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', pattern: '^ERR_' }, message: { type: 'string' } },
    },
  },
};

const File = {
  $id: 'File',
  type: 'object',
  required: [
    'id',
    'name',
    'type',
    'size',
    'offset',
    'status',
    'sha256',
    'createdAt',
    'finishedAt',
    'expiresAt',
    'metadata',
  ],
  properties: {
    id: { type: 'string' },
    name: nullable('string'),
    type: nullable('string', { description: 'media type from the upload metadata, when well formed' }),
    size: nullable('integer', { minimum: 0, description: 'null while the length is deferred' }),
    offset: { type: 'integer', minimum: 0, description: 'bytes stored so far' },
    status: { type: 'string', enum: ['uploading', 'complete'] },
    sha256: nullable('string', { pattern: '^[0-9a-f]{64}$', description: 'hex, once complete' }),
    createdAt: time,
    finishedAt: nullableTime,
    expiresAt: nullable('string', { format: 'date-time', description: 'when an unfinished upload expires' }),
    metadata: {
      type: 'object',
      additionalProperties: nullable('string'),
      description: 'the tus Upload-Metadata pairs (a key without a value is null)',
    },
    concat: {
      type: 'string',
      enum: ['partial', 'final'],
      description: 'only for tus concatenation parts and finals',
    },
  },
};

const JobProgress = {
  type: 'object',
  required: ['bytesDone', 'bytesTotal', 'rowsDone', 'errorCount'],
  properties: {
    bytesDone: { type: 'integer', minimum: 0 },
    bytesTotal: { type: 'integer', minimum: 0 },
    rowsDone: { type: 'integer', minimum: 0 },
    errorCount: { type: 'integer', minimum: 0 },
  },
};

const Job = {
  $id: 'Job',
  type: 'object',
  required: [
    'id',
    'type',
    'state',
    'fileId',
    'params',
    'progress',
    'resumeFrom',
    'outputFileId',
    'error',
    'attempts',
    'createdAt',
    'updatedAt',
    'startedAt',
    'finishedAt',
  ],
  properties: {
    id: { type: 'string' },
    type: { type: 'string', description: 'csv-report or csv-import' },
    state: { type: 'string', enum: ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] },
    fileId: { type: 'string', description: 'the input file' },
    params: { type: 'object' },
    progress: JobProgress,
    resumeFrom: nullable('integer', { description: 'input offset of the last checkpoint' }),
    outputFileId: nullable('string'),
    error: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string' }, message: { type: 'string' } },
        },
      ],
    },
    attempts: { type: 'integer', minimum: 0 },
    createdAt: time,
    updatedAt: time,
    startedAt: nullableTime,
    finishedAt: nullableTime,
  },
};

const Token = {
  $id: 'Token',
  type: 'object',
  required: ['id', 'name', 'owner', 'admin', 'quota', 'createdAt', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    owner: { type: 'string' },
    admin: { type: 'boolean' },
    quota: nullable('integer', {
      minimum: 0,
      description:
        "bytes; the owner's quota is the smallest set on its live tokens; none set = the server default",
    }),
    createdAt: time,
    revokedAt: nullableTime,
  },
};

/** An object schema; every property is required unless `required` says otherwise. */
export const object = (
  properties: Record<string, unknown>,
  required: string[] = Object.keys(properties),
) => ({
  type: 'object',
  required,
  properties,
});

/** A dataset column as declared and as shown. */
export const COLUMN = {
  name: { type: 'string' },
  type: { type: 'string', enum: ['string', 'integer', 'number', 'date', 'boolean'] },
  required: { type: 'boolean' },
};

const Dataset = {
  $id: 'Dataset',
  ...object({
    name: { type: 'string' },
    columns: { type: 'array', items: object(COLUMN) },
    keys: { type: 'array', items: { type: 'string' } },
    createdAt: time,
  }),
};

/** A webhook as the API shows it: never its secret (only its creation's response has that). */
const Webhook = {
  $id: 'Webhook',
  ...object({
    id: { type: 'string' },
    url: { type: 'string', description: 'absolute http(s), where events are POSTed' },
    events: { type: 'array', minItems: 1, items: { type: 'string', enum: [...WEBHOOK_EVENTS] } },
    owner: { type: 'string' },
    createdAt: time,
  }),
};

export function addSharedSchemas(app: FastifyInstance): void {
  for (const schema of [ErrorBody, File, Job, Token, Dataset, Webhook]) app.addSchema(schema);
}

/** JSON error responses for these statuses, each with a line saying when it happens. */
export function errorResponses(statuses: Readonly<Record<number, string>>): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [status, description] of Object.entries(statuses))
    out[Number(status)] = { description, $ref: 'Error#' };
  return out;
}

/** The errors every authenticated route can give. */
export const AUTH_ERRORS = {
  401: 'no token, or a token that is unknown or revoked',
  429: 'too many failed authentications from this address (Retry-After)',
} as const;

/** A JSON response. */
export const json = (schema: Record<string, unknown>, description: string) => ({ description, ...schema });

/** A response without a body, with the headers it carries. */
export const empty = (description: string, headers?: Record<string, unknown>) => ({
  type: 'null',
  description,
  ...(headers ? { headers } : {}),
});

/** A response header: a string (or integer) with a line saying what it is. */
export const header = (description: string, type: 'string' | 'integer' = 'string') => ({ type, description });

/** An `:id` path parameter. */
export const idParams = (description: string) => ({
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description } },
});

/** The query of a newest-first list paged with `before` (the previous page's `next`). */
export const pageQuery = (limit: string, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties: {
    ...extra,
    limit: { type: 'string', pattern: '^[0-9]+$', description: limit },
    before: { type: 'string', description: "the previous page's next" },
  },
});

/** One page of such a list: its items under `key`, and the cursor of the next page (null on the last). */
export const page = (key: string, items: unknown, description: string) =>
  json(object({ [key]: { type: 'array', items }, next: { type: ['string', 'null'] } }), description);
