// Many small uploads: 5,000 × 10 KiB, each one request (tus creation-with-upload: POST with the
// body), 32 in flight, against Depot and against @tus/server + @tus/file-store with the exact same
// client (undici Pool, 32 keep-alive connections) in the same run.
//
//   npm run build && node bench/small-uploads.mjs [--reps 3] [--uploads 5000] [--concurrency 32]
//
// This is per-upload overhead: auth, the metadata write (Depot: SQLite; @tus/server: a .json
// file), creating the blob. Reps are interleaved and each reported figure is the median.
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import {
  argValue,
  KiB,
  machine,
  median,
  procCpu,
  startDepot,
  startTusNode,
  TOKEN,
  table,
  verdict,
} from './lib/harness.mjs';
import { runUploads, verifyUploads } from './lib/small-upload-client.mjs';

const reps = Number(argValue('--reps', '3'));
const uploads = Number(argValue('--uploads', '5000'));
const concurrency = Number(argValue('--concurrency', '32'));
const SIZE = 10 * KiB;
const body = randomBytes(SIZE);
const auth = { authorization: `Bearer ${TOKEN}` };

const only = argValue('--only')?.split(',');
const wanted = (name) => !only || only.includes(name);
const targets = [];
if (wanted('Depot')) targets.push({ name: 'Depot', server: await startDepot(), headers: auth });
if (wanted('@tus/server')) targets.push({ name: '@tus/server', server: await startTusNode(), headers: {} });

const rates = Object.fromEntries(targets.map((t) => [t.name, []]));
// server CPU ms per upload: steadier than wall time on a shared machine
const cpuPer = Object.fromEntries(targets.map((t) => [t.name, []]));
try {
  for (const t of targets) {
    t.pool = new Pool(t.server.url, { connections: concurrency, pipelining: 1 });
    await runUploads([t], body, 200, concurrency); // warm-up: JIT, connection set-up, SQLite page cache
  }
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + r) % targets.length];
      const cpu0 = procCpu(t.server.pid);
      const { ms, locations } = await runUploads([t], body, uploads, concurrency);
      cpuPer[t.name].push(((procCpu(t.server.pid) - cpu0) * 1000) / uploads);
      rates[t.name].push(uploads / (ms / 1000));
      await verifyUploads(t, locations, SIZE);
    }
    console.error(
      `rep ${r + 1}/${reps}: ${targets.map((t) => `${t.name} ${rates[t.name].at(-1).toFixed(0)}/s`).join(', ')}`,
    );
  }
} finally {
  for (const t of targets) {
    await t.pool?.close();
    await t.server.stop();
  }
}

const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
console.log(
  `\nsmall-uploads: ${uploads} × ${SIZE / KiB} KiB creation-with-upload, ${concurrency} in flight, median of ${reps} (interleaved)`,
);
console.log(`${new Date().toString()}\n${machine()}\n`);
const ref = med['@tus/server'];
table(
  ['server', 'median uploads/s', '× @tus/server', 'server CPU per upload', 'all runs (uploads/s)'],
  Object.entries(med).map(([k, v]) => [
    k,
    v.toFixed(0),
    ref ? (v / ref).toFixed(2) : '—',
    `${median(cpuPer[k]).toFixed(2)} ms`,
    rates[k].map((x) => x.toFixed(0)).join(' '),
  ]),
);
if (med.Depot && ref) {
  const ratio = med.Depot / ref;
  console.log(`\ntarget: Depot ≥ 1.5× @tus/server: ${ratio.toFixed(2)}× — ${verdict(ratio >= 1.5)}`);
}
