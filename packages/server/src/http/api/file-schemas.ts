import { AUTH_ERRORS, errorResponses, idParams, json } from '../docs/shared-schemas.js';

const tags = ['files'];
const fileRef = { $ref: 'File#' };

export const listFilesSchema = {
  tags,
  summary: 'Your files, newest first',
  description: 'The parts of parallel uploads (tus Upload-Concat: partial) are not files and are left out.',
  querystring: {
    type: 'object',
    properties: {
      limit: { type: 'string', pattern: '^[0-9]+$', description: '1 to 1000 (default 100)' },
      cursor: { type: 'string', description: "the previous page's nextCursor" },
      name: { type: 'string', description: 'name prefix (exact case)' },
      status: { type: 'string', enum: ['uploading', 'complete'] },
      type: { type: 'string', description: 'media type, or a prefix ending in / (text/)' },
    },
  },
  response: {
    200: json(
      {
        type: 'object',
        required: ['files', 'nextCursor'],
        properties: { files: { type: 'array', items: fileRef }, nextCursor: { type: ['string', 'null'] } },
      },
      'one page of files',
    ),
    ...errorResponses({ ...AUTH_ERRORS, 400: 'a bad query parameter' }),
  },
};

export const fileInfoSchema = {
  tags,
  summary: "A file's metadata",
  params: idParams('file id'),
  response: {
    200: json(fileRef, 'the file'),
    ...errorResponses({ ...AUTH_ERRORS, 404: 'no such file, or not yours', 410: 'the upload expired' }),
  },
};

export const simpleUploadSchema = {
  tags,
  summary: 'Upload a file in one request (streamed to storage)',
  headers: {
    type: 'object',
    properties: {
      'x-file-name': { type: 'string', description: 'percent-encoded name of a raw body' },
      'content-disposition': { type: 'string', description: 'attachment; filename=… (a raw body)' },
    },
  },
  body: {
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary' } },
        },
      },
      'application/octet-stream': {
        schema: { type: 'string', format: 'binary', description: 'any type: the body is the file' },
      },
    },
  },
  response: {
    201: json(fileRef, 'stored (Location: the download URL)'),
    ...errorResponses({
      ...AUTH_ERRORS,
      400: 'no file field, a malformed name header, or a body cut short',
      413: 'over the size limit or the quota',
      507: 'the disk is full',
    }),
  },
};
