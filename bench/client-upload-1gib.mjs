// `depot upload` of one 1 GiB file (a process: start, OPTIONS, create, 16 MiB PATCHes each with a
// sha256 Upload-Checksum, resume state written and cleared) against its anchor in the same run:
// curl sending the same file to the same Depot in a single PATCH (create + PATCH, no checksum).
//
//   npm run build && node bench/client-upload-1gib.mjs [--reps 5] [--size-mib 1024]
//
// Reps are interleaved in rotated order; medians are reported beside every run.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { cliConfigDir, curlPatch, interleaved, randomFile, startCli } from './lib/client-bench.mjs';
import {
  argValue,
  MiB,
  machine,
  median,
  SHM,
  startDepot,
  TOKEN,
  table,
  tusCreate,
  tusOffset,
  verdict,
} from './lib/harness.mjs';

const reps = Number(argValue('--reps', '5'));
const size = Number(argValue('--size-mib', '1024')) * MiB;
const auth = { Authorization: `Bearer ${TOKEN}` };

await mkdir(SHM, { recursive: true });
const input = path.join(SHM, `client-input-${size}-${process.pid}.bin`);
await randomFile(input, size);
const depot = await startDepot();

const del = (url) => fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', ...auth } });

const cases = {
  'curl, one PATCH (anchor)': async () => {
    const t0 = performance.now();
    const url = await tusCreate(depot.url, size, auth);
    const status = await curlPatch(url, input, auth);
    const ms = performance.now() - t0;
    if (status !== 204 || (await tusOffset(url, auth)) !== size) throw new Error(`curl: ${status}`);
    await del(url);
    return ms;
  },
  'depot upload': async () => cli([]),
  'depot upload --no-checksum': async () => cli(['--no-checksum']),
  'depot upload --parallel 4': async () => cli(['--parallel', '4']),
};

async function cli(extra) {
  const t0 = performance.now();
  const run = startCli(['upload', input, '--url', depot.url, '--token', TOKEN, '--json', ...extra]);
  const { code, stdout } = await run.done;
  const ms = performance.now() - t0;
  const line = JSON.parse(stdout.split('\n')[0]);
  if (code !== 0 || line.size !== size || (await tusOffset(line.url, auth)) !== size) {
    throw new Error(`depot upload: exit ${code}: ${stdout}`);
  }
  await del(line.url);
  return ms;
}

const names = Object.keys(cases);
let times;
try {
  times = await interleaved(cases, reps);
} finally {
  await depot.stop();
  await rm(cliConfigDir, { recursive: true, force: true });
  await rm(input, { force: true });
}

const med = Object.fromEntries(names.map((n) => [n, median(times[n])]));
const anchor = med['curl, one PATCH (anchor)'];
console.log(`\nclient-upload-1gib: ${size / MiB} MiB to Depot, median of ${reps} (interleaved)`);
console.log(`${new Date().toString()}\n${machine()}\n`);
table(
  ['case', 'median wall', 'MB/s', '× curl', 'all runs: wall (s)'],
  names.map((n) => [
    n,
    `${(med[n] / 1000).toFixed(2)} s`,
    (size / 1e6 / (med[n] / 1000)).toFixed(0),
    (med[n] / anchor).toFixed(2),
    times[n].map((t) => (t / 1000).toFixed(2)).join(' '),
  ]),
);
const ratio = med['depot upload'] / anchor;
console.log(
  `\ntarget: depot upload ≤ 1.15× curl in one PATCH: ${ratio.toFixed(2)}× — ${verdict(ratio <= 1.15)}`,
);
