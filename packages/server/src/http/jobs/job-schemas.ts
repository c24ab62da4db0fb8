import {
  AUTH_ERRORS,
  errorResponses,
  idParams,
  json,
  object,
  page,
  pageQuery,
} from '../docs/shared-schemas.js';

const tags = ['jobs'];
const jobRef = { $ref: 'Job#' };
const NOT_YOURS = { 404: 'no such job, or not yours' };

export const createJobSchema = {
  tags,
  summary: 'Start a job on a finished file',
  body: {
    type: 'object',
    required: ['type', 'fileId'],
    properties: {
      type: { type: 'string', enum: ['csv-report', 'csv-import'] },
      fileId: { type: 'string' },
      params: { type: 'object', description: 'csv-import: {"dataset": NAME}' },
    },
  },
  response: {
    202: json(jobRef, 'queued (Location: the job)'),
    ...errorResponses({
      ...AUTH_ERRORS,
      400: 'a bad body, an unknown type or bad params',
      404: 'no such file, or not yours',
      409: 'the file is not finished',
    }),
  },
};

export const listJobsSchema = {
  tags,
  summary: 'Your jobs, newest first',
  querystring: pageQuery('1 to 500 (default 50)', {
    state: { type: 'string', description: 'comma-separated states, e.g. running,paused' },
    type: { type: 'string', description: 'comma-separated job types, e.g. csv-report,csv-import' },
  }),
  response: {
    200: page('jobs', jobRef, 'one page of jobs'),
    ...errorResponses({ ...AUTH_ERRORS, 400: 'a bad query parameter' }),
  },
};

export const jobSchema = {
  tags,
  summary: 'A job: state, progress, output, error',
  params: idParams('job id'),
  response: { 200: json(jobRef, 'the job'), ...errorResponses({ ...AUTH_ERRORS, ...NOT_YOURS }) },
};

/** pause, resume, cancel: each answers once the worker has stopped. */
export const controlSchema = (action: string) => ({
  tags,
  summary: `${action[0]?.toUpperCase()}${action.slice(1)} a job`,
  params: idParams('job id'),
  response: {
    200: json(jobRef, 'the job after the change'),
    ...errorResponses({
      ...AUTH_ERRORS,
      ...NOT_YOURS,
      409: `the job's state does not allow ${action} (ERR_JOB_STATE)`,
    }),
  },
});

export const jobErrorsSchema = {
  tags,
  summary: 'The rows a job could not use: JSON pages, or all as CSV',
  params: idParams('job id'),
  querystring: {
    type: 'object',
    properties: {
      after: { type: 'string', pattern: '^[0-9]+$', description: 'row number to continue after' },
      limit: { type: 'string', pattern: '^[0-9]+$', description: '1 to 1000 (default 100)' },
      format: { type: 'string', enum: ['csv'], description: 'or Accept: text/csv' },
    },
  },
  response: {
    200: {
      description: 'a page of errors, or (format=csv) every error as row,raw,reason',
      content: {
        'application/json': {
          schema: object({
            errors: {
              type: 'array',
              items: object({
                row: { type: 'integer' },
                raw: { type: 'string' },
                reason: { type: 'string' },
              }),
            },
            next: { type: ['integer', 'null'] },
          }),
        },
        'text/csv': { schema: { type: 'string' } },
      },
    },
    ...errorResponses({ ...AUTH_ERRORS, ...NOT_YOURS, 400: 'a bad query parameter' }),
  },
};
