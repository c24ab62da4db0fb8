// Downloads, against nginx (the Debian package) serving the very same file from the very same
// directory (Depot's blob directory), both measured in this run:
//   1. one 1 GiB GET by curl (-o /dev/null): MB/s. Target: Depot ≥ 0.7× nginx.
//   2. 20,000 random 64 KiB single-range GETs, 32 connections, by wrk: requests/s.
//      Target: Depot ≥ 0.5× nginx.
//
//   npm run build && node bench/download.mjs [--reps 5] [--size-mib 1024] [--ranges 20000] [--concurrency 32]
//
// nginx runs with one worker process (Depot is one Node process), sendfile on, access log off.
// Cases are interleaved in rotated order and the median is reported beside every run, with the
// server processes' CPU seconds. The file lives on tmpfs. Every full download must be 200 with
// the full size; every range answer must be a 206 of exactly 64 KiB (wrk's script counts the
// rest), and a sample of ranges is compared byte for byte with the file before timing.
import { execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { startNginx } from './anchors/nginx.mjs';
import {
  argValue,
  benchDir,
  generate,
  KiB,
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

const reps = Number(argValue('--reps', '5'));
const size = Number(argValue('--size-mib', '1024')) * MiB;
const rangeCount = Number(argValue('--ranges', '20000'));
const concurrency = Number(argValue('--concurrency', '32'));
const SPAN = 64 * KiB;
const THREADS = 2;
const auth = `Bearer ${TOKEN}`;

await mkdir(SHM, { recursive: true });
const input = path.join(SHM, `download-input-${size}-${process.pid}.bin`);
const sha256 = await generate(input, size);
const depot = await startDepot();
let nginx;
try {
  const id = await uploadToDepot(depot.url, input);
  await rm(input);
  // nginx serves Depot's blob directory: the same bytes, in the same file
  nginx = await startNginx(path.join(depot.dataDir, 'blobs'));
  const targets = {
    Depot: { url: `${depot.url}/files/${id}`, auth, cpu: () => procCpu(depot.pid) },
    'nginx (anchor)': {
      url: `${nginx.url}/${id}`,
      auth: '',
      cpu: () => nginx.pids().reduce((s, p) => s + procCpu(p), 0),
    },
  };
  await checkSame(targets, id);

  const names = Object.keys(targets);
  const full = Object.fromEntries(names.map((n) => [n, { ms: [], cpu: [] }]));
  const ranges = Object.fromEntries(names.map((n) => [n, { rps: [], cpu: [], p50: [], p99: [] }]));
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const t = targets[name];
      let cpu0 = t.cpu();
      full[name].ms.push(await curlDownload(t));
      full[name].cpu.push(t.cpu() - cpu0);
      cpu0 = t.cpu();
      const w = await wrkRanges(t);
      ranges[name].rps.push(w.answered / w.seconds);
      ranges[name].p50.push(w.p50ms);
      ranges[name].p99.push(w.p99ms);
      ranges[name].cpu.push(t.cpu() - cpu0);
    }
    console.error(
      `rep ${r + 1}/${reps}: ${names
        .map(
          (n) => `${n} ${mbps(full[n].ms.at(-1)).toFixed(0)} MB/s, ${ranges[n].rps.at(-1).toFixed(0)} req/s`,
        )
        .join('; ')}`,
    );
  }

  console.log(`\ndownload: ${size / MiB} MiB file on tmpfs, median of ${reps} (interleaved)`);
  console.log(`${new Date().toString()}\n${machine()}\n`);
  console.log('1 GiB GET with curl -o /dev/null\n');
  table(
    ['server', 'median wall', 'MB/s', '× nginx', 'server CPU', 'all runs: MB/s'],
    names.map((n) => [
      n,
      `${(median(full[n].ms) / 1000).toFixed(2)} s`,
      mbps(median(full[n].ms)).toFixed(0),
      (median(full['nginx (anchor)'].ms) / median(full[n].ms)).toFixed(2),
      `${median(full[n].cpu).toFixed(2)} s`,
      full[n].ms.map((ms) => mbps(ms).toFixed(0)).join(' '),
    ]),
  );
  console.log(
    `\n${rangeCount} random ${SPAN / KiB} KiB ranges, ${concurrency} connections (wrk -t${THREADS})\n`,
  );
  table(
    ['server', 'median req/s', '× nginx', 'p50 / p99 latency', 'server CPU per 1000 req', 'all runs: req/s'],
    names.map((n) => [
      n,
      median(ranges[n].rps).toFixed(0),
      (median(ranges[n].rps) / median(ranges['nginx (anchor)'].rps)).toFixed(2),
      `${median(ranges[n].p50).toFixed(2)} / ${median(ranges[n].p99).toFixed(2)} ms`,
      `${((median(ranges[n].cpu) / rangeCount) * 1000).toFixed(2)} s`,
      ranges[n].rps.map((x) => x.toFixed(0)).join(' '),
    ]),
  );
  const fullRatio = median(full['nginx (anchor)'].ms) / median(full.Depot.ms);
  const rangeRatio = median(ranges.Depot.rps) / median(ranges['nginx (anchor)'].rps);
  console.log('\ntargets:');
  console.log(`  1 GiB download ≥ 0.7× nginx: ${fullRatio.toFixed(2)}× — ${verdict(fullRatio >= 0.7)}`);
  console.log(
    `  64 KiB ranges ≥ 0.5× nginx req/s: ${rangeRatio.toFixed(2)}× — ${verdict(rangeRatio >= 0.5)}`,
  );
} finally {
  await nginx?.stop();
  await depot.stop();
  await rm(input, { force: true });
}

function mbps(ms) {
  return size / 1e6 / (ms / 1000);
}

async function uploadToDepot(base, file) {
  const url = await tusCreate(base, size, { Authorization: auth });
  const out = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-X',
    'PATCH',
    '-H',
    'Expect:',
    '-H',
    'Tus-Resumable: 1.0.0',
    '-H',
    'Content-Type: application/offset+octet-stream',
    '-H',
    'Upload-Offset: 0',
    '-H',
    `Authorization: ${auth}`,
    '-T',
    file,
    url,
  ]);
  if (out.trim() !== '204') throw new Error(`upload: HTTP ${out}`);
  return url.split('/').pop();
}

/** Both servers give the same bytes: Depot's digest is the input's, and sampled ranges agree with the file. */
async function checkSame(targets, id) {
  const head = await fetch(targets.Depot.url, { method: 'HEAD', headers: { Authorization: auth } });
  if (head.headers.get('repr-digest') !== `sha-256=:${sha256}:`) throw new Error('Depot stored other bytes');
  const fh = await open(path.join(depot.dataDir, 'blobs', id));
  try {
    for (let i = 0; i < 20; i++) {
      const start = randomInt(0, size - SPAN);
      const want = Buffer.alloc(SPAN);
      await fh.read(want, 0, SPAN, start);
      for (const t of Object.values(targets)) {
        const res = await fetch(t.url, {
          headers: {
            Range: `bytes=${start}-${start + SPAN - 1}`,
            ...(t.auth ? { Authorization: t.auth } : {}),
          },
        });
        const got = Buffer.from(await res.arrayBuffer());
        if (res.status !== 206 || !got.equals(want)) throw new Error(`${t.url}: range ${start} differs`);
      }
    }
  } finally {
    await fh.close();
  }
}

async function curlDownload(t) {
  const t0 = performance.now();
  const out = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download}',
    ...(t.auth ? ['-H', `Authorization: ${t.auth}`] : []),
    t.url,
  ]);
  const ms = performance.now() - t0;
  const [status, bytes] = out.trim().split(' ').map(Number);
  if (status !== 200 || bytes !== size) throw new Error(`${t.url}: HTTP ${status}, ${bytes} bytes`);
  return ms;
}

/** wrk until every thread has its answers; returns its counts and our wall time (s) for them. */
async function wrkRanges(t) {
  const args = ['-t', String(THREADS), '-c', String(concurrency), '-d', '600s', '--timeout', '10s'];
  const wrk = spawn('wrk', [...args, '-s', path.join(benchDir, 'lib', 'ranges.lua'), t.url], {
    env: {
      ...process.env,
      FILE_SIZE: String(size),
      RANGE_BYTES: String(SPAN),
      REQUESTS_PER_THREAD: String(rangeCount / THREADS),
      AUTHORIZATION: t.auth,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const t0 = performance.now();
  let seconds;
  let out = '';
  wrk.stdout.on('data', (c) => {
    out += c;
    if (seconds === undefined && out.split('THREAD_DONE').length - 1 === THREADS) {
      seconds = (performance.now() - t0) / 1000;
      wrk.kill('SIGINT');
    }
  });
  const code = await new Promise((resolve) => wrk.once('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line || seconds === undefined) throw new Error(`wrk (exit ${code}) did not finish:\n${out}`);
  const r = JSON.parse(line.slice('RESULT '.length));
  if (r.bad > 0 || r.errors > 0) throw new Error(`${t.url}: ${r.bad} bad answers, ${r.errors} errors`);
  return { ...r, seconds };
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}
