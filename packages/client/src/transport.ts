import { ClientCodes, DepotError, errorFromResponse } from './errors.js';

export interface TransportOptions {
  readonly url: string;
  readonly token?: string;
  readonly fetch?: typeof fetch;
}

type Body = Uint8Array | undefined;

/**
 * Marks a fetch that sends a body in shared memory (a SharedArrayBuffer, as Node's file reader
 * hands out) as it is. Any other fetch gets a copy: the web's fetch refuses shared memory.
 */
export const TAKES_SHARED_BODIES = Symbol.for('depot.fetch.takesSharedBodies');

const inSharedMemory = (body: Uint8Array): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && body.buffer instanceof SharedArrayBuffer;

/** fetch with the bearer token and tus version header; network failures become DepotErrors. */
export class Transport {
  readonly base: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #takesShared: boolean;

  constructor(options: TransportOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#takesShared =
      (options.fetch as { [TAKES_SHARED_BODIES]?: boolean } | undefined)?.[TAKES_SHARED_BODIES] === true;
  }

  /**
   * The absolute URL of an API path (`/api/files`) or of a URL. A path is under the server URL
   * as given, prefix included (`https://host/depot` + `/api/files`), for a Depot behind a proxy
   * that serves it under a path.
   */
  resolve(pathOrUrl: string): string {
    if (pathOrUrl.startsWith('/') && !pathOrUrl.startsWith('//'))
      return new URL(`${this.base}${pathOrUrl}`).href;
    return new URL(pathOrUrl, `${this.base}/`).href;
  }

  async send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: Body,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const all: Record<string, string> = { ...headers };
    if (this.#token) all.Authorization = `Bearer ${this.#token}`;
    const sendable = body && !this.#takesShared && inSharedMemory(body) ? new Uint8Array(body) : body;
    try {
      return await this.#fetch(url, {
        method,
        headers: all,
        body: sendable as Uint8Array<ArrayBuffer> | undefined,
        signal,
      });
    } catch (err) {
      throw networkError(err, signal, `${method} ${url}`);
    }
  }

  /** Like send, but a status outside `ok` is thrown as a DepotError. */
  async expect(
    ok: readonly number[],
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: Body,
    signal?: AbortSignal,
  ): Promise<Response> {
    const res = await this.send(method, url, headers, body, signal);
    if (!ok.includes(res.status)) throw await errorFromResponse(res, `${method} ${url}`);
    return res;
  }
}

export function networkError(err: unknown, signal: AbortSignal | undefined, what: string): DepotError {
  if (err instanceof DepotError) return err;
  if (signal?.aborted) return new DepotError(ClientCodes.aborted, undefined, 'aborted', { cause: err });
  // fetch puts the socket's error in `cause`; node:http gives it directly
  const e = err as { code?: string; cause?: { code?: string; message?: string } };
  const detail =
    e.cause?.code ?? e.cause?.message ?? e.code ?? (err instanceof Error ? err.message : String(err));
  return new DepotError(ClientCodes.network, undefined, `${what}: ${detail}`, { cause: err });
}
