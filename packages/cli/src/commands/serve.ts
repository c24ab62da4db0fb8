import type { Command } from '../command.js';

export const serve: Command = {
  name: 'serve',
  summary:
    'serve [--port N] [--host H] [--data-dir DIR] [...]   start the server (every DEPOT_* setting is a flag)',
  usage: `usage: depot serve [flags]

Starts the server. Every DEPOT_* setting is also a flag: DEPOT_MAX_UPLOAD_SIZE=1GiB is
--max-upload-size 1GiB (flags win). See the README for the list.
`,
  // loaded on demand: the server's dependencies (fastify, SQLite, …) would slow every other command's start
  run: async (args) => (await import('@depot/server')).serve(args),
};
