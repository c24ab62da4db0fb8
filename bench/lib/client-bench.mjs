// Pieces of the SDK/CLI benchmarks: a random input file, `depot upload` as a process, curl
// sending one PATCH, and a TCP proxy that counts the bytes a client sends.
import { execFile, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MiB, repoDir, SHM } from './harness.mjs';

export const depotCli = path.join(repoDir, 'packages', 'cli', 'dist', 'bin.js');

/** Writes `bytes` pseudo-random (incompressible) bytes to `file`. */
export async function randomFile(file, bytes) {
  async function* chunks() {
    for (let done = 0; done < bytes; done += 4 * MiB) {
      yield randomFillSync(Buffer.allocUnsafe(Math.min(4 * MiB, bytes - done)));
    }
  }
  await pipeline(chunks, createWriteStream(file));
}

/** The CLI's resume state during a benchmark; the script removes it at the end. */
export const cliConfigDir = path.join(SHM, `cli-config-${process.pid}`);

/**
 * Starts `depot ARGS` (its resume state in a tmpfs config dir); `done` resolves with the exit
 * code and stdout. `kill` ends exactly this process.
 */
export function startCli(args, configDir = cliConfigDir) {
  const child = spawn(process.execPath, [depotCli, ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: configDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  const done = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout })),
  );
  return { child, done };
}

/** `curl -T FILE -X PATCH` to an upload URL: one request with the whole file (streamed). */
export function curlPatch(url, file, headers) {
  const h = {
    'Tus-Resumable': '1.0.0',
    'Content-Type': 'application/offset+octet-stream',
    'Upload-Offset': '0',
    Expect: '',
    ...headers,
  };
  const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PATCH', '-T', file, url];
  for (const [k, v] of Object.entries(h)) args.unshift('-H', `${k}: ${v}`);
  return new Promise((resolve, reject) =>
    execFile('curl', args, (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(Number(stdout)),
    ),
  );
}

const LENGTH = Buffer.from('\r\nContent-Length: ');

/**
 * A TCP proxy in front of `target` that counts the bytes clients send through it, and notes the
 * last non-zero `Content-Length` a request declared (`chunk`: the PATCH on the wire).
 */
export async function countingProxy(target) {
  const { hostname, port } = new URL(target);
  const counter = { sent: 0, chunk: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (c) => {
      counter.sent += c.length;
      // (a head split across two reads is missed: rare, and the next chunk's head is seen)
      for (let at = c.indexOf(LENGTH); at >= 0; at = c.indexOf(LENGTH, at + 1)) {
        const n = Number(
          /^\d+/.exec(c.subarray(at + LENGTH.length, at + LENGTH.length + 20).toString('latin1'))?.[0],
        );
        if (n > 0) counter.chunk = n;
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counter,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Runs every case `reps` times, interleaved in rotated order (a shared machine drifts; this
 * spreads the drift over all cases); returns each case's wall times in ms.
 */
export async function interleaved(cases, reps) {
  const names = Object.keys(cases);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      times[name].push(await cases[name]());
    }
    console.error(
      `rep ${r + 1}/${reps}: ${names.map((n) => `${n} ${times[n].at(-1).toFixed(0)} ms`).join(', ')}`,
    );
  }
  return times;
}
