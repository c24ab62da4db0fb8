import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { DepotClient, isDepotError } from '@depot/client';
import type { Command } from '../command.js';
import { describeError, isFatal } from '../describe-error.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { expandInputs } from '../expand-inputs.js';
import { failureCode, transferLine } from '../fail.js';
import { bytes } from '../format.js';
import { interruptSignal } from '../interrupt.js';
import { connection, connectionOptions, outputOptions, parsing, positiveInt, size } from '../parse.js';
import { runPool } from '../pool.js';
import { chooseReporter } from '../report/choose.js';
import { processMetadata } from '../upload-jobs.js';
import { type Uploaded, waitForUploadJobs } from '../upload-wait.js';

const USAGE = `usage: depot upload FILE... [options]

Uploads files (directories with -r; quoted globs like 'logs/**/*.csv') over tus, resuming any
earlier unfinished upload of the same file. Ctrl-C stops and keeps the state: run the same
command again to send only what is missing.

  -r, --recursive     upload the files in directories, recursively
  --parallel N        split each file into N parts sent at once (default 1)
  --chunk-size S      bytes per request, e.g. 8MiB, at least 64KiB (default: 16MiB, doubled
                      after each chunk sent in under a second, up to 64MiB)
  --concurrency N     files at a time (default 4)
  --no-checksum       send no sha256 Upload-Checksum with each chunk (saves hashing on both sides)
  --process TYPE      have the server run a TYPE job (csv-report, csv-import) on each file once
                      it is uploaded (tus metadata process=TYPE)
  --param KEY=VALUE   a parameter of that job, e.g. --param dataset=people (repeatable;
                      csv-import needs dataset=NAME)
  --wait              with --process: follow each job to its end (exit 1 if one fails)
  --json              one JSON line per file, then a summary
  --quiet             print nothing but errors
  --url URL           the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN       bearer token (DEPOT_TOKEN)

Exit codes: 0 all uploaded (and with --wait, every job completed), 1 some failed, 2 usage error, 130 interrupted (resumable).
`;

const OPTIONS = {
  ...connectionOptions,
  recursive: { type: 'boolean', short: 'r' },
  parallel: { type: 'string' },
  'chunk-size': { type: 'string' },
  concurrency: { type: 'string' },
  'no-checksum': { type: 'boolean' },
  process: { type: 'string' },
  param: { type: 'string', multiple: true },
  wait: { type: 'boolean' },
  ...outputOptions,
} as const;

/** Smaller chunks make a request per few KB: 20 MB in 1-byte chunks would take hours. */
const MIN_CHUNK = { bytes: 64 * 1024, text: '64KiB' };

export const upload: Command = {
  name: 'upload',
  summary:
    'upload FILE... [-r] [--parallel N] [--chunk-size S] [--concurrency N] [--process TYPE [--wait]] [--json]   upload files',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (positionals.length === 0) throw new UsageError('upload needs at least one FILE');
    const conn = connection(values);
    const parallel = positiveInt('--parallel', values.parallel, 1);
    const concurrency = positiveInt('--concurrency', values.concurrency, 4);
    const chunkSize = size('--chunk-size', values['chunk-size'], undefined, MIN_CHUNK);
    const metadata = processMetadata(values.process, values.param ?? []);
    if (values.wait && values.process === undefined) throw new UsageError('--wait needs --process TYPE');
    const uploaded: Uploaded[] = [];

    const { files, problems } = await expandInputs(positionals, values.recursive === true);
    const total = files.reduce((a, f) => a + f.size, 0);
    const reporter = chooseReporter(values, total, files.length);
    for (const p of problems) reporter.failed(p.input, p.message, 'ERR_INPUT');
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    if (files.length === 0) {
      reporter.finish('uploaded', {
        ok: 0,
        failed: problems.length,
        bytes: 0,
        seconds: seconds(),
        interrupted: false,
      });
      return EXIT.failed;
    }

    const client = new DepotClient(conn);
    const interrupt = interruptSignal();
    const fatal = new AbortController();
    const signal = AbortSignal.any([interrupt.signal, fatal.signal]);
    // every request in flight listens on it: --concurrency × --parallel of them, not a leak
    setMaxListeners(0, signal);
    let ok = 0;
    let failed = problems.length;
    // Bytes this run sent, for the summary: a finished file's own count (a resumed one sent only
    // the rest); a file interrupted or failed, what the server confirmed from its first offset on.
    let sent = 0;
    const confirmed = new Map<string, { first: number; last: number }>();
    let fatalError: unknown;
    try {
      await client.probe(signal);
      await runPool(files, concurrency, signal, async (f) => {
        reporter.start(f.path, f.size);
        try {
          const r = await client.upload(f.path, {
            parallel,
            chunkSize,
            checksum: values['no-checksum'] !== true,
            metadata,
            signal,
            onProgress: (p) => {
              const seen = confirmed.get(f.path);
              if (seen) seen.last = p.bytesSent;
              else confirmed.set(f.path, { first: p.bytesSent, last: p.bytesSent });
              reporter.progress(f.path, p);
            },
          });
          ok++;
          sent += r.bytesSent;
          confirmed.delete(f.path);
          uploaded.push({ file: f.path, id: r.id });
          const resumed = r.resumed ? ', resumed' : '';
          reporter.done(f.path, `${f.path} -> ${r.id} (${bytes(r.size)}${resumed})`, {
            id: r.id,
            url: r.url,
            size: r.size,
            resumed: r.resumed,
            bytesSent: r.bytesSent,
          });
        } catch (err) {
          if (signal.aborted) return; // interrupted or stopped by a fatal error: not this file's fault
          if (isFatal(err)) {
            fatalError = err;
            fatal.abort();
            return;
          }
          failed++;
          reporter.failed(f.path, fileLine(f.path, transferLine(err, conn.url)), codeOf(err));
        }
      });
    } catch (err) {
      fatalError = err; // the probe: no server there
    } finally {
      interrupt.dispose();
    }
    const fatally = fatalError !== undefined && !interrupt.interrupted();
    // the files it never got to failed with it
    if (fatally) reporter.error(describeError(fatalError, conn.url), failureCode(fatalError));
    const summary = {
      ok,
      failed: fatally ? files.length + problems.length - ok : failed,
      bytes: [...confirmed.values()].reduce((sum, c) => sum + c.last - c.first, sent),
      seconds: seconds(),
      interrupted: interrupt.interrupted(),
    };
    reporter.finish('uploaded', summary);
    if (fatally) return EXIT.failed;
    if (summary.interrupted) return EXIT.interrupted;
    if (values.wait && values.process !== undefined && uploaded.length > 0) {
      const waited = await waitForUploadJobs(client, conn.url, uploaded, values.process, values);
      if (waited !== EXIT.ok) return waited;
    }
    return failed > 0 ? EXIT.failed : EXIT.ok;
  },
};

/** `FILE: why`, naming the file once: the SDK's errors about reading it (ERR_SOURCE) name it already. */
const fileLine = (file: string, message: string): string =>
  message.startsWith(`${file}: `) ? message : `${file}: ${message}`;

const codeOf = (err: unknown): string | undefined => (isDepotError(err) ? err.code : undefined);
