import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { decodeRows, type ImportType, ProcessorError, processors } from '@depot/server';
import { UsageError } from './exit-codes.js';
import { parsing, size } from './parse.js';

export const PROCESS_USAGE = `usage: depot process TYPE INPUT [-o OUTPUT] [--schema DATASET.json] [--memory SIZE]

Runs a processor on a local file, with no server. TYPE: ${Object.keys(processors).join(', ')}.
csv-report writes the report to OUTPUT (default: stdout). csv-import validates INPUT against
--schema (the body of POST /api/datasets) and writes the valid rows as JSON lines.
Bad rows are listed on stderr; exit 0 done, 1 failed, 2 usage error, 130 interrupted.
`;

/** Errors listed on stderr before only the count goes on. */
const MAX_LISTED = 100;

interface ProcessArgs {
  type: string;
  input: string;
  output?: string;
  schema?: string;
  memory: number;
}

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  schema: { type: 'string' },
  memory: { type: 'string' },
} as const;

function parseProcessArgs(args: readonly string[]): ProcessArgs {
  const { values, positionals } = parsing(() =>
    parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true }),
  );
  const [type, input] = positionals;
  if (!type || !input || positionals.length > 2) throw new UsageError('expected TYPE and INPUT');
  if (!processors[type]) throw new UsageError(`unknown type ${type}`);
  const memory = size('--memory', values.memory, 256 * 1024 * 1024) as number;
  return { type, input, output: values.output, schema: values.schema, memory };
}

/** `depot process TYPE INPUT [-o OUTPUT]`: returns the exit code. */
export async function processCommand(args: readonly string[]): Promise<number> {
  let opts: ProcessArgs;
  try {
    opts = parseProcessArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`depot process: ${err.message}\n${PROCESS_USAGE}`);
    return 2;
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const tempDir = await mkdtemp(path.join(tmpdir(), 'depot-process-'));
  const output: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
  let listed = 0;
  const common = {
    input: createReadStream(opts.input, { highWaterMark: 1 << 20 }),
    signal: controller.signal,
    tempDir,
    memoryBudget: opts.memory,
    progress() {},
    onError(e: { row: number; reason: string; raw: string }) {
      if (listed++ < MAX_LISTED) process.stderr.write(`row ${e.row}: ${e.reason}: ${e.raw}\n`);
    },
  };
  try {
    const processor = processors[opts.type]!;
    let summary: string;
    if (processor.kind === 'file') {
      const r = await processor.run({ ...common, output });
      summary = `${r.rowsDone} rows read, ${r.errorCount} bad, ${r.rowsOut} rows written`;
    } else {
      if (!opts.schema) throw new UsageError('csv-import needs --schema DATASET.json');
      const schema = JSON.parse(await readFile(opts.schema, 'utf8')) as { columns: never[] };
      const r = await processor.run({
        ...common,
        columns: schema.columns,
        rows: {
          async write(batch) {
            const columns = schema.columns as { name: string; type: ImportType }[];
            const names = columns.map((c) => c.name);
            const text = decodeRows(
              batch,
              columns.map((c) => c.type),
            )
              .map((row) => JSON.stringify(Object.fromEntries(names.map((n, i) => [n, row[i]]))))
              .join('\n');
            if (text && !output.write(`${text}\n`)) await new Promise((r) => output.once('drain', r));
          },
        },
      });
      if (output !== process.stdout) output.end();
      summary = `${r.rowsDone} rows read, ${r.errorCount} bad`;
    }
    if (output !== process.stdout) await finished(output);
    process.stderr.write(`depot process: ${summary}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`depot process: ${err.message}\n`);
      return 2;
    }
    if (controller.signal.aborted) {
      process.stderr.write('depot process: interrupted\n');
      return 130;
    }
    const message = err instanceof ProcessorError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`depot process: failed: ${message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await rm(tempDir, { recursive: true, force: true });
  }
}
