import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { JobService } from '../../core/jobs/job-service.js';
import { isJobState } from '../../core/jobs/job-state.js';
import type { TokenService } from '../../core/tokens.js';
import type { JobRecord, JobState } from '../../ports/job-repository.js';
import { bearerAuth } from '../auth.js';
import { documented } from '../docs/documented.js';
import { actorOf } from '../request-context.js';
import { sendErrors } from './errors-response.js';
import { controlSchema, createJobSchema, jobErrorsSchema, jobSchema, listJobsSchema } from './job-schemas.js';
import { limitParam } from './query.js';
import { jobView } from './views.js';

export interface JobRouteOptions {
  readonly jobs: JobService;
  readonly tokens: TokenService;
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
type ListQuery = { state?: string; type?: string; before?: string; limit?: string };

/** /api/jobs: create, list, show, pause, resume, cancel, and the per-row errors. */
export async function jobRoutes(app: FastifyInstance, opts: JobRouteOptions): Promise<void> {
  const { jobs } = opts;
  const view = (j: JobRecord) => jobView(j, jobs.liveProgress(j.id));
  app.addHook('preHandler', bearerAuth(opts.tokens));

  app.post('/api/jobs', documented(createJobSchema), async (request, reply) => {
    const body = (request.body ?? {}) as { type?: unknown; fileId?: unknown; params?: unknown };
    if (typeof body.type !== 'string') throw errors.badRequest('type must be a job type');
    if (typeof body.fileId !== 'string') throw errors.badRequest('fileId must be a file id');
    const params = body.params ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw errors.badRequest('params must be an object');
    }
    const job = await jobs.create(actorOf(request), {
      type: body.type,
      fileId: body.fileId,
      params: params as Record<string, unknown>,
    });
    return reply.code(202).header('Location', `/api/jobs/${job.id}`).send(view(job));
  });

  const listDoc = documented(listJobsSchema);
  app.get('/api/jobs', listDoc, async (request: FastifyRequest<{ Querystring: ListQuery }>) => {
    const q = request.query;
    const states = q.state?.split(',').filter((s) => s !== '');
    if (states?.some((s) => !isJobState(s))) throw errors.badRequest(`unknown state in ${q.state}`);
    const limit = limitParam(q.limit, 50, 500);
    const list = await jobs.list(actorOf(request), {
      states: states as JobState[] | undefined,
      types: q.type?.split(',').filter((t) => t !== ''),
      before: q.before,
      limit,
    });
    return { jobs: list.map(view), next: list.length === limit ? (list.at(-1)?.id ?? null) : null };
  });

  app.get('/api/jobs/:id', documented(jobSchema), async (request: IdRequest) =>
    view(await jobs.get(actorOf(request), request.params.id)),
  );

  const control = (action: 'pause' | 'resume' | 'cancel') => async (request: IdRequest) =>
    view(await jobs[action](actorOf(request), request.params.id));
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/api/jobs/:id/${action}`, documented(controlSchema(action)), control(action));
  }

  const errorsDoc = documented(jobErrorsSchema);
  app.get('/api/jobs/:id/errors', errorsDoc, async (request: IdRequest, reply: FastifyReply) =>
    sendErrors(jobs, request, reply),
  );
}
