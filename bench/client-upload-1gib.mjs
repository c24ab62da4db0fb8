// `depot upload` of one 1 GiB file (a process: start, OPTIONS, create, 16 MiB PATCHes each with a
// sha256 Upload-Checksum, resume state written and cleared) against its anchor in the same run:
// curl sending the same file to the same Depot in a single PATCH (create + PATCH, no checksum).
//
//   npm run build && node bench/client-upload-1gib.mjs [--reps 5] [--size-mib 1024] [--only REGEX]
//
// Reps are interleaved in rotated order; medians are reported beside every run. Beside the wall
// time, each case's CPU: the client's (curl or `depot upload`, from this process's reaped
// children) and the server's (/proc/PID/stat), per GiB: the load-robust view on a shared machine.
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cliConfigDir, curlPatch, interleaved, randomFile, startCli } from './lib/client-bench.mjs';
import {
  argValue,
  childrenCpu,
  GiB,
  MiB,
  machine,
  median,
  procCpu,
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
  'depot upload --chunk-size 64MiB': async () => cli(['--chunk-size', '64MiB']),
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

const only = argValue('--only', undefined);
const names = Object.keys(cases).filter((n) => n.startsWith('curl') || !only || new RegExp(only).test(n));
const clientCpu = Object.fromEntries(names.map((n) => [n, []]));
const serverCpu = Object.fromEntries(names.map((n) => [n, []]));
const measured = Object.fromEntries(
  names.map((n) => [
    n,
    async () => {
      const c0 = childrenCpu();
      const s0 = procCpu(depot.pid);
      const ms = await cases[n]();
      clientCpu[n].push(childrenCpu() - c0);
      serverCpu[n].push(procCpu(depot.pid) - s0);
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
  await rm(input, { force: true });
}

const med = Object.fromEntries(names.map((n) => [n, median(times[n])]));
const anchor = med['curl, one PATCH (anchor)'];
console.log(`\nclient-upload-1gib: ${size / MiB} MiB to Depot, median of ${reps} (interleaved)`);
console.log(`${new Date().toString()}\n${machine()}\n`);
const perGiB = (cpu) => `${(median(cpu) / (size / GiB)).toFixed(2)} s`;
table(
  ['case', 'median wall', 'MB/s', '× curl', 'client CPU/GiB', 'server CPU/GiB', 'all runs: wall (s)'],
  names.map((n) => [
    n,
    `${(med[n] / 1000).toFixed(2)} s`,
    (size / 1e6 / (med[n] / 1000)).toFixed(0),
    (med[n] / anchor).toFixed(2),
    perGiB(clientCpu[n]),
    perGiB(serverCpu[n]),
    times[n].map((t) => (t / 1000).toFixed(2)).join(' '),
  ]),
);
console.log(
  `load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const ratio = med['depot upload'] / anchor;
console.log(
  `\ntarget: depot upload ≤ 1.15× curl in one PATCH: ${ratio.toFixed(2)}× — ${verdict(ratio <= 1.15)}`,
);
