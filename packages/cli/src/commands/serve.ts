import { serve as startServing } from '@depot/server';
import type { Command } from '../command.js';

export const serve: Command = {
  name: 'serve',
  summary:
    'serve [--port N] [--host H] [--data-dir DIR] [...]   start the server (every DEPOT_* setting is a flag)',
  usage: `usage: depot serve [flags]

Starts the server. Every DEPOT_* setting is also a flag: DEPOT_MAX_UPLOAD_SIZE=1GiB is
--max-upload-size 1GiB (flags win). See the README for the list.
`,
  run: (args) => startServing(args),
};
