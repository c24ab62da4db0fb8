import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type RunningServer, startServer } from '@depot/server';

export interface TestDepot {
  readonly url: string;
  readonly token: string;
  readonly server: RunningServer;
  close(): Promise<void>;
}

/** A real Depot in this process on a random port, with its own data dir that close() removes. */
export async function startDepot(env: Record<string, string> = {}): Promise<TestDepot> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'depot-client-'));
  const token = `test-admin-${randomUUID()}`;
  const server = await startServer(
    loadConfig({
      DEPOT_PORT: '0',
      DEPOT_DATA_DIR: dataDir,
      DEPOT_ADMIN_TOKEN: token,
      DEPOT_LOG_LEVEL: 'silent',
      ...env,
    }),
  );
  return {
    url: server.url,
    token,
    server,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A scratch directory that the returned function removes. */
export async function scratch(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A fetch that records every request's method and headers (and can change a request) before sending it. */
export function recordingFetch(
  tamper?: (method: string, headers: Headers, body: Uint8Array | undefined) => Uint8Array | undefined,
) {
  const seen: { method: string; url: string; headers: Headers; bytes: number }[] = [];
  const f: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const method = init?.method ?? 'GET';
    let body = init?.body as Uint8Array | undefined;
    if (tamper) body = tamper(method, headers, body);
    seen.push({ method, url: String(input), headers, bytes: body?.byteLength ?? 0 });
    return fetch(input, { ...init, body: body as Uint8Array<ArrayBuffer> | undefined });
  };
  return { fetch: f, seen };
}
