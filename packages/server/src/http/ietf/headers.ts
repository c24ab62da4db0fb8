import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { single } from '../tus/headers.js';

/**
 * The interop versions of draft-ietf-httpbis-resumable-upload that Depot speaks: the ones
 * tus-js-client sends (`protocol: 'ietf-draft-03'` → 5, `'ietf-draft-05'` → 6; draft -04 is 6 too).
 */
export const DRAFT_VERSIONS = ['5', '6'] as const;
export type DraftVersion = (typeof DRAFT_VERSIONS)[number];

/** The media type of an append request's body from interop version 6 on (draft -04/-05). */
export const PARTIAL_UPLOAD_TYPE = 'application/partial-upload';

/** Request headers a browser may send in draft mode, and response headers it may read (CORS). */
export const IETF_REQUEST_HEADERS = [
  'upload-draft-interop-version',
  'upload-complete',
  'content-digest',
  'content-disposition',
];
export const IETF_RESPONSE_HEADERS = ['Upload-Draft-Interop-Version', 'Upload-Complete', 'Upload-Limit'];

/** The request's interop version; one Depot does not speak → 400 naming those it does. */
export function draftVersion(request: FastifyRequest): DraftVersion {
  const v = single(request.headers, 'upload-draft-interop-version')?.trim();
  if (v === '5' || v === '6') return v;
  throw errors.invalidHeader(
    `Upload-Draft-Interop-Version ${JSON.stringify(v?.slice(0, 16))} is not supported; use 5 (draft -03) or 6 (draft -04/-05)`,
  );
}

/** `Upload-Complete: ?1 | ?0` (a structured-field boolean), required on creation and append. */
export function uploadComplete(request: FastifyRequest): boolean {
  const v = single(request.headers, 'upload-complete')?.trim();
  if (v === '?1') return true;
  if (v === '?0') return false;
  throw errors.invalidHeader(
    v === undefined ? 'Upload-Complete (?0 or ?1) is required' : 'Upload-Complete must be ?0 or ?1',
  );
}

export const sfBoolean = (b: boolean): string => (b ? '?1' : '?0');
