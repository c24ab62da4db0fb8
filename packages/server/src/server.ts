import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { compose, type Services } from './compose.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import { trackRequests } from './http/close-quiet-connections.js';

/** A started server. */
export interface RunningServer {
  readonly url: string;
  readonly services: Services;
  readonly app: FastifyInstance;
  /** the admin token, when it was generated now or given by DEPOT_ADMIN_TOKEN */
  readonly adminToken?: { token: string; generated: boolean };
  /** Graceful stop: refuse new work, let in-flight writes save their bytes, close the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly log?: Logger;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? pino({ level: config.logLevel });
  await mkdir(config.dataDir, { recursive: true });
  const services = await compose(config, log);
  let app: FastifyInstance;
  // Ends the event streams at shutdown, which would otherwise hold the server open.
  const closingSignal = new AbortController();
  let adminToken: RunningServer['adminToken'];
  try {
    adminToken = await services.tokens.bootstrapAdmin(config.adminToken);
    app = await buildApp(services, log, closingSignal.signal);
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await services.close();
    throw err;
  }
  const dropQuietConnections = trackRequests(app.server);
  services.sweeper.start(config.expiryInterval);
  await services.start();
  const { port } = app.server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    services,
    app,
    adminToken,
    close: () => {
      closing ??= (async () => {
        services.uploads.beginShutdown();
        closingSignal.abort();
        // Fastify (and Node) close the idle keep-alive connections once, when closing starts; a
        // connection whose last response was finishing at that instant turns idle a moment
        // later and would hold the close open until keepAliveTimeout. Keep closing idle ones.
        const idle = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          const closed = app.close();
          dropQuietConnections();
          await closed;
        } finally {
          clearInterval(idle);
        }
        await services.close();
      })();
      return closing;
    },
  };
}
