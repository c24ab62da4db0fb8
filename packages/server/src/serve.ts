import { pino } from 'pino';
import { ConfigError, loadConfig, settingForFlag } from './config.js';
import { startServer } from './server.js';

/** Turns `--port 9000 --trust-proxy` into DEPOT_* entries (flags win over the environment). */
export function flagsToEnv(args: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${arg}`);
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = settingForFlag(flag);
    if (!name) throw new ConfigError(`unknown flag ${flag}; see depot serve --help`);
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      value = next === undefined || next.startsWith('--') ? 'true' : next;
      if (value !== 'true' || next === 'true') i++;
    }
    env[name] = value;
  }
  return env;
}

/**
 * `depot serve`: start on the configured settings, print the URL and admin token, and stop
 * gracefully on SIGTERM/SIGINT. Returns the process exit code (2 for a bad setting).
 */
export async function serve(args: readonly string[], env = process.env): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...env, ...flagsToEnv(args) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`depot: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = pino({ level: config.logLevel });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, { log });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`depot: cannot start: ${message}\n`);
    return err instanceof ConfigError ? 2 : 1;
  }
  // One write, so a reader that sees the URL sees the token line with it.
  const link = server.adminToken?.generated
    ? `Web UI (signs in as admin): ${server.url}/?token=${server.adminToken.token}\n`
    : '';
  process.stdout.write(`Depot is listening on ${server.url}\n${adminTokenLine(server.adminToken)}\n${link}`);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        log.error('shutdown timed out; exiting');
        resolve(1);
      }, config.shutdownTimeout);
      timer.unref();
      server.close({ drainMs: drainTime(config.shutdownTimeout) }).then(
        () => {
          clearTimeout(timer);
          log.info('stopped');
          resolve(0);
        },
        (err) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * The part of the shutdown timeout that requests in flight may use. The rest is kept for what
 * follows them: running jobs save a checkpoint and go back to the queue, the store closes.
 */
function drainTime(shutdownTimeout: number): number {
  return shutdownTimeout - Math.min(5_000, Math.floor(shutdownTimeout / 4));
}

function adminTokenLine(admin: { token: string; generated: boolean } | undefined): string {
  if (admin?.generated) return `Admin token (shown once; keep it): ${admin.token}`;
  if (!admin) return 'Admin token: the one printed at first start (or set DEPOT_ADMIN_TOKEN)';
  return 'Admin token: DEPOT_ADMIN_TOKEN';
}
