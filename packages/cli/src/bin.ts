#!/usr/bin/env node
import { UsageError } from './options.js';
import { PROCESS_USAGE, processCommand } from './process-command.js';
import { TOKEN_USAGE, tokenCommand } from './token-command.js';

const USAGE = `usage: depot <command> [options]

commands:
  serve [--port N] [--host H] [--data-dir DIR] [...]   start the server (every DEPOT_* setting is a flag)
  token create NAME [--owner O] [--quota SIZE] | ls | revoke ID   manage API tokens (admin)
  process TYPE INPUT [-o OUTPUT]                       run a processor on a local file, no server

The client commands take --url URL (DEPOT_URL, default http://127.0.0.1:8080) and
--token TOKEN (DEPOT_TOKEN).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      if (rest.includes('--help')) {
        process.stdout.write(USAGE);
        return 0;
      }
      // loaded only here: client commands start fast without the server's dependencies
      return (await import('@depot/server')).serve(rest);
    case 'token':
      if (rest.includes('--help')) {
        process.stdout.write(TOKEN_USAGE);
        return 0;
      }
      return tokenCommand(rest);
    case 'process':
      if (rest.includes('--help')) {
        process.stdout.write(PROCESS_USAGE);
        return 0;
      }
      return processCommand(rest);
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`depot: unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`depot: ${err.message}\n`);
      process.exit(2);
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`depot: ${message}\n`);
    process.exit(1);
  },
);
