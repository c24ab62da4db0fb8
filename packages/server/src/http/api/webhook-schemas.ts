import { WEBHOOK_EVENTS } from '../../ports/webhook-repository.js';
import {
  AUTH_ERRORS,
  empty,
  errorResponses,
  header,
  idParams,
  json,
  object,
  page,
  pageQuery,
} from '../docs/shared-schemas.js';

/** OpenAPI descriptions of /api/webhooks (replies: webhook-json.ts; docs/webhooks.md). */
const tags = ['webhooks'];
const webhookRef = { $ref: 'Webhook#' };
const NOT_YOURS = { 404: "no such webhook, or another owner's" };
const nullableTime = { type: ['string', 'null'], format: 'date-time' };

export const createWebhookSchema = {
  tags,
  summary: 'Register a webhook; its signing secret is in this response only',
  body: {
    type: 'object',
    required: ['url', 'events'],
    properties: {
      url: { type: 'string', maxLength: 2048, description: 'absolute http(s), without user or password' },
      events: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', enum: [...WEBHOOK_EVENTS] },
        description: 'the events to receive',
      },
    },
  },
  response: {
    201: {
      description: 'the new webhook, with the secret that signs its deliveries',
      headers: { Location: header('/api/webhooks/ID') },
      allOf: [webhookRef, object({ secret: { type: 'string', pattern: '^whsec_' } })],
    },
    ...errorResponses({
      ...AUTH_ERRORS,
      400: 'a bad url, an empty events list or an unknown event',
      409: 'the owner has 20 webhooks already (ERR_TOO_MANY_WEBHOOKS)',
    }),
  },
};

export const listWebhooksSchema = {
  tags,
  summary: "Your webhooks (an admin's list holds every owner's), never their secrets",
  response: {
    200: json(object({ webhooks: { type: 'array', items: webhookRef } }), 'the webhooks'),
    ...errorResponses(AUTH_ERRORS),
  },
};

export const webhookSchema = {
  tags,
  summary: 'A webhook, never its secret',
  params: idParams('webhook id'),
  response: { 200: json(webhookRef, 'the webhook'), ...errorResponses({ ...AUTH_ERRORS, ...NOT_YOURS }) },
};

export const deleteWebhookSchema = {
  tags,
  summary: 'Delete a webhook with its delivery log; deliveries not sent yet are dropped',
  params: idParams('webhook id'),
  response: { 204: empty('deleted'), ...errorResponses({ ...AUTH_ERRORS, ...NOT_YOURS }) },
};

const attempt = object({
  attempt: { type: 'integer', minimum: 1 },
  at: { type: 'string', format: 'date-time' },
  durationMs: { type: 'integer', minimum: 0 },
  status: { type: ['integer', 'null'], description: "the receiver's HTTP status; null when none came" },
  error: { type: ['string', 'null'], description: 'what went wrong: a timeout, a refused connection, …' },
  nextAttemptAt: { ...nullableTime, description: 'when the next attempt is due; null after the last' },
});

const delivery = object({
  id: { type: 'string', description: 'also the Depot-Delivery header of every attempt' },
  eventId: { type: 'string', description: "the event's id: the same for every webhook and retry" },
  event: { type: 'string', enum: [...WEBHOOK_EVENTS] },
  state: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
  attempts: { type: 'integer', minimum: 0 },
  nextAttemptAt: { ...nullableTime, description: 'null once delivered or failed' },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
  log: { type: 'array', items: attempt, description: 'every attempt, first to last' },
});

export const deliveriesSchema = {
  tags,
  summary: "A webhook's delivery log, newest first, each delivery with its attempts",
  params: idParams('webhook id'),
  querystring: pageQuery('1 to 200 (default 20)'),
  response: {
    200: page('deliveries', delivery, 'one page of the log'),
    ...errorResponses({
      ...AUTH_ERRORS,
      ...NOT_YOURS,
      400: 'a bad limit, or a before that is not in this log',
    }),
  },
};
