import { parseArgs } from 'node:util';
import { DepotClient, isDepotError } from '@depot/client';
import type { Command } from '../command.js';
import { downloadDestination, idOf } from '../download-destination.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { transferLine } from '../fail.js';
import { bytes } from '../format.js';
import { interruptSignal } from '../interrupt.js';
import { connection, connectionOptions, outputOptions, parsing } from '../parse.js';
import { chooseReporter } from '../report/choose.js';
import { errorLine } from '../report/reporter.js';

const USAGE = `usage: depot download ID [-o PATH] [options]

Downloads a file (by id, or its full URL) to PATH (default: ./ID), or into PATH when it is a
directory, under the name the file was uploaded with. A partial PATH is continued
where it stopped; the whole is checked against the server's sha256 (Repr-Digest) and removed
if it does not match. Ctrl-C stops; run the same command again to resume.

  -o, --output PATH   where to write the file (an existing directory: into it)
  --json              print the result as JSON
  --quiet             print nothing but errors
  --url URL           the server (DEPOT_URL; default http://127.0.0.1:8080)
  --token TOKEN       bearer token (DEPOT_TOKEN)
`;

const OPTIONS = {
  ...connectionOptions,
  output: { type: 'string', short: 'o' },
  ...outputOptions,
} as const;

export const download: Command = {
  name: 'download',
  summary: 'download ID [-o PATH]   download a file, resuming a partial PATH',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (positionals.length !== 1) throw new UsageError('download takes exactly one ID');
    const id = positionals[0] as string;
    const conn = connection(values);
    const reporter = chooseReporter(values, 0, 1);
    const client = new DepotClient(conn);
    const interrupt = interruptSignal();
    const t0 = performance.now();
    let dest = values.output ?? idOf(id);
    try {
      await client.probe(interrupt.signal);
      dest = await downloadDestination(values.output, id, async (fileId) =>
        conn.token ? (await client.files.info(fileId, interrupt.signal)).name : undefined,
      );
      reporter.start(dest, undefined);
      const r = await client.download(id, dest, {
        signal: interrupt.signal,
        onProgress: (p) => reporter.progress(dest, p),
      });
      const resumed = r.resumed ? ', resumed' : '';
      reporter.done(
        dest,
        `${id} -> ${dest} (${bytes(r.size)}, sha256 ${r.sha256 ? 'verified' : 'not given by the server'}${resumed})`,
        {
          id,
          path: r.path,
          size: r.size,
          resumed: r.resumed,
          bytesReceived: r.bytesReceived,
          // hex, as `depot info` and the files API write it (the SDK gives Repr-Digest's base64)
          sha256: r.sha256 === undefined ? null : Buffer.from(r.sha256, 'base64').toString('hex'),
        },
      );
      reporter.finish('downloaded', {
        ok: 1,
        failed: 0,
        bytes: r.bytesReceived,
        seconds: (performance.now() - t0) / 1000,
        interrupted: false,
      });
      return EXIT.ok;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      if (interrupt.interrupted()) {
        errorLine(`interrupted; ${dest} is kept: run the same command again to resume`);
        return EXIT.interrupted;
      }
      const message = transferLine(err, conn.url);
      if (values.json) {
        const code = isDepotError(err) ? err.code : 'ERR_FAILED';
        process.stdout.write(`${JSON.stringify({ id, ok: false, error: { code, message } })}\n`);
      }
      errorLine(message);
      return EXIT.failed;
    } finally {
      interrupt.dispose();
    }
  },
};
