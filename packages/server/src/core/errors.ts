/**
 * Depot's one error table. The core throws DepotError values; only the HTTP edge turns them
 * into responses (`{ error: { code, message } }` with `status`). Backends never word errors.
 */
export class DepotError extends Error {
  override name = 'DepotError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** extra response headers (e.g. Upload-Offset on a 409) */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const e =
  (code: string, status: number) =>
  (message: string, headers?: Record<string, string>): DepotError =>
    new DepotError(code, status, message, headers);

export const errors = {
  badRequest: e('ERR_BAD_REQUEST', 400),
  invalidHeader: e('ERR_INVALID_HEADER', 400),
  invalidMetadata: e('ERR_INVALID_METADATA', 400),
  unsupportedChecksum: e('ERR_CHECKSUM_ALGORITHM', 400),
  /** with the challenge RFC 9110 requires of every 401 (RFC 6750's scheme) */
  unauthorized: (message: string): DepotError =>
    new DepotError('ERR_UNAUTHORIZED', 401, message, { 'WWW-Authenticate': 'Bearer realm="depot"' }),
  forbidden: e('ERR_FORBIDDEN', 403),
  notFound: e('ERR_NOT_FOUND', 404),
  uploadFinished: e('ERR_UPLOAD_FINISHED', 403),
  finalUpload: e('ERR_FINAL_UPLOAD', 403),
  offsetMismatch: (expected: number) =>
    new DepotError('ERR_OFFSET_MISMATCH', 409, `Upload-Offset must be ${expected}`, {
      'Upload-Offset': String(expected),
    }),
  uploadIncomplete: e('ERR_UPLOAD_INCOMPLETE', 409),
  jobState: e('ERR_JOB_STATE', 409),
  datasetExists: e('ERR_DATASET_EXISTS', 409),
  gone: e('ERR_UPLOAD_EXPIRED', 410),
  preconditionFailed: e('ERR_TUS_VERSION', 412),
  tooLarge: e('ERR_TOO_LARGE', 413),
  /** 413 like any other size limit, so tus clients treat it as final (507 would invite retries) */
  quotaExceeded: e('ERR_QUOTA_EXCEEDED', 413),
  unsupportedMediaType: e('ERR_CONTENT_TYPE', 415),
  locked: e('ERR_UPLOAD_LOCKED', 423),
  tooManyRequests: e('ERR_TOO_MANY_REQUESTS', 429),
  checksumMismatch: e('ERR_CHECKSUM_MISMATCH', 460),
  requestAborted: e('ERR_REQUEST_ABORTED', 400),
  insufficientStorage: e('ERR_STORAGE_FULL', 507),
  unavailable: e('ERR_UNAVAILABLE', 503),
  notSupported: e('ERR_NOT_SUPPORTED', 501),
  internal: e('ERR_INTERNAL', 500),
} as const;

export const isDepotError = (err: unknown): err is DepotError => err instanceof DepotError;
