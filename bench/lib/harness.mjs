// Shared pieces of the upload benchmarks: start a server process and wait for its URL, the three
// servers under comparison (Depot and its two anchors), medians, RSS sampling, table output.
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(benchDir, '..');
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TOKEN = 'bench-admin-token-0123456789';
/** Data dirs live on tmpfs so the disk of a noisy shared machine is not what we measure. */
export const SHM = process.env.BENCH_SHM ?? '/dev/shm/depot-bench';

export const argValue = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};

/**
 * Spawns a server and resolves once it prints its URL. Its stderr passes through, so a crash is
 * visible; `stop()` ends exactly this process.
 */
export async function startServer(name, args, env) {
  const dataDir = path.join(SHM, `${name}-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const proc = spawn(process.execPath, args, {
    cwd: repoDir,
    env: { ...process.env, ...env(dataDir) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/i.exec(out);
      if (m) {
        proc.stdout.off('data', onData);
        proc.stdout.resume(); // keep draining so the server never blocks on a full pipe
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${out}`)));
    setTimeout(() => reject(new Error(`${name} did not start in 30 s: ${out}`)), 30_000).unref();
  });
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  return { name, proc, pid: proc.pid, url, dataDir, stop };
}

const depotBin = path.join(repoDir, 'packages', 'cli', 'dist', 'bin.js');

/** With --profile on the command line, Depot runs under `node --cpu-prof` (see profile-summary.mjs). */
export const profileDir = path.join(benchDir, '.work', 'prof');
/** The node flags `npm start` gives `depot serve` (README's way to run it), read from its script. */
const startFlags = () => {
  const start = JSON.parse(readFileSync(path.join(repoDir, 'package.json'), 'utf8')).scripts.start;
  const flags = /\bnode ((?:--\S+ )*)packages\/cli\/dist\/bin\.js serve/.exec(start);
  if (!flags) throw new Error(`package.json's start script does not run depot serve: ${start}`);
  return flags[1].split(' ').filter(Boolean);
};

const nodeFlags = () => [
  ...(process.env.DEPOT_BENCH_NODE_FLAGS === undefined
    ? startFlags()
    : // instead of npm start's flags: a study of other node/V8 settings ('' for none)
      process.env.DEPOT_BENCH_NODE_FLAGS.split(' ').filter(Boolean)),
  ...(process.argv.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
];

/** Depot as users run it: `depot serve` with npm start's node flags, SQLite + fs blobs in a tmpfs data dir (`name`'s own). */
export const startDepot = (extraEnv = {}, name = 'depot') =>
  startServer(name, [...nodeFlags(), depotBin, 'serve'], (dataDir) => ({
    DEPOT_HOST: '127.0.0.1',
    DEPOT_PORT: String(extraEnv.port ?? 0),
    DEPOT_DATA_DIR: dataDir,
    DEPOT_ADMIN_TOKEN: TOKEN,
    DEPOT_LOG_LEVEL: 'warn',
    ...extraEnv,
  }));

export const startBarePipe = () =>
  startServer('bare-pipe', [path.join(benchDir, 'anchors', 'bare-pipe-server.mjs')], (dataDir) => ({
    PORT: '0',
    DATA_DIR: dataDir,
  }));

export const startTusNode = () =>
  startServer('tus-node', [path.join(benchDir, 'anchors', 'tus-node-server.mjs')], (dataDir) => ({
    PORT: '0',
    DATA_DIR: dataDir,
  }));

/** Creates a tus upload (no body) and returns its absolute URL. */
export async function tusCreate(base, length, headers = {}) {
  const res = await fetch(`${base}/files/`, {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(length), ...headers },
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`POST ${base}/files/ -> ${res.status}`);
  return new URL(res.headers.get('location'), base).href;
}

export async function tusOffset(uploadUrl, headers = {}) {
  const res = await fetch(uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...headers } });
  if (res.status !== 200) throw new Error(`HEAD ${uploadUrl} -> ${res.status}`);
  return Number(res.headers.get('upload-offset'));
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** VmRSS / VmHWM of a process in bytes (Linux). */
export function procMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU seconds (user + system) a process has used so far (Linux, /proc/PID/stat). */
export function procCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the parenthesised command name; utime and stime are fields 14 and 15
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds (user + system) used so far by this process's reaped children (cutime + cstime). */
export function childrenCpu() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim()}), ${(os.totalmem() / GiB).toFixed(0)} GiB RAM, Linux ${os.release()}, Node ${process.version}`;
}

/** The first lines of a benchmark's report: what, when, on which machine, under which load. */
export function printHeading(name) {
  console.log(`${name} bench, ${new Date().toISOString()}, ${machine()}`);
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

/** Prints rows as a Markdown table (pasteable into RESULTS.md). */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  console.log(line(header));
  console.log(line(header.map(() => '---')));
  for (const r of rows) console.log(line(r));
}

export const verdict = (ok) => (ok ? 'met' : 'MISSED');

/** Writes `bytes` pseudo-random bytes (incompressible, like real uploads); returns sha256 base64. */
export async function generate(file, bytes) {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let done = 0; done < bytes; done += 4 * MiB) {
      // a fresh buffer each time: the write stream keeps a reference until it has written it
      const part = randomFillSync(Buffer.allocUnsafe(Math.min(4 * MiB, bytes - done)));
      hash.update(part);
      yield part;
    }
  }
  await pipeline(chunks, createWriteStream(file));
  return hash.digest('base64');
}
