import type { Command } from '../command.js';
import { holdYoungGeneration } from '../startup-heap.js';

export const serve: Command = {
  name: 'serve',
  summary:
    'serve [--port N] [--host H] [--data-dir DIR] [...]   start the server (every DEPOT_* setting is a flag)',
  usage: `usage: depot serve [flags]

Starts the server. Every DEPOT_* setting is also a flag: DEPOT_MAX_UPLOAD_SIZE=1GiB is
--max-upload-size 1GiB (flags win). See the README for the list.
`,
  run: async (args) => {
    // Start-up's survivors would grow the young generation to its maximum (see startup-heap.ts).
    const release = holdYoungGeneration();
    try {
      // loaded on demand: the server's dependencies (fastify, SQLite, …) would slow every other command's start
      const { serve: serveDepot } = await import('@depot/server');
      return await serveDepot(args, process.env, { onListening: release });
    } finally {
      release();
    }
  },
};
