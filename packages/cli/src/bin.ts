#!/usr/bin/env node
import { serve } from '@depot/server';
import { PROCESS_USAGE, processCommand } from './process-command.js';

const USAGE = `usage: depot <command> [options]

commands:
  serve [--port N] [--host H] [--data-dir DIR] [...]   start the server (every DEPOT_* setting is a flag)
  process TYPE INPUT [-o OUTPUT]                       run a processor on a local file, no server
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      if (rest.includes('--help')) {
        process.stdout.write(USAGE);
        return 0;
      }
      return serve(rest);
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
    process.stderr.write(`depot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
