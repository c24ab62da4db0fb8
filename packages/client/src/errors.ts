/**
 * Every failure the SDK reports. `code` is the server's `ERR_…` code when the server answered
 * with its JSON error body, else one of the client's own codes (ERR_NETWORK, ERR_ABORTED, …);
 * `status` is the HTTP status when there was a response.
 */
export class DepotError extends Error {
  override name = 'DepotError';
  constructor(
    readonly code: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isDepotError = (err: unknown): err is DepotError => err instanceof DepotError;

/** The client's own codes, for failures that are not a server's answer. */
export const ClientCodes = {
  network: 'ERR_NETWORK',
  aborted: 'ERR_ABORTED',
  digestMismatch: 'ERR_DIGEST_MISMATCH',
  protocol: 'ERR_PROTOCOL',
  source: 'ERR_SOURCE',
  diskFull: 'ERR_DISK_FULL',
  destination: 'ERR_DESTINATION',
} as const;

/** Turns a non-2xx response into a DepotError, reading `{error:{code,message}}` when present. */
export async function errorFromResponse(res: Response, what: string): Promise<DepotError> {
  let code = `ERR_HTTP_${res.status}`;
  let message = `${what}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = `${what}: ${body.error.message}`;
  } catch {
    // not JSON (another tus server, a proxy): keep the status line
  }
  return new DepotError(code, res.status, message);
}
