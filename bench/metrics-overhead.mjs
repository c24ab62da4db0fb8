// What the Prometheus metrics cost: the same server with DEPOT_METRICS=on against itself with
// DEPOT_METRICS=off (the anchor), both measured in this run, by server CPU seconds (other tenants
// of a shared machine steal wall time, not CPU time).
//   1. small requests: HEAD /files/:id (tus offset), 8 at a time: CPU seconds per 10,000 requests.
//      Each one passes the request-timing hook.
//   2. downloads of a 256 MiB file: CPU seconds per GiB. Every chunk passes the byte counter.
// Target: metrics on costs ≤ 5% more server CPU than off in both.
//
//   npm run build && node bench/metrics-overhead.mjs [--reps 3] [--requests 10000] [--size-mib 256]
import { readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import {
  argValue,
  GiB,
  generate,
  MiB,
  machine,
  median,
  procCpu,
  SHM,
  startDepot,
  TOKEN,
  table,
  tusCreate,
  verdict,
} from './lib/harness.mjs';

const reps = Number(argValue('--reps', '3'));
const requests = Number(argValue('--requests', '10000'));
const size = Number(argValue('--size-mib', '256')) * MiB;
const auth = { Authorization: `Bearer ${TOKEN}` };

const input = path.join(SHM, `metrics-input-${process.pid}.bin`);
await generate(input, size);
const servers = {
  on: await startDepot({ DEPOT_METRICS: 'on' }),
  off: await startDepot({ DEPOT_METRICS: 'off' }),
};
try {
  const ids = {};
  for (const [name, s] of Object.entries(servers)) ids[name] = await upload(s.url);
  const heads = { on: [], off: [] };
  const downloads = { on: [], off: [] };
  for (let r = 0; r < reps; r++) {
    // interleaved, in rotated order
    for (const name of r % 2 ? ['off', 'on'] : ['on', 'off']) {
      const s = servers[name];
      heads[name].push(await cpuOf(s, () => headLoop(`${s.url}/files/${ids[name]}`)));
      downloads[name].push(await cpuOf(s, () => downloadAll(`${s.url}/files/${ids[name]}`)));
    }
  }
  const perHeads = (xs) => (median(xs) * 10_000) / requests;
  const perGiB = (xs) => (median(xs) * GiB) / size;
  console.log(
    `\n${machine()}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  table(
    ['case', 'metrics on: CPU s', 'metrics off (anchor): CPU s', 'on / off', 'all runs: on / off (CPU s)'],
    [
      [
        `HEAD, per 10,000 (${requests} a run)`,
        perHeads(heads.on).toFixed(2),
        perHeads(heads.off).toFixed(2),
        (median(heads.on) / median(heads.off)).toFixed(3),
        `${heads.on.map((x) => x.toFixed(2)).join(' ')} / ${heads.off.map((x) => x.toFixed(2)).join(' ')}`,
      ],
      [
        `download, per GiB (${size / MiB} MiB a run)`,
        perGiB(downloads.on).toFixed(2),
        perGiB(downloads.off).toFixed(2),
        (median(downloads.on) / median(downloads.off)).toFixed(3),
        `${downloads.on.map((x) => x.toFixed(2)).join(' ')} / ${downloads.off.map((x) => x.toFixed(2)).join(' ')}`,
      ],
    ],
  );
  const ok =
    median(heads.on) / median(heads.off) <= 1.05 && median(downloads.on) / median(downloads.off) <= 1.05;
  console.log(`\nmetrics on ≤ 1.05× the CPU of metrics off: ${verdict(ok)}`);
} finally {
  for (const s of Object.values(servers)) await s.stop();
  await rm(input, { force: true });
}

async function upload(base) {
  const url = await tusCreate(base, size, auth);
  const res = await fetch(url, {
    method: 'PATCH',
    headers: {
      ...auth,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
    },
    body: await readFile(input),
  });
  if (res.status !== 204) throw new Error(`PATCH -> ${res.status}`);
  return url.split('/').pop();
}

async function cpuOf(server, work) {
  const before = procCpu(server.pid);
  await work();
  return procCpu(server.pid) - before;
}

async function headLoop(url) {
  let left = requests;
  const worker = async () => {
    while (left-- > 0) {
      const res = await fetch(url, { method: 'HEAD', headers: { ...auth, 'Tus-Resumable': '1.0.0' } });
      if (res.status !== 200) throw new Error(`HEAD -> ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function downloadAll(url) {
  const res = await fetch(url, { headers: auth });
  let n = 0;
  for await (const chunk of res.body) n += chunk.length;
  if (res.status !== 200 || n !== size) throw new Error(`GET -> ${res.status}, ${n} bytes`);
}
