import type { FastifyRequest } from 'fastify';
import type { Actor } from '../core/actor.js';
import { errors } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the auth hook on every authenticated route */
    actor: Actor | null;
  }
}

/** The authenticated actor; a route without the auth hook has none, which is a bug, not a 401. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw errors.internal('route has no authentication');
  return request.actor;
}

/** The URL clients reach this server at (X-Forwarded-* honoured only with DEPOT_TRUST_PROXY). */
export const baseUrl = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;
