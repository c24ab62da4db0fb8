import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DatasetService, DeclareDataset } from '../../core/datasets.js';
import type { TokenService } from '../../core/tokens.js';
import { bearerAuth } from '../auth.js';
import { documented } from '../docs/documented.js';
import { actorOf } from '../request-context.js';
import {
  datasetRowsSchema,
  datasetSchema,
  declareDatasetSchema,
  listDatasetsSchema,
} from './dataset-schemas.js';
import { afterParam, limitParam } from './query.js';
import { datasetView } from './views.js';

export interface DatasetRouteOptions {
  readonly datasets: DatasetService;
  readonly tokens: TokenService;
}

type NameRequest = FastifyRequest<{
  Params: { name: string };
  Querystring: { after?: string; limit?: string };
}>;

/** /api/datasets: declare, list, show, and page through the rows csv-import jobs put in. */
export async function datasetRoutes(app: FastifyInstance, opts: DatasetRouteOptions): Promise<void> {
  const { datasets } = opts;
  app.addHook('preHandler', bearerAuth(opts.tokens));

  app.post('/api/datasets', documented(declareDatasetSchema), async (request, reply) => {
    const d = await datasets.declare(actorOf(request), (request.body ?? {}) as DeclareDataset);
    return reply.code(201).header('Location', `/api/datasets/${d.name}`).send(datasetView(d));
  });
  app.get('/api/datasets', documented(listDatasetsSchema), async (request) => ({
    datasets: (await datasets.list(actorOf(request))).map(datasetView),
  }));
  app.get('/api/datasets/:name', documented(datasetSchema), async (request: NameRequest) =>
    datasetView(await datasets.get(actorOf(request), request.params.name)),
  );
  app.get('/api/datasets/:name/rows', documented(datasetRowsSchema), async (request: NameRequest) => {
    const limit = limitParam(request.query.limit, 100, 10_000);
    return datasets.rows(actorOf(request), request.params.name, afterParam(request.query.after), limit);
  });
}
