import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/actor.js';
import { errors } from '../../core/errors.js';
import type { TokenService } from '../../core/tokens.js';
import type { UploadService } from '../../core/upload-service.js';
import type { UploadRecord } from '../../ports/metadata-store.js';
import { bearerAuth } from '../auth.js';
import { actorOf, baseUrl } from '../request-context.js';
import { nonNegativeInt, single } from '../tus/headers.js';
import { checkedId, contentType, hasBody, type IdRoute } from '../tus/routes.js';
import { DRAFT_CONSTRAINT, draftConstraintStrategy } from './constraint.js';
import { parseContentDigest } from './content-digest.js';
import { toDraftError } from './draft-errors.js';
import { type DraftVersion, draftVersion, PARTIAL_UPLOAD_TYPE, uploadComplete } from './headers.js';
import { sendUploadResumptionSupported } from './interim.js';
import { creationMetadata } from './metadata.js';
import { sendDraftState, uploadLimit } from './upload-state.js';

export interface DraftRouteOptions {
  readonly uploads: UploadService;
  readonly tokens: TokenService;
  readonly maxSize?: number;
}

const BASE = '/files/';
/**
 * Draft routes match only draft requests; they are left out of the OpenAPI document because they
 * share their methods and paths with the tus routes, whose descriptions cover both protocols.
 */
const draftOnly = { constraints: { [DRAFT_CONSTRAINT]: 'ietf' }, schema: { hide: true } };

declare module 'fastify' {
  interface FastifyRequest {
    /** the interop version of a draft request (set by the draft routes' first hook) */
    draftVersion?: DraftVersion;
  }
}

/**
 * IETF "Resumable Uploads for HTTP" (draft-ietf-httpbis-resumable-upload, interop versions 5 and 6)
 * on the tus endpoint's paths, over the same UploadService: the same uploads, owners, limits,
 * quotas, locks and expiry; only the headers differ. Requests are told apart by their headers
 * (see constraint.ts), so the tus routes are untouched.
 */
export async function ietfDraftRoutes(app: FastifyInstance, opts: DraftRouteOptions): Promise<void> {
  const { uploads } = opts;
  app.addConstraintStrategy(draftConstraintStrategy);
  // Bodies are upload bytes, read raw by the handlers (as in the tus routes).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  app.addHook('onRequest', async (request, reply) => {
    request.draftVersion = draftVersion(request);
    reply.header('Upload-Draft-Interop-Version', request.draftVersion);
  });
  // Remap the two tus-only statuses, then let the app's error handler answer.
  app.setErrorHandler(async (err) => {
    throw toDraftError(err);
  });
  const auth = bearerAuth(opts.tokens);
  const versionOf = (request: FastifyRequest): DraftVersion => request.draftVersion ?? draftVersion(request);

  app.options('/files/', draftOnly, async (_request, reply) => {
    const limit = uploadLimit(opts.maxSize);
    if (limit !== undefined) reply.header('Upload-Limit', limit);
    return reply.code(204).send();
  });

  app.post('/files/', { ...draftOnly, preHandler: auth }, async (request, reply) => {
    const complete = uploadComplete(request);
    if (request.headers['upload-concat'] !== undefined) {
      throw errors.invalidHeader('Upload-Concat is tus only: the draft has no concatenation');
    }
    const metadata = creationMetadata(request);
    const declared = nonNegativeInt(request.headers, 'upload-length');
    const contentLength = nonNegativeInt(request.headers, 'content-length');
    const withBody = hasBody(request);
    const checksum = parseContentDigest(single(request.headers, 'content-digest'));
    // The length is known when declared, or when this request completes the upload and says how
    // long its body is; otherwise it is settled by the request that completes the upload.
    let length = declared ?? null;
    const bodyLength = withBody ? contentLength : 0;
    if (complete && bodyLength !== undefined) {
      if (declared !== undefined && declared !== bodyLength) throw inconsistentLength(declared, bodyLength);
      length = bodyLength;
    }
    if (length !== null && opts.maxSize !== undefined && length > opts.maxSize) {
      throw errors.tooLarge(`the upload is ${length} bytes; the limit is ${opts.maxSize}`);
    }
    const actor = actorOf(request);
    let upload = await uploads.create(actor, { length, metadata });
    const location = `${baseUrl(request)}${BASE}${upload.id}`;
    // Set first, so an error answered while the body is read still says where to resume.
    reply.header('Location', location);
    if (withBody) {
      sendUploadResumptionSupported(request, reply, location, versionOf(request));
      upload = await uploads.append(actor, upload.id, {
        offset: 0,
        body: request.raw,
        contentLength,
        checksum,
      });
    }
    if (complete) upload = await completeUpload(uploads, actor, upload);
    sendDraftState(reply, upload, opts.maxSize);
    return reply.code(201).send();
  });

  app.head<IdRoute>('/files/:id', { ...draftOnly, preHandler: auth }, async (request, reply) => {
    const upload = await uploads.inspect(actorOf(request), checkedId(request));
    sendDraftState(reply, upload, opts.maxSize);
    return reply.header('Cache-Control', 'no-store').code(204).send();
  });

  app.patch<IdRoute>('/files/:id', { ...draftOnly, preHandler: auth }, async (request, reply) => {
    // Interop version 5 (draft -03) names no body type; 6 (draft -04/-05) requires this one.
    if (versionOf(request) === '6' && contentType(request) !== PARTIAL_UPLOAD_TYPE) {
      throw errors.unsupportedMediaType(`Content-Type must be ${PARTIAL_UPLOAD_TYPE}`);
    }
    const id = checkedId(request);
    const offset = nonNegativeInt(request.headers, 'upload-offset');
    if (offset === undefined) throw errors.invalidHeader('Upload-Offset is required');
    const complete = uploadComplete(request);
    const declared = nonNegativeInt(request.headers, 'upload-length');
    const contentLength = nonNegativeInt(request.headers, 'content-length');
    const checksum = parseContentDigest(single(request.headers, 'content-digest'));
    const actor = actorOf(request);
    let length = declared;
    if (complete && contentLength !== undefined) {
      // This request ends the upload: its end must be the upload's length, checked before a byte
      // is written (the core's own check would word it as a tus Upload-Length change).
      const end = offset + contentLength;
      const known = declared ?? (await uploads.get(actor, id)).length ?? undefined;
      if (known !== undefined && known !== end) throw inconsistentLength(known, end);
      length = end;
    }
    let upload = await uploads.append(actor, id, {
      offset,
      length,
      contentLength,
      body: request.raw,
      checksum,
    });
    if (complete) upload = await completeUpload(uploads, actor, upload);
    sendDraftState(reply, upload, opts.maxSize);
    return reply.code(204).send();
  });

  app.delete<IdRoute>('/files/:id', { ...draftOnly, preHandler: auth }, async (request, reply) => {
    await uploads.terminate(actorOf(request), checkedId(request));
    return reply.code(204).send();
  });
}

/**
 * After a request with `Upload-Complete: ?1` whose body length was not known in advance (chunked):
 * a deferred upload ends where the body ended (declared with an empty append); an upload of known
 * length that the body did not fill is inconsistent (400; the bytes stay, the client may resume).
 */
async function completeUpload(
  uploads: UploadService,
  actor: Actor,
  upload: UploadRecord,
): Promise<UploadRecord> {
  if (upload.length !== null) {
    if (upload.offset !== upload.length) throw inconsistentLength(upload.length, upload.offset);
    return upload;
  }
  return uploads.append(actor, upload.id, {
    offset: upload.offset,
    length: upload.offset,
    contentLength: 0,
    body: Readable.from([]),
  });
}

const inconsistentLength = (length: number, end: number) =>
  errors.invalidHeader(`the upload is ${length} bytes, but this request would complete it at ${end}`);
