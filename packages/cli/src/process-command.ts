import { once } from 'node:events';
import type { ReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { decodeRows, type ImportType, ProcessorError, processors } from '@depot/server';
import { UsageError } from './exit-codes.js';
import { LocalFileError, openForReading, openForWriting, readText, writeProblem } from './local-file.js';
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
  if (processors[type].kind !== 'file' && !values.schema)
    throw new UsageError(`${type} needs --schema DATASET.json`);
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
  let files: LocalFiles;
  try {
    files = await openFiles(opts);
  } catch (err) {
    if (!(err instanceof LocalFileError)) throw err;
    process.stderr.write(`depot process: ${err.message}\n`);
    return 1;
  }
  const { input, output, schema } = files;
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const tempDir = await mkdtemp(path.join(tmpdir(), 'depot-process-'));
  let listed = 0;
  const common = {
    input,
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
      if (!schema) throw new UsageError('csv-import needs --schema DATASET.json');
      // a write error (a full disk) rejects the wait for 'drain' below instead of crashing
      let writeError: Error | undefined;
      output.on('error', (err) => {
        writeError = err;
      });
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
            if (writeError) throw writeProblem(opts.output ?? 'stdout', writeError);
            if (text && !output.write(`${text}\n`)) await once(output, 'drain');
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
    if (err instanceof LocalFileError) {
      process.stderr.write(`depot process: ${err.message}\n`);
      return 1;
    }
    const message = err instanceof ProcessorError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`depot process: failed: ${message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    input.destroy();
    await rm(tempDir, { recursive: true, force: true });
  }
}

interface LocalFiles {
  input: ReadStream;
  output: Writable;
  schema: { columns: never[] } | undefined;
}

/**
 * Reads the schema and opens the input and the output before any work, so a missing or
 * unwritable file is one line naming it, and a bad input leaves no empty output behind.
 */
async function openFiles(opts: ProcessArgs): Promise<LocalFiles> {
  let schema: { columns: never[] } | undefined;
  if (opts.schema) {
    const text = await readText(opts.schema);
    try {
      schema = JSON.parse(text) as { columns: never[] };
    } catch {
      throw new LocalFileError(`${opts.schema}: not valid JSON`);
    }
  }
  const input = await openForReading(opts.input, 1 << 20);
  try {
    const output = opts.output ? await openForWriting(opts.output) : process.stdout;
    return { input, output, schema };
  } catch (err) {
    input.destroy();
    throw err;
  }
}
