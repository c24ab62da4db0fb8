import type { Connection } from './options.js';

/** A failed API call, worded by the server (`{error: {code, message}}`) when it answered. */
export class ApiError extends Error {
  override name = 'ApiError';
}

/** One JSON request to the Depot API; resolves to the parsed body (undefined for 204). */
export async function callApi(
  conn: Connection,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${conn.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${conn.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new ApiError(`cannot reach ${conn.url}: ${cause ?? (err as Error).message}`);
  }
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  if (!res.ok) {
    const e = json?.error as { code?: string; message?: string } | undefined;
    throw new ApiError(e ? `${e.message} (${e.code})` : `HTTP ${res.status}`);
  }
  return json;
}
