import { AUTH_ERRORS, empty, errorResponses, header, idParams } from '../docs/shared-schemas.js';

/**
 * OpenAPI descriptions of the upload endpoint. Each operation speaks tus 1.0 and, for requests
 * with `Upload-Draft-Interop-Version` (and no `Tus-Resumable`), the IETF resumable-upload draft
 * (routes in ../ietf, hidden from the document because they share these methods and paths).
 */
const tags = ['uploads'];
const binary = { type: 'string', format: 'binary' };
const chunkBody = {
  content: {
    'application/offset+octet-stream': { schema: binary },
    'application/partial-upload': { schema: binary },
  },
};
const DRAFT = 'IETF draft only';

/**
 * GET and HEAD of one file take either the bearer header or a `?link=` download link
 * (POST /api/files/{id}/link), which needs no header: the empty requirement.
 */
const bearerOrLink: Record<string, string[]>[] = [{ bearer: [] }, {}];
const linkQuery = {
  type: 'object',
  properties: {
    link: {
      type: 'string',
      description: 'a download link from POST /api/files/{id}/link, instead of the Authorization header',
    },
  },
};
const LINK_ERRORS = {
  400: 'link given more than once',
  401: `${AUTH_ERRORS[401]}; or a download link that is not valid for this file or has expired`,
};

const tusVersion = { 'Tus-Resumable': header('1.0.0 (tus only)') };
const offsetHeaders = {
  ...tusVersion,
  'Upload-Offset': header('bytes stored', 'integer'),
  'Upload-Expires': header(
    'when the upload expires: an unfinished one, or a finished partial upload (HTTP date; tus)',
  ),
  'Upload-Complete': header(`?1 once complete (${DRAFT})`),
  'Upload-Draft-Interop-Version': header(`the request's draft version (${DRAFT})`),
};

const requestHeaders = (props: Record<string, unknown>) => ({
  type: 'object',
  properties: {
    'tus-resumable': { type: 'string', enum: ['1.0.0'], description: 'required by tus (not by the draft)' },
    'upload-draft-interop-version': {
      type: 'string',
      enum: ['5', '6'],
      description: 'the IETF draft instead of tus: 5 = draft -03, 6 = drafts -04/-05',
    },
    ...props,
  },
});

const CHUNK_ERRORS = {
  400: 'malformed headers, a bad checksum or digest header, Upload-Complete inconsistent with the length (draft), an append to a completed upload (draft)',
  403: 'a PATCH on a final (concatenated) upload, or on a completed one (tus)',
  412: 'a missing or other Tus-Resumable',
  413: 'past the upload length, the size limit (DEPOT_MAX_UPLOAD_SIZE) or the owner quota (ERR_QUOTA_EXCEEDED)',
  415: 'Content-Type not application/offset+octet-stream (tus) or application/partial-upload (draft 6)',
  460: 'the chunk failed its Upload-Checksum (tus); it is discarded, the offset unchanged',
  507: 'the disk is full; the upload stays resumable',
};

export const optionsSchema = {
  tags,
  summary: 'Discover the protocol: versions, extensions, limits',
  security: [],
  headers: requestHeaders({}),
  response: {
    204: empty('tus discovery (or, for the draft, Upload-Limit)', {
      'Tus-Version': header('1.0.0'),
      'Tus-Extension': header('creation,creation-with-upload,creation-defer-length,…'),
      'Tus-Max-Size': header('the largest upload, when limited', 'integer'),
      'Tus-Checksum-Algorithm': header('sha1,sha256,md5'),
      'Upload-Limit': header(`max-size=N when limited (${DRAFT})`),
    }),
  },
};

export const createSchema = {
  tags,
  summary: 'Create an upload (a body is its first chunk)',
  headers: requestHeaders({
    'upload-length': { type: 'string', pattern: '^[0-9]+$', description: 'total bytes' },
    'upload-defer-length': { type: 'string', enum: ['1'], description: 'the length comes later (tus)' },
    'upload-metadata': {
      type: 'string',
      description: 'key base64,key2 base64 (filename, filetype, process, …)',
    },
    'upload-concat': { type: 'string', description: 'partial, or final;/files/a /files/b (tus)' },
    'upload-checksum': { type: 'string', description: 'ALGO BASE64 of the body (tus)' },
    'upload-complete': {
      type: 'string',
      enum: ['?0', '?1'],
      description: `whether this request ends the upload (${DRAFT})`,
    },
    'content-digest': { type: 'string', description: `sha-256=:BASE64: of the body (RFC 9530; ${DRAFT})` },
    'content-disposition': { type: 'string', description: `attachment; filename=… (${DRAFT})` },
  }),
  body: chunkBody,
  response: {
    201: empty('created', {
      Location: header('the upload URL'),
      ...offsetHeaders,
      'Upload-Length': header('total bytes, when known', 'integer'),
    }),
    ...errorResponses({
      ...AUTH_ERRORS,
      ...CHUNK_ERRORS,
      404: 'a concatenation part that does not exist or is not yours',
    }),
  },
};

export const headSchema = {
  tags,
  summary: 'Upload state (tus or draft), or a download HEAD without either protocol header',
  security: bearerOrLink,
  params: idParams('upload id'),
  querystring: linkQuery,
  headers: requestHeaders({}),
  response: {
    200: empty('tus: the upload state; without protocol headers: the download headers GET would send', {
      ...offsetHeaders,
      'Upload-Length': header('total bytes, when known', 'integer'),
      'Upload-Defer-Length': header('1 while the length is deferred (tus)'),
      'Upload-Metadata': header('the metadata as sent (tus)'),
      'Upload-Concat': header('partial, or final;… (tus)'),
      'Cache-Control': header('no-store'),
    }),
    204: empty(`the upload state (${DRAFT})`, {
      ...offsetHeaders,
      'Upload-Length': header('total bytes, when known', 'integer'),
      'Upload-Limit': header('max-size=N when limited'),
      'Cache-Control': header('no-store'),
    }),
    400: empty(LINK_ERRORS[400]),
    401: empty(LINK_ERRORS[401]),
    404: empty('no such upload, or not yours'),
    409: empty('a download (no Tus-Resumable) of an upload that is not finished: ERR_UPLOAD_INCOMPLETE'),
    410: empty('the upload expired'),
    412: empty('a Tus-Resumable other than 1.0.0'),
    429: empty(AUTH_ERRORS[429]),
  },
};

export const downloadSchema = {
  tags,
  summary: 'Download a finished file (Range, If-Range, conditional requests)',
  security: bearerOrLink,
  params: idParams('file id'),
  querystring: linkQuery,
  response: {
    200: {
      description: 'the whole file (ETag, Last-Modified, Repr-Digest, Content-Disposition)',
      content: { 'application/octet-stream': { schema: binary } },
    },
    206: {
      description: 'the requested range, or several as multipart/byteranges',
      content: { 'application/octet-stream': { schema: binary }, 'multipart/byteranges': { schema: binary } },
    },
    304: empty('not modified (If-None-Match, If-Modified-Since)'),
    ...errorResponses({
      ...AUTH_ERRORS,
      ...LINK_ERRORS,
      404: 'no such file, or not yours',
      409: 'the upload is not finished (ERR_UPLOAD_INCOMPLETE)',
      410: 'the upload expired',
    }),
    416: empty('the range is not satisfiable', { 'Content-Range': header('bytes */LENGTH') }),
  },
};

export const appendSchema = {
  tags,
  summary: 'Append a chunk at Upload-Offset',
  params: idParams('upload id'),
  headers: requestHeaders({
    'upload-offset': { type: 'string', pattern: '^[0-9]+$', description: 'where this chunk starts' },
    'upload-length': { type: 'string', pattern: '^[0-9]+$', description: 'declares a deferred length' },
    'upload-checksum': { type: 'string', description: 'ALGO BASE64 of the chunk (tus; also as a trailer)' },
    'upload-complete': {
      type: 'string',
      enum: ['?0', '?1'],
      description: `whether this chunk ends the upload (${DRAFT})`,
    },
    'content-digest': { type: 'string', description: `sha-256=:BASE64: of the chunk (${DRAFT})` },
  }),
  body: chunkBody,
  response: {
    204: empty('stored', offsetHeaders),
    ...errorResponses({
      ...AUTH_ERRORS,
      ...CHUNK_ERRORS,
      404: 'no such upload, or not yours',
      409: 'Upload-Offset is not the stored offset (the right one is in Upload-Offset)',
      410: 'the upload expired',
      423: 'another live request is writing this upload',
      503: 'the server is shutting down; resume later',
    }),
  },
};

export const deleteSchema = {
  tags,
  summary: 'Terminate an upload, or delete a finished file',
  params: idParams('upload or file id'),
  headers: requestHeaders({}),
  response: {
    204: empty('deleted; its storage is freed', tusVersion),
    ...errorResponses({
      ...AUTH_ERRORS,
      404: 'no such upload, or not yours',
      412: 'a Tus-Resumable other than 1.0.0',
    }),
  },
};
