import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { Checksum } from '../../core/checksum.js';
import { CHECKSUM_ALGORITHMS, parseChecksum } from '../../core/checksum.js';
import type { DownloadService } from '../../core/downloads.js';
import { errors } from '../../core/errors.js';
import { isUploadId } from '../../core/ids.js';
import type { TokenService } from '../../core/tokens.js';
import type { UploadService } from '../../core/upload-service.js';
import type { UploadRecord } from '../../ports/metadata-store.js';
import { bearerAuth, bearerOrLinkAuth } from '../auth.js';
import { documented } from '../docs/documented.js';
import { serveDownload } from '../files/download.js';
import { actorOf, baseUrl } from '../request-context.js';
import { parseUploadConcat } from './concat-header.js';
import { nonNegativeInt, single, TUS_VERSION } from './headers.js';
import { parseUploadMetadata } from './metadata-header.js';
import {
  appendSchema,
  createSchema,
  deleteSchema,
  downloadSchema,
  headSchema,
  optionsSchema,
} from './schemas.js';
import { sendUploadState } from './upload-headers.js';

export interface TusRouteOptions {
  readonly uploads: UploadService;
  readonly downloads: DownloadService;
  readonly tokens: TokenService;
  readonly extensions: readonly string[];
  readonly maxSize?: number;
}

const BASE = '/files/';
const CHUNK_TYPE = 'application/offset+octet-stream';

export type IdRoute = { Params: { id: string } };
type IdRequest = FastifyRequest<IdRoute>;

/** The tus 1.0 endpoint at /files/: discovery, creation, offset, append, termination. */
export async function tusRoutes(app: FastifyInstance, opts: TusRouteOptions): Promise<void> {
  const { uploads } = opts;
  // Bodies are upload bytes: never let a parser touch them; handlers read the raw stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Tus-Resumable', TUS_VERSION);
    if (request.method === 'OPTIONS' || request.method === 'GET') return;
    const version = request.headers['tus-resumable'];
    // Without Tus-Resumable, DELETE and HEAD are plain HTTP: delete a file, inspect a download.
    if (version === undefined && (request.method === 'DELETE' || request.method === 'HEAD')) return;
    if (version !== TUS_VERSION) {
      reply.header('Tus-Version', TUS_VERSION);
      throw errors.preconditionFailed(`Tus-Resumable must be ${TUS_VERSION}`);
    }
  });
  const auth = bearerAuth(opts.tokens);
  const readAuth = bearerOrLinkAuth(opts.tokens);
  // each route's OpenAPI schema (./schemas.ts), behind the token check
  const authed = (schema: FastifySchema) => ({ ...documented(schema), preHandler: auth });
  // GET and HEAD of one file also take a ?link= download link instead of the token
  const readable = (schema: FastifySchema) => ({ ...documented(schema), preHandler: readAuth });

  app.options('/files/', documented(optionsSchema), async (_request, reply) => {
    reply.header('Tus-Version', TUS_VERSION).header('Tus-Extension', opts.extensions.join(','));
    if (opts.maxSize !== undefined) reply.header('Tus-Max-Size', String(opts.maxSize));
    reply.header('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
    return reply.code(204).send();
  });

  app.post('/files/', authed(createSchema), async (request, reply) => {
    const h = request.headers;
    const concat = parseUploadConcat(single(h, 'upload-concat'));
    const metadata = parseUploadMetadata(single(h, 'upload-metadata'));
    const length = nonNegativeInt(h, 'upload-length');
    const defer = single(h, 'upload-defer-length');
    if (defer !== undefined && defer.trim() !== '1')
      throw errors.invalidHeader('Upload-Defer-Length must be 1');
    if (concat?.kind === 'final') {
      if (length !== undefined || defer !== undefined) {
        throw errors.invalidHeader('a final upload takes its length from its parts: no Upload-Length');
      }
    } else if ((length === undefined) === (defer === undefined)) {
      throw errors.invalidHeader('send exactly one of Upload-Length and Upload-Defer-Length: 1');
    }
    const withBody = hasBody(request);
    if (withBody && contentType(request) !== CHUNK_TYPE) {
      throw errors.unsupportedMediaType(`an upload body must be ${CHUNK_TYPE}`);
    }
    if (withBody && concat?.kind === 'final') throw errors.finalUpload('a final upload takes no body');
    if (length !== undefined && opts.maxSize !== undefined && length > opts.maxSize) {
      throw errors.tooLarge(`the upload is ${length} bytes; the limit is ${opts.maxSize}`);
    }
    const actor = actorOf(request);
    const input = { length: length ?? null, metadata, concat };
    let upload: UploadRecord;
    if (withBody) {
      // creation-with-upload: whatever part of the body is stored, the upload exists; the client
      // learns the offset from the 201 and continues with PATCH.
      const created = await uploads.createWithUpload(actor, input, {
        body: request.raw,
        ...chunkHeaders(request),
      });
      upload = created.upload;
      if (created.stopped !== undefined) {
        const err = created.stopped as Error | undefined;
        request.log.info({ err: err?.message, upload: upload.id }, 'creation-with-upload stopped early');
      }
    } else {
      upload = await uploads.create(actor, input);
    }
    reply.header('Location', `${baseUrl(request)}${BASE}${upload.id}`);
    sendUploadState(reply, upload, BASE);
    return reply.code(201).send();
  });

  app.head<IdRoute>('/files/:id', readable(headSchema), async (request, reply) => {
    if (request.headers['tus-resumable'] === undefined) {
      return serveDownload(request, reply, opts.downloads, checkedId(request), true);
    }
    const upload = await uploads.inspect(actorOf(request), checkedId(request));
    sendUploadState(reply, upload, BASE);
    return reply.header('Cache-Control', 'no-store').code(200).send();
  });

  app.get<IdRoute>('/files/:id', readable(downloadSchema), async (request, reply) =>
    serveDownload(request, reply, opts.downloads, checkedId(request), false),
  );

  app.patch<IdRoute>('/files/:id', authed(appendSchema), async (request, reply) => {
    if (contentType(request) !== CHUNK_TYPE)
      throw errors.unsupportedMediaType(`Content-Type must be ${CHUNK_TYPE}`);
    const id = checkedId(request);
    const offset = nonNegativeInt(request.headers, 'upload-offset');
    if (offset === undefined) throw errors.invalidHeader('Upload-Offset is required');
    const upload = await uploads.append(actorOf(request), id, {
      offset,
      length: nonNegativeInt(request.headers, 'upload-length'),
      body: request.raw,
      ...chunkHeaders(request),
    });
    reply.header('Upload-Offset', String(upload.offset));
    if (upload.expiresAt !== null) reply.header('Upload-Expires', new Date(upload.expiresAt).toUTCString());
    return reply.code(204).send();
  });

  app.delete<IdRoute>('/files/:id', authed(deleteSchema), async (request, reply) => {
    await uploads.terminate(actorOf(request), checkedId(request));
    return reply.code(204).send();
  });
}

export function checkedId(request: IdRequest): string {
  const { id } = request.params;
  if (!isUploadId(id)) throw errors.notFound(`no upload ${id.slice(0, 64)}`);
  return id;
}

export const contentType = (request: FastifyRequest): string | undefined =>
  request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();

export function hasBody(request: FastifyRequest): boolean {
  const len = request.headers['content-length'];
  return (len !== undefined && len !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** Content-Length and the checksum (header or announced trailer) of a chunk. */
function chunkHeaders(request: FastifyRequest): {
  contentLength?: number;
  checksum?: Checksum;
  trailerChecksum?: () => Checksum | undefined;
} {
  const contentLength = nonNegativeInt(request.headers, 'content-length');
  const header = single(request.headers, 'upload-checksum');
  const trailer = /(^|,)\s*upload-checksum\s*(,|$)/i.test(request.headers.trailer ?? '');
  return {
    contentLength,
    checksum: header !== undefined ? parseChecksum(header) : undefined,
    trailerChecksum:
      header === undefined && trailer
        ? () => {
            const value = request.raw.trailers['upload-checksum'];
            return value ? parseChecksum(value) : undefined;
          }
        : undefined,
  };
}
