import multipart from '@fastify/multipart';
import contentDisposition from 'content-disposition';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { FileQuery, FileService } from '../../core/files.js';
import { isUploadId } from '../../core/ids.js';
import type { TokenService } from '../../core/tokens.js';
import { bearerAuth } from '../auth.js';
import { documented } from '../docs/documented.js';
import { actorOf, baseUrl } from '../request-context.js';
import { fileJson } from './file-json.js';
import { fileInfoSchema, listFilesSchema, simpleUploadSchema } from './file-schemas.js';

export interface FileRouteOptions {
  readonly files: FileService;
  readonly tokens: TokenService;
}

const MAX_PAGE = 1000;

/** The JSON file API: list, metadata, and simple (one-request) uploads. */
export async function fileRoutes(app: FastifyInstance, opts: FileRouteOptions): Promise<void> {
  const { files } = opts;
  // A raw body is the file: no parser may buffer it. multipart/form-data is streamed part by part.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  await app.register(multipart, { limits: { files: 1, fileSize: Number.POSITIVE_INFINITY } });
  app.addHook('onRequest', bearerAuth(opts.tokens));

  app.get('/api/files', documented(listFilesSchema), async (request) => {
    const page = await files.list(actorOf(request), fileQuery(request.query as Record<string, unknown>));
    return { files: page.files.map(fileJson), nextCursor: page.nextCursor };
  });

  app.get<{ Params: { id: string } }>('/api/files/:id', documented(fileInfoSchema), async (request) => {
    const { id } = request.params;
    if (!isUploadId(id)) throw errors.notFound(`no upload ${id.slice(0, 64)}`);
    return fileJson(await files.info(actorOf(request), id));
  });

  app.post('/api/files', documented(simpleUploadSchema), async (request, reply) => {
    const actor = actorOf(request);
    let upload: Awaited<ReturnType<FileService['upload']>>;
    if (request.isMultipart()) {
      const part = await request.file().catch((err: Error) => {
        throw errors.badRequest(`the form is malformed: ${err.message}`);
      });
      if (!part || part.fieldname !== 'file')
        throw errors.badRequest('send the file in a form field named "file"');
      upload = await files
        .upload(actor, { name: part.filename || null, type: part.mimetype, body: part.file })
        .catch((err: unknown) => {
          // the form ended inside the file (no closing boundary): the client's mistake, said as such
          const broken = part.file.errored;
          throw broken ? errors.badRequest(`the form is malformed: ${broken.message}`) : err;
        });
    } else {
      const length = request.headers['content-length'];
      upload = await files.upload(actor, {
        name: rawName(request),
        type: request.headers['content-type'] ?? null,
        length: length === undefined ? undefined : Number(length),
        body: request.raw,
      });
    }
    reply.header('Location', `${baseUrl(request)}/files/${upload.id}`);
    return reply.code(201).send(fileJson(upload));
  });
}

/** A raw body's name: `X-File-Name` (percent-encoded), or the filename of a `Content-Disposition`. */
function rawName(request: FastifyRequest): string | null {
  const header = request.headers['x-file-name'];
  if (typeof header === 'string' && header !== '') {
    try {
      return decodeURIComponent(header);
    } catch {
      throw errors.invalidHeader('X-File-Name must be percent-encoded UTF-8');
    }
  }
  const disposition = request.headers['content-disposition'];
  if (disposition === undefined) return null;
  try {
    return contentDisposition.parse(disposition).parameters.filename ?? null;
  } catch {
    throw errors.invalidHeader('Content-Disposition is malformed');
  }
}

function fileQuery(q: Record<string, unknown>): FileQuery {
  const str = (k: string): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw errors.badRequest(`${k} may be given once`);
    return v;
  };
  const limitText = str('limit') ?? '100';
  const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : 0;
  if (limit < 1 || limit > MAX_PAGE) throw errors.badRequest(`limit: 1 to ${MAX_PAGE}`);
  const status = str('status');
  if (status !== undefined && status !== 'uploading' && status !== 'complete')
    throw errors.badRequest('status: uploading or complete');
  return { limit, cursor: str('cursor'), namePrefix: str('name'), status, type: str('type')?.toLowerCase() };
}
