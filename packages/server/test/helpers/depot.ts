import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Tuning } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { hashToken, newTokenSecret } from '../../src/core/tokens.js';
import { type RunningServer, startServer } from '../../src/server.js';

export interface TestDepot {
  readonly url: string;
  readonly files: string;
  readonly token: string;
  readonly dataDir: string;
  readonly server: RunningServer;
  /** The stored bytes of upload `id`, read through the configured blob store (fs or S3). */
  blob(id: string): Promise<Buffer>;
  /** The stored size of upload `id`, or undefined when it has no blob. */
  blobSize(id: string): Promise<number | undefined>;
  /** A new non-admin token for `owner`. */
  tokenFor(owner: string): Promise<string>;
  close(): Promise<void>;
}

/** A real Depot on a random port, with its own data dir (SQLite file + blobs) that close() removes. */
export async function startDepot(env: Record<string, string> = {}, tuning?: Tuning): Promise<TestDepot> {
  const dataDir = env.DEPOT_DATA_DIR ?? (await mkdtemp(path.join(tmpdir(), 'depot-test-')));
  const token = `test-admin-${randomUUID()}`;
  const config = loadConfig({
    DEPOT_PORT: '0',
    DEPOT_DATA_DIR: dataDir,
    DEPOT_ADMIN_TOKEN: token,
    DEPOT_LOG_LEVEL: 'silent',
    ...env,
  });
  const server = await startServer(config, {
    log: pino({ level: process.env.DEPOT_TEST_LOG ?? 'silent' }),
    tuning,
  });
  return {
    url: server.url,
    files: `${server.url}/files/`,
    token,
    dataDir,
    server,
    blob: async (id) => {
      const chunks: Buffer[] = [];
      for await (const c of await server.services.storage.blobs.read(id)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    blobSize: (id) => server.services.storage.blobs.size(id),
    tokenFor: async (owner) => {
      const secret = newTokenSecret();
      await server.services.store.tokens.insert({
        id: randomUUID(),
        name: owner,
        owner,
        hash: hashToken(secret),
        admin: false,
        quota: null,
        createdAt: Date.now(),
        revokedAt: null,
      });
      return secret;
    },
    close: async () => {
      await server.close();
      if (!env.DEPOT_DATA_DIR) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const tus = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'Tus-Resumable': '1.0.0',
  Authorization: `Bearer ${token}`,
  ...extra,
});

export const chunkHeaders = (token: string, offset: number, extra: Record<string, string> = {}) =>
  tus(token, {
    'Content-Type': 'application/offset+octet-stream',
    'Upload-Offset': String(offset),
    ...extra,
  });

/** Creates an upload and returns its URL. */
export async function createUpload(
  depot: TestDepot,
  headers: Record<string, string>,
  token = depot.token,
): Promise<string> {
  const res = await fetch(depot.files, { method: 'POST', headers: tus(token, headers) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  const location = res.headers.get('location');
  if (!location) throw new Error('no Location');
  return location;
}

export const patch = (
  url: string,
  token: string,
  offset: number,
  body: Uint8Array,
  extra: Record<string, string> = {},
) => fetch(url, { method: 'PATCH', headers: chunkHeaders(token, offset, extra), body });

export const head = (url: string, token: string) => fetch(url, { method: 'HEAD', headers: tus(token) });
