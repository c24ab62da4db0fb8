import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { compose, type Services, type Tuning } from './compose.js';
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
  close(options?: CloseOptions): Promise<void>;
}

export interface CloseOptions {
  /**
   * How long requests in flight may take to finish; then their connections are dropped (a client
   * that stopped reading a download would otherwise hold the close forever). Default: no limit.
   */
  readonly drainMs?: number;
}

export interface StartOptions {
  readonly log?: Logger;
  readonly tuning?: Tuning;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? pino({ level: config.logLevel });
  await mkdir(config.dataDir, { recursive: true });
  const services = await compose(config, log, options.tuning);
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
  /** Closes the HTTP side: waits for requests in flight, for at most `drainMs` when given. */
  const drainHttp = async (drainMs: number | undefined) => {
    // A client that stopped reading a download would hold the close forever: past the drain
    // time, the connections still busy are dropped.
    const deadline =
      drainMs === undefined
        ? undefined
        : setTimeout(() => {
            log.warn(
              { drainMs },
              'requests still in flight at the shutdown deadline: dropping their connections',
            );
            app.server.closeAllConnections();
          }, drainMs);
    try {
      const closed = app.close();
      dropQuietConnections();
      await closed;
    } finally {
      clearTimeout(deadline);
    }
  };
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    services,
    app,
    adminToken,
    close: (options = {}) => {
      closing ??= (async () => {
        services.uploads.beginShutdown();
        closingSignal.abort();
        // Running jobs save a checkpoint and go back to the queue at once, beside the HTTP drain:
        // a job is never left to be killed with the process when the drain runs long.
        await Promise.all([drainHttp(options.drainMs), services.jobs.stop()]);
        await services.close();
      })();
      return closing;
    },
  };
}
