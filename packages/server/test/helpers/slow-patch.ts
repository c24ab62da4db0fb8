import { type ClientRequest, request } from 'node:http';

/** A PATCH whose body the test writes piece by piece, and can stall or cut off at will. */
export interface SlowPatch {
  readonly req: ClientRequest;
  /** resolves with the status once the server answers (or 0 if the connection died first) */
  readonly response: Promise<{ status: number; offset?: string }>;
  write(data: Uint8Array): Promise<void>;
  end(): void;
  /** Drops the connection without finishing the body. */
  cut(): void;
}

export function slowPatch(url: string, headers: Record<string, string>, contentLength: number): SlowPatch {
  const req = request(url, {
    method: 'PATCH',
    headers: { ...headers, 'Content-Length': String(contentLength) },
  });
  req.flushHeaders();
  const response = new Promise<{ status: number; offset?: string }>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, offset: res.headers['upload-offset'] as string | undefined });
    });
    req.on('error', () => resolve({ status: 0 }));
  });
  return {
    req,
    response,
    write: (data) => new Promise((resolve) => req.write(data, () => resolve())),
    end: () => req.end(),
    cut: () => req.destroy(),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
