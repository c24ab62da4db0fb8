import type { Command } from '../command.js';

export const processFile: Command = {
  name: 'process',
  summary: 'process TYPE INPUT [-o OUTPUT]   run a processor on a local file, no server',
  usage: `usage: depot process TYPE INPUT [-o OUTPUT] [--schema DATASET.json] [--memory SIZE]

Runs a processor on a local file, with no server. TYPE: csv-report, csv-import.
csv-report writes the report to OUTPUT (default: stdout). csv-import validates INPUT against
--schema (the body of POST /api/datasets) and writes the valid rows as JSON lines.
Bad rows are listed on stderr; exit 0 done, 1 failed, 2 usage error, 130 interrupted.
`,
  // loaded on demand, like serve: the processors live in the server package
  run: async (args) => (await import('../process-command.js')).processCommand(args),
};
