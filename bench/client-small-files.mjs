// 2,000 files of 16 KiB, 16 at a time: `depot upload -r DIR --concurrency 16` against
// tus-js-client (Node) uploading the same directory 16 at a time, both as fresh processes, to the
// same Depot in the same run. Every file must arrive: the CLI's JSON lines and the anchor's count
// are checked, and a sample of uploads is verified with HEAD.
//
//   npm run build && node bench/client-small-files.mjs [--reps 3] [--files 2000] [--concurrency 16]
//     [--only "depot upload -r"] [--profile]
//
// Besides files/s it reports the CPU seconds per 1,000 files of the server and of the client
// process (load-robust, unlike wall time).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cliConfigDir, interleaved, startCli } from './lib/client-bench.mjs';
import {
  argValue,
  benchDir,
  childrenCpu,
  KiB,
  machine,
  median,
  procCpu,
  SHM,
  startDepot,
  TOKEN,
  table,
  tusOffset,
  verdict,
} from './lib/harness.mjs';

const reps = Number(argValue('--reps', '3'));
const count = Number(argValue('--files', '2000'));
const concurrency = Number(argValue('--concurrency', '16'));
const SIZE = 16 * KiB;
const auth = { Authorization: `Bearer ${TOKEN}` };

const dir = path.join(SHM, `small-files-${process.pid}`);
await mkdir(dir, { recursive: true });
for (let i = 0; i < count; i++)
  await writeFile(path.join(dir, `f${String(i).padStart(5, '0')}.bin`), randomBytes(SIZE));
const depot = await startDepot();
const anchorScript = path.join(benchDir, 'anchors', 'tus-js-client-batch.mjs');

const anchor = (extra) => () =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile(
      process.execPath,
      [anchorScript, dir, depot.url, TOKEN, String(concurrency), ...extra],
      (err, stdout) => {
        if (err) return reject(err);
        const out = JSON.parse(stdout);
        if (out.files !== count) return reject(new Error(`tus-js-client uploaded ${out.files}`));
        resolve(performance.now() - t0);
      },
    );
  });

const cases = {
  'depot upload -r': async () => {
    const t0 = performance.now();
    const run = startCli([
      'upload',
      '-r',
      dir,
      '--concurrency',
      String(concurrency),
      '--json',
      '--url',
      depot.url,
      '--token',
      TOKEN,
    ]);
    const { code, stdout } = await run.done;
    const ms = performance.now() - t0;
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const ok = lines.filter((l) => l.ok);
    if (code !== 0 || ok.length !== count) throw new Error(`depot upload: exit ${code}, ${ok.length} ok`);
    for (const l of ok.slice(0, 10))
      if ((await tusOffset(l.url, auth)) !== SIZE) throw new Error(`${l.url} short`);
    return ms;
  },
  'tus-js-client (anchor)': anchor([]),
  'tus-js-client, uploadDataDuringCreation': anchor(['--data-during-creation']),
};

// --only NAME,NAME: run just those cases (e.g. under --profile)
const only = argValue('--only')?.split(',');
const names = Object.keys(cases).filter((n) => !only || only.includes(n));
// CPU seconds per 1,000 files, of the server and of the client process (load-robust, unlike wall)
const serverCpu = Object.fromEntries(names.map((n) => [n, []]));
const clientCpu = Object.fromEntries(names.map((n) => [n, []]));
const measured = Object.fromEntries(
  names.map((n) => [
    n,
    async () => {
      const s0 = procCpu(depot.pid);
      const c0 = childrenCpu();
      const ms = await cases[n]();
      serverCpu[n].push(((procCpu(depot.pid) - s0) * 1000) / count);
      clientCpu[n].push(((childrenCpu() - c0) * 1000) / count);
      return ms;
    },
  ]),
);
let times;
try {
  times = await interleaved(measured, reps);
} finally {
  await depot.stop();
  await rm(cliConfigDir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}
const rate = (ms) => count / (ms / 1000);
const med = Object.fromEntries(names.map((n) => [n, median(times[n])]));
console.log(
  `\nclient-small-files: ${count} × ${SIZE / KiB} KiB, ${concurrency} at a time, median of ${reps} (interleaved; wall includes process start)`,
);
console.log(`${new Date().toString()}\n${machine()}\n`);
table(
  [
    'client',
    'median files/s',
    '× tus-js-client',
    'server CPU s / 1,000 files',
    'client CPU s / 1,000 files',
    'all runs (files/s)',
  ],
  names.map((n) => [
    n,
    rate(med[n]).toFixed(0),
    (rate(med[n]) / rate(med['tus-js-client (anchor)'])).toFixed(2),
    median(serverCpu[n]).toFixed(2),
    median(clientCpu[n]).toFixed(2),
    times[n].map((t) => rate(t).toFixed(0)).join(' '),
  ]),
);
const ratio = rate(med['depot upload -r']) / rate(med['tus-js-client (anchor)']);
if (Number.isFinite(ratio))
  console.log(
    `\ntarget: depot upload ≥ 1.5× tus-js-client files/s: ${ratio.toFixed(2)}× — ${verdict(ratio >= 1.5)}`,
  );
