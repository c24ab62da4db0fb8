// Server memory under many concurrent uploads: 100 uploads of 64 MiB at once, each body streamed
// from a generator of pseudo-random bytes (never held whole by the client), against Depot, with
// the bare pipe server and @tus/server + @tus/file-store as anchors under the same load.
//
//   npm run build && node bench/many-uploads-rss.mjs [--reps 3] [--uploads 100] [--size-mib 64]
//
// This process samples the server's VmRSS every 50 ms (and VmHWM at the end) and verifies every
// stored blob against the sha256 the client computed while sending. The client is a separate
// child process (this file with --client), so sending and hashing never delay the sampler. Every
// run gets a fresh server process, so its VmHWM is its own.
import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import {
  argValue,
  MiB,
  machine,
  median,
  procMemory,
  startBarePipe,
  startDepot,
  startTusNode,
  TOKEN,
  table,
  verdict,
} from './lib/harness.mjs';

const uploads = Number(argValue('--uploads', '100'));
const size = Number(argValue('--size-mib', '64')) * MiB;

if (process.argv[2] === '--client') await client(JSON.parse(process.argv[3]));
else await main();

async function main() {
  const reps = Number(argValue('--reps', '3'));
  const only = argValue('--only')?.split(',');
  const kinds = [
    { name: 'Depot', start: () => startDepot(), auth: true, blob: (dir, id) => path.join(dir, 'blobs', id) },
    { name: 'bare pipe', start: startBarePipe, bare: true, blob: (dir, id) => path.join(dir, id) },
    { name: '@tus/server', start: startTusNode, blob: (dir, id) => path.join(dir, id) },
  ].filter((k) => !only || only.includes(k.name));

  const results = Object.fromEntries(kinds.map((k) => [k.name, []]));
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[(i + r) % kinds.length];
      const res = await measure(kind);
      results[kind.name].push(res);
      console.error(
        `rep ${r + 1}/${reps} ${kind.name}: peak RSS ${(res.peak / MiB).toFixed(0)} MiB, HWM ${(res.hwm / MiB).toFixed(0)} MiB, ${res.mbps.toFixed(0)} MB/s, ${res.verified}/${uploads} verified`,
      );
    }
  }

  const mib = (b) => `${(b / MiB).toFixed(0)} MiB`;
  console.log(
    `\nmany-uploads-rss: ${uploads} concurrent uploads × ${size / MiB} MiB (streamed), server RSS sampled every 50 ms, median of ${reps}`,
  );
  console.log(`${new Date().toString()}\n${machine()}\n`);
  table(
    [
      'server',
      'idle RSS',
      'peak RSS (sampled)',
      'VmHWM',
      'aggregate MB/s',
      'verified',
      'all runs: VmHWM (MiB)',
    ],
    Object.entries(results).map(([name, rs]) => [
      name,
      mib(median(rs.map((x) => x.idle))),
      mib(median(rs.map((x) => x.peak))),
      mib(median(rs.map((x) => x.hwm))),
      median(rs.map((x) => x.mbps)).toFixed(0),
      `${rs.reduce((a, x) => a + x.verified, 0)}/${uploads * rs.length}`,
      rs.map((x) => (x.hwm / MiB).toFixed(0)).join(' '),
    ]),
  );
  const depot = results.Depot;
  if (depot) {
    const worst = Math.max(...depot.map((x) => x.hwm));
    const med = median(depot.map((x) => x.hwm));
    console.log(
      `\ntarget: Depot peak RSS ≤ 200 MiB: median VmHWM ${mib(med)}, worst ${mib(worst)} — ${verdict(worst <= 200 * MiB)}`,
    );
  }
}

/** One run: fresh server, sampler on, client child process, then verify every blob. */
async function measure(kind) {
  const server = await kind.start();
  try {
    await new Promise((r) => setTimeout(r, 500)); // let start-up allocations settle
    const idle = procMemory(server.pid).rss;
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, procMemory(server.pid).rss);
    }, 50);
    const t0 = performance.now();
    let sent;
    try {
      sent = await runClient({ url: server.url, auth: kind.auth, bare: kind.bare });
    } finally {
      clearInterval(sampler);
    }
    const ms = performance.now() - t0;
    const { hwm, rss } = procMemory(server.pid);
    peak = Math.max(peak, rss);
    // every stored blob must be exactly what the client sent
    let verified = 0;
    for (const { id, sha256 } of sent) {
      const file = kind.blob(server.dataDir, id);
      if (!existsSync(file)) throw new Error(`${kind.name}: no blob ${file}`);
      const hash = createHash('sha256');
      await pipeline(createReadStream(file), hash);
      if (hash.digest('hex') !== sha256) throw new Error(`${kind.name}: ${file} differs from what was sent`);
      verified++;
    }
    return { idle, peak, hwm, verified, mbps: (uploads * size) / 1e6 / (ms / 1000) };
  } finally {
    await server.stop();
  }
}

function runClient(opts) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fileURLToPath(import.meta.url), '--client', JSON.stringify(opts), ...process.argv.slice(2)],
      { maxBuffer: 64 * MiB },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`client failed: ${stderr || err.message}`));
        resolve(JSON.parse(stdout));
      },
    );
  });
}

/** The client: all uploads at once, each create + one PATCH (bare pipe: one PUT). */
async function client({ url, auth, bare }) {
  const pool = new Pool(url, { connections: uploads * 2, headersTimeout: 0, bodyTimeout: 0 });
  const tus = { 'tus-resumable': '1.0.0', ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}) };
  const one = async () => {
    const hash = createHash('sha256');
    // 256 KiB at a time, fresh buffers (the socket may still hold the previous one)
    async function* bytes() {
      for (let done = 0; done < size; done += 256 * 1024) {
        const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(256 * 1024, size - done)));
        hash.update(chunk);
        yield chunk;
      }
    }
    let location;
    if (bare) {
      location = '/';
    } else {
      const created = await pool.request({
        method: 'POST',
        path: '/files/',
        headers: { ...tus, 'upload-length': String(size) },
      });
      await created.body.dump();
      if (created.statusCode !== 201) throw new Error(`POST /files/ -> ${created.statusCode}`);
      location = new URL(created.headers.location, url).pathname;
    }
    const res = await pool.request({
      method: bare ? 'PUT' : 'PATCH',
      path: location,
      headers: bare
        ? { 'content-length': String(size) }
        : {
            ...tus,
            'content-type': 'application/offset+octet-stream',
            'upload-offset': '0',
            'content-length': String(size),
          },
      body: Readable.from(bytes(), { objectMode: false }),
    });
    await res.body.dump();
    if (res.statusCode !== (bare ? 201 : 204)) throw new Error(`${location} -> ${res.statusCode}`);
    const id = path.basename(bare ? res.headers.location : location);
    return { id, sha256: hash.digest('hex') };
  };
  const sent = await Promise.all(Array.from({ length: uploads }, one));
  await pool.close();
  process.stdout.write(JSON.stringify(sent));
}
