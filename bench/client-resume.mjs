// Resume after a crash: `depot upload` of a 1 GiB file is killed (SIGKILL: no chance to save
// anything) once half of it has gone through, then the same command runs again. A TCP proxy
// between client and server counts every byte the client sends (request heads included); bytes
// sent again = all bytes sent − the file's size. Target: at most one chunk: the PATCH on the wire
// at the kill (its Content-Length, as the proxy saw it; the CLI's chunks grow from 16 MiB to
// 64 MiB while they are fast). The stored upload is checked whole (HEAD offset = size, sha256 via
// the download).
//
//   npm run build && node bench/client-resume.mjs [--size-mib 1024] [--kill-at 0.5,0.53,0.57]
//
// One run per kill point: 50% falls on a chunk boundary of a 1 GiB file; the others land
// inside a chunk, where the part of it already sent is lost (the server discards a chunk whose
// checksum it could not verify) and is sent again.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { countingProxy, randomFile, startCli } from './lib/client-bench.mjs';
import {
  argValue,
  MiB,
  machine,
  median,
  SHM,
  startDepot,
  TOKEN,
  table,
  tusOffset,
  verdict,
} from './lib/harness.mjs';

const size = Number(argValue('--size-mib', '1024')) * MiB;
const killAts = argValue('--kill-at', '0.5,0.53,0.57').split(',').map(Number);
const reps = killAts.length;
const auth = { Authorization: `Bearer ${TOKEN}` };

await mkdir(SHM, { recursive: true });
const input = path.join(SHM, `resume-input-${process.pid}.bin`);
await randomFile(input, size);
const want = await sha256(createReadStream(input));
const depot = await startDepot();
const rows = [];
try {
  for (let r = 0; r < reps; r++) {
    const killAt = killAts[r];
    const proxy = await countingProxy(depot.url);
    const config = path.join(SHM, `resume-config-${process.pid}-${r}`);
    const args = ['upload', input, '--url', proxy.url, '--token', TOKEN, '--json'];
    const first = startCli(args, config);
    while (proxy.counter.sent < size * killAt && first.child.exitCode === null) await sleep(2);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    const sentBefore = proxy.counter.sent;
    const chunk = proxy.counter.chunk;
    const again = await startCli(args, config).done;
    const line = JSON.parse(again.stdout.split('\n')[0]);
    if (again.code !== 0 || !line.resumed) throw new Error(`second run: exit ${again.code}: ${again.stdout}`);
    if ((await tusOffset(line.url, auth)) !== size) throw new Error('the upload is not whole');
    const res = await fetch(line.url, { headers: auth });
    if ((await sha256(res.body)) !== want) throw new Error('the stored bytes differ');
    const total = proxy.counter.sent;
    rows.push({
      killAt,
      killedBy: killed.signal,
      sentBefore,
      chunk,
      second: line.bytesSent,
      again: total - size,
    });
    console.error(
      `rep ${r + 1}/${reps}: killed at ${(sentBefore / MiB).toFixed(1)} MiB sent; sent again ${((total - size) / MiB).toFixed(2)} MiB`,
    );
    await fetch(line.url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', ...auth } });
    await proxy.close();
    await rm(config, { recursive: true, force: true });
  }
} finally {
  await depot.stop();
  await rm(input, { force: true });
}

console.log(
  `\nclient-resume: ${size / MiB} MiB, \`depot upload\` SIGKILLed part-way, then run again; ${reps} runs`,
);
console.log(`${new Date().toString()}\n${machine()}\n`);
table(
  [
    'run',
    'sent before the kill',
    'body bytes of the 2nd run',
    'sent again (all bytes − size)',
    'chunk on the wire',
    '÷ that chunk',
  ],
  rows.map((x) => [
    `${(x.killAt * 100).toFixed(0)}%`,
    `${(x.sentBefore / MiB).toFixed(1)} MiB`,
    `${(x.second / MiB).toFixed(1)} MiB`,
    `${(x.again / MiB).toFixed(2)} MiB`,
    `${(x.chunk / MiB).toFixed(0)} MiB`,
    (x.again / x.chunk).toFixed(2),
  ]),
);
const worst = Math.max(...rows.map((x) => x.again));
// each run against the chunk it lost (a chunk cut off is sent again whole)
console.log(
  `\ntarget: bytes sent again ≤ one chunk: worst ${(worst / MiB).toFixed(2)} MiB, median ${(median(rows.map((x) => x.again)) / MiB).toFixed(2)} MiB — ${verdict(rows.every((x) => x.again <= x.chunk))}`,
);

async function sha256(stream) {
  const hash = createHash('sha256');
  for await (const c of stream) hash.update(c);
  return hash.digest('hex');
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
