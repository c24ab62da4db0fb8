import type { Transport } from './transport.js';

/** Query parameters; undefined ones are left out. */
export type Query = Record<string, string | number | undefined>;

/** One call to the JSON API: a non-2xx answer throws a DepotError; 204 resolves to undefined. */
export class JsonApi {
  constructor(private readonly transport: Transport) {}

  async call<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<T> {
    const url = new URL(this.transport.resolve(path));
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const json = options.body !== undefined;
    const res = await this.transport.expect(
      [200, 201, 202, 204],
      method,
      url.href,
      json
        ? { 'Content-Type': 'application/json', Accept: 'application/json' }
        : { Accept: 'application/json' },
      json ? new TextEncoder().encode(JSON.stringify(options.body)) : undefined,
      options.signal,
    );
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

/** A path segment from an id or name. */
export const seg = (s: string): string => encodeURIComponent(s);
