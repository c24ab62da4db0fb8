import type { FastifyInstance } from 'fastify';
import { canSee } from '../core/actor.js';
import type { DepotEvents, EventBus } from '../core/events.js';
import type { TokenService } from '../core/tokens.js';
import type { JobRecord } from '../ports/job-repository.js';
import type { UploadRecord } from '../ports/metadata-store.js';
import { bearerAuth } from './auth.js';
import { documented } from './docs/documented.js';
import { eventsSchema } from './events-schema.js';
import { jobView } from './jobs/views.js';
import { actorOf } from './request-context.js';

export interface EventRouteOptions {
  readonly events: EventBus;
  readonly tokens: TokenService;
  /** resolves when the server shuts down: streams end then */
  readonly closing: AbortSignal;
}

const UPLOAD_EVENTS = [
  'upload.created',
  'upload.progress',
  'upload.finished',
  'upload.terminated',
  'upload.expired',
] as const;
const JOB_EVENTS = ['job.changed', 'job.progress'] as const;
const KEEPALIVE_MS = 15_000;

const uploadView = (u: UploadRecord) => ({
  id: u.id,
  length: u.length,
  offset: u.offset,
  metadata: u.metadata,
  finished: u.finishedAt !== null,
});

/** GET /api/events: server-sent events of this owner's uploads and jobs, as they happen. */
export async function eventRoutes(app: FastifyInstance, opts: EventRouteOptions): Promise<void> {
  const options = { ...documented(eventsSchema), preHandler: bearerAuth(opts.tokens) };
  app.get('/api/events', options, async (request, reply) => {
    const actor = actorOf(request);
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': depot events\n\n');
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const offs: (() => void)[] = [];
    for (const name of UPLOAD_EVENTS) {
      offs.push(
        opts.events.on(name, (...[u]: DepotEvents[typeof name]) => {
          if (canSee(actor, u.owner)) send(name, uploadView(u));
        }),
      );
    }
    for (const name of JOB_EVENTS) {
      offs.push(
        opts.events.on(name, (...[j]: [JobRecord]) => {
          if (canSee(actor, j.owner)) send(name, jobView(j));
        }),
      );
    }
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(keepalive);
      for (const off of offs) off();
      opts.closing.removeEventListener('abort', end);
      res.end();
    };
    opts.closing.addEventListener('abort', end);
    request.raw.on('close', end);
  });
}
