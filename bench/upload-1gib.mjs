// One 1 GiB upload in a single PATCH sent by curl, against Depot (with and without
// Upload-Checksum: sha256) and two anchors measured in the same run: a bare Node server piping
// the body to a file (the floor) and @tus/server + @tus/file-store (the reference tus server).
//
//   npm run build && node bench/upload-1gib.mjs [--reps 5] [--size-mib 1024] [--profile]
//
// Every case runs --reps times, interleaved (a noisy shared machine drifts; interleaving spreads
// the drift over all cases) and the median is reported. Wall time = create + PATCH, i.e. what a
// client waits for. --profile runs Depot under `node --cpu-prof` (profiles in bench/.work/prof).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  argValue,
  generate,
  MiB,
  machine,
  median,
  procCpu,
  SHM,
  startBarePipe,
  startDepot,
  startTusNode,
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
// one input per run: two runs at once (which would measure each other anyway) never share it
const input = path.join(SHM, `input-${size}-${process.pid}.bin`);
const sha256 = await generate(input, size);

// --only 'bare pipe,@tus/server' runs a subset (e.g. while Depot is not built)
const only = argValue('--only')?.split(',');
const wanted = (name) => !only || only.includes(name);
const servers = {
  depot: wanted('Depot') || wanted('Depot + sha256') ? await startDepot() : undefined,
  bare: wanted('bare pipe') ? await startBarePipe() : undefined,
  tus: wanted('@tus/server') ? await startTusNode() : undefined,
};

// Each case: returns the wall time of one upload (ms) after checking it was stored whole.
const cases = {
  'bare pipe': async () => {
    const t0 = performance.now();
    const out = await curl(['-T', input, `${servers.bare.url}/`]);
    const ms = performance.now() - t0;
    expectStatus(out, 201);
    await expectSize(path.join(servers.bare.dataDir, path.basename(out.location)));
    await fetch(`${servers.bare.url}${out.location}`, { method: 'DELETE' });
    return ms;
  },
  '@tus/server': async () => tusCase(servers.tus, {}),
  Depot: async () => tusCase(servers.depot, auth),
  'Depot + sha256': async () => tusCase(servers.depot, auth, { 'Upload-Checksum': `sha256 ${sha256}` }),
};

const names = Object.keys(cases).filter(wanted);
const times = Object.fromEntries(names.map((k) => [k, []]));
const cpus = Object.fromEntries(names.map((k) => [k, []]));
// Wall time is what the targets are about; the server's CPU seconds per upload are a second,
// much less noisy view on a shared machine (other tenants steal wall time, not our CPU time).
const serverOf = {
  'bare pipe': () => servers.bare,
  '@tus/server': () => servers.tus,
  Depot: () => servers.depot,
  'Depot + sha256': () => servers.depot,
};
try {
  for (let r = 0; r < reps; r++) {
    // rotate the order each rep so no case always runs first (or right after the slowest)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const pid = serverOf[name]().pid;
      const cpu0 = procCpu(pid);
      times[name].push(await cases[name]());
      cpus[name].push(procCpu(pid) - cpu0);
    }
    console.error(
      `rep ${r + 1}/${reps}: ${names.map((n) => `${n} ${times[n].at(-1).toFixed(0)} ms`).join(', ')}`,
    );
  }
} finally {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  await rm(input, { force: true });
}

const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const bare = med['bare pipe'];
console.log(`\nupload-1gib: ${size / MiB} MiB in one PATCH with curl, median of ${reps} (interleaved)`);
console.log(`${new Date().toString()}\n${machine()}\n`);
table(
  ['case', 'median wall', 'MB/s', '× bare pipe', 'server CPU', 'CPU × bare', 'all runs: wall (s)'],
  Object.entries(med).map(([k, ms]) => [
    k,
    `${(ms / 1000).toFixed(2)} s`,
    (size / 1e6 / (ms / 1000)).toFixed(0),
    (ms / bare).toFixed(2),
    `${median(cpus[k]).toFixed(2)} s`,
    cpus['bare pipe'] ? (median(cpus[k]) / median(cpus['bare pipe'])).toFixed(2) : '—',
    times[k].map((t) => (t / 1000).toFixed(2)).join(' '),
  ]),
);
const ratio = (a) => med[a] / bare;
if (med.Depot && bare) {
  console.log('\ntargets:');
  console.log(`  Depot ≤ 1.10× bare pipe: ${ratio('Depot').toFixed(2)}× — ${verdict(ratio('Depot') <= 1.1)}`);
}
if (med.Depot && med['@tus/server']) {
  const [d, t] = [med.Depot / 1000, med['@tus/server'] / 1000];
  console.log(`  Depot faster than @tus/server: ${d.toFixed(2)} s vs ${t.toFixed(2)} s — ${verdict(d < t)}`);
}
if (med['Depot + sha256'] && bare) {
  const r = ratio('Depot + sha256');
  console.log(`  Depot + sha256 ≤ 1.35× bare pipe: ${r.toFixed(2)}× — ${verdict(r <= 1.35)}`);
}

/** create, one PATCH with the whole file, check the offset, check the bytes, delete. */
async function tusCase(server, authHeaders, extraHeaders = {}) {
  const t0 = performance.now();
  const url = await tusCreate(server.url, size, authHeaders);
  const headers = { ...authHeaders, ...extraHeaders };
  const out = await curl([
    '-X',
    'PATCH',
    '-H',
    'Tus-Resumable: 1.0.0',
    '-H',
    'Content-Type: application/offset+octet-stream',
    '-H',
    'Upload-Offset: 0',
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    '-T',
    input,
    url,
  ]);
  const ms = performance.now() - t0;
  expectStatus(out, 204);
  const offset = await tusOffset(url, authHeaders);
  if (offset !== size) throw new Error(`${url}: Upload-Offset ${offset} after the PATCH, want ${size}`);
  // Both servers keep the bytes in DATA_DIR/<id> (Depot: DATA_DIR/blobs/<id>).
  const id = url.split('/').pop();
  const blob = [path.join(server.dataDir, 'blobs', id), path.join(server.dataDir, id)].find(existsSync);
  await expectSize(blob);
  const del = await fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', ...authHeaders } });
  if (del.status !== 204) throw new Error(`DELETE ${url} -> ${del.status}`);
  return ms;
}

/**
 * curl streams a -T file (unlike --data-binary @file, which reads it into memory first); the empty
 * `Expect:` header stops curl from waiting up to 1 s for a 100-continue before sending.
 */
function curl(args) {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '-o', '/dev/null', '-H', 'Expect:', '-w', '%{http_code} %header{location}', ...args],
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`curl failed: ${stderr || err.message}`));
        const [status, location] = stdout.trim().split(' ');
        resolve({ status: Number(status), location });
      },
    );
  });
}

function expectStatus(out, want) {
  if (out.status !== want) throw new Error(`got HTTP ${out.status}, want ${want}`);
}

async function expectSize(file) {
  const st = file && (await stat(file));
  if (!st || st.size !== size) throw new Error(`${file}: stored ${st?.size} bytes, want ${size}`);
}
