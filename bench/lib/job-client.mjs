// Pieces shared by the job benchmarks: inputs generated once into SHM, an upload in one PATCH,
// API calls, and a job timed from its POST to its completion.
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { procCpu, TOKEN } from './harness.mjs';

export const auth = { Authorization: `Bearer ${TOKEN}` };

/** Writes `rows` lines from `line(i)` after `header`, once (kept in SHM between runs). */
export async function generate(file, header, rows, line) {
  if (existsSync(file)) return file;
  async function* chunks() {
    let batch = header;
    for (let i = 0; i < rows; i++) {
      batch += line(i);
      if (batch.length > 1 << 20) {
        yield batch;
        batch = '';
      }
    }
    yield batch;
  }
  await pipeline(chunks(), createWriteStream(`${file}.tmp`));
  await rename(`${file}.tmp`, file);
  return file;
}

let seed = 1;
export const rand = () => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};
export const pad = (n) => (n < 10 ? `0${n}` : String(n));

export async function upload(url, file) {
  const size = statSync(file).size;
  const created = await fetch(`${url}/files/`, {
    method: 'POST',
    headers: { ...auth, 'Tus-Resumable': '1.0.0', 'Upload-Length': String(size) },
  });
  await created.arrayBuffer();
  const location = new URL(created.headers.get('location'), url).href;
  const patched = await fetch(location, {
    method: 'PATCH',
    headers: {
      ...auth,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
    },
    body: createReadStream(file, { highWaterMark: 1 << 20 }),
    duplex: 'half',
  });
  await patched.arrayBuffer();
  if (patched.status !== 204) throw new Error(`upload failed: ${patched.status}`);
  return location.split('/').at(-1);
}

export async function call(url, method, p, body) {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { ...auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${p} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function until(url, id, cond, everyMs = 5) {
  for (;;) {
    const job = await call(url, 'GET', `/api/jobs/${id}`);
    if (cond(job)) return job;
    if (['failed', 'cancelled'].includes(job.state) && !cond(job)) throw new Error(JSON.stringify(job));
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Runs a job to completion: seconds from the request to the completed state, server CPU seconds,
 * and `readSeconds`, when the job was first seen to have read all its input (±50 ms).
 */
export async function timedJob(server, type, fileId, params) {
  const c0 = procCpu(server.pid);
  const t0 = performance.now();
  const job = await call(server.url, 'POST', '/api/jobs', { type, fileId, params });
  let readSeconds = Number.NaN;
  const done = await until(
    server.url,
    job.id,
    (j) => {
      if (Number.isNaN(readSeconds) && j.progress.bytesDone >= j.progress.bytesTotal)
        readSeconds = (performance.now() - t0) / 1000;
      return j.state === 'completed';
    },
    50,
  );
  return { seconds: (performance.now() - t0) / 1000, cpu: procCpu(server.pid) - c0, readSeconds, job: done };
}

/** csv-import's benchmark dataset: 5 typed columns, upserted on id. */
export const PEOPLE = [
  { name: 'id', type: 'integer', required: true },
  { name: 'name', type: 'string', required: true },
  { name: 'score', type: 'number', required: false },
  { name: 'day', type: 'date', required: false },
  { name: 'active', type: 'boolean', required: false },
];

/** The rows of PEOPLE: distinct ids, random names and scores (the same file for a given count). */
export const peopleFile = (file, rows) =>
  generate(
    file,
    'id,name,score,day,active\n',
    rows,
    (i) =>
      `${i},name ${Math.floor(rand() * 1e6)},${(rand() * 1000).toFixed(3)},2021-${pad(1 + (i % 12))}-${pad(1 + (i % 28))},${i & 1}\n`,
  );
