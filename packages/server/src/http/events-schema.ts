import { AUTH_ERRORS, errorResponses } from './docs/shared-schemas.js';

export const eventsSchema = {
  tags: ['events'],
  summary: 'Server-sent events of your uploads and jobs',
  description:
    'Events upload.created, upload.progress, upload.finished, upload.terminated, upload.expired ({id, length, offset, metadata, finished}) and job.changed, job.progress (a Job).',
  response: {
    200: { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
    ...errorResponses(AUTH_ERRORS),
  },
};
