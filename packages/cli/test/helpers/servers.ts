import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, startServer } from '@depot/server';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

export interface Started {
  readonly url: string;
  readonly dir: string;
  readonly token: string;
  close(): Promise<void>;
}

/** Depot in this process, on a random port, with its own data dir. */
export async function depotServer(
  env: Record<string, string> = {},
  options: Parameters<typeof startServer>[1] = {},
): Promise<Started> {
  const dir = await mkdtemp(path.join(tmpdir(), 'depot-cli-'));
  const token = `cli-admin-${randomUUID()}`;
  const server = await startServer(
    loadConfig({
      DEPOT_PORT: '0',
      DEPOT_DATA_DIR: dir,
      DEPOT_ADMIN_TOKEN: token,
      DEPOT_LOG_LEVEL: 'silent',
      ...env,
    }),
    options,
  );
  return {
    url: server.url,
    dir,
    token,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The reference tus server, @tus/server with @tus/file-store, as its README sets it up. */
export async function tusNodeServer(): Promise<Started> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tus-node-'));
  const tus = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
  const http = tus.listen({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => http.once('listening', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    token: '',
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
