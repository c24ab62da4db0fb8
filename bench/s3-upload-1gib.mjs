// One 1 GiB upload into Depot's S3 blob store (scaled out: Postgres + Redis + S3), as one tus
// PATCH sent by curl, against anchors measured in the same run: @aws-sdk/lib-storage's Upload
// putting the same file straight into the same S3 server, with its defaults (5 MiB parts, 4 at
// once) and with Depot's part size for 1 GiB (16 MiB, 4 at once). The target is judged against
// the faster of the two.
//
//   eval "$(bash ../shared/s3/start-s3.sh /var/tmp/depot-s3)"   # or let .ci/run start it
//   npm run build && node bench/s3-upload-1gib.mjs [--reps 3] [--size-mib 1024]
//
// Wall time: for Depot, create + PATCH until its 204 (the multipart upload is completed before
// the PATCH answers); for lib-storage, Upload.done(). Cases are interleaved, the median reported.
import { execFile } from 'node:child_process';
import { randomBytes, randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import pg from 'pg';
import {
  argValue,
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
import { s3Client, s3Settings } from './lib/scaled-out.mjs';

const reps = Number(argValue('--reps', '3'));
const size = Number(argValue('--size-mib', '1024')) * MiB;
const s3env = s3Settings();
const auth = { Authorization: `Bearer ${TOKEN}` };

const s3 = s3Client(s3env);
const bucket = `depot-bench-${randomBytes(4).toString('hex')}`;
const dbName = `depot_bench_${randomBytes(4).toString('hex')}`;
const admin = 'postgres://postgres@127.0.0.1:5432/postgres';

await mkdir(SHM, { recursive: true });
const input = path.join(SHM, `s3-input-${size}-${process.pid}.bin`);
await generate(input, size);
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
await sql(`create database ${dbName}`);
const depot = await startDepot({
  DEPOT_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`,
  DEPOT_STORAGE: `s3://${bucket}/depot`,
  DEPOT_S3_ENDPOINT: s3env.S3_ENDPOINT,
  DEPOT_S3_REGION: s3env.S3_REGION ?? 'us-east-1',
  DEPOT_S3_ACCESS_KEY_ID: s3env.S3_ACCESS_KEY_ID,
  DEPOT_S3_SECRET_ACCESS_KEY: s3env.S3_SECRET_ACCESS_KEY,
  DEPOT_REDIS_URL: 'redis://127.0.0.1:6379',
});

const libStorage = (partSize) => async () => {
  const key = `direct/${randomBytes(8).toString('hex')}`;
  const t0 = performance.now();
  const params = { Bucket: bucket, Key: key, Body: createReadStream(input) };
  await new Upload({ client: s3, params, ...(partSize ? { partSize } : {}) }).done();
  const ms = performance.now() - t0;
  await expectObject(key);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return ms;
};
const cases = {
  'lib-storage → S3, defaults (anchor)': libStorage(undefined),
  'lib-storage → S3, 16 MiB parts (anchor)': libStorage(16 * MiB),
  'Depot (tus PATCH) → S3': async () => {
    const t0 = performance.now();
    const url = await tusCreate(depot.url, size, auth);
    const status = await curl([
      '-X',
      'PATCH',
      '-H',
      'Tus-Resumable: 1.0.0',
      '-H',
      'Content-Type: application/offset+octet-stream',
      '-H',
      'Upload-Offset: 0',
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '-T',
      input,
      url,
    ]);
    const ms = performance.now() - t0;
    if (status !== '204') throw new Error(`PATCH ${url} -> ${status}`);
    if ((await tusOffset(url, auth)) !== size) throw new Error(`${url}: short offset`);
    await expectObject(`depot/${url.split('/').pop()}`);
    const del = await fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', ...auth } });
    if (del.status !== 204) throw new Error(`DELETE ${url} -> ${del.status}`);
    return ms;
  },
};

const names = Object.keys(cases);
const times = Object.fromEntries(names.map((k) => [k, []]));
const depotCpu = [];
try {
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const cpu0 = procCpu(depot.pid);
      times[name].push(await cases[name]());
      if (name.startsWith('Depot')) depotCpu.push(procCpu(depot.pid) - cpu0);
    }
    console.error(
      `rep ${r + 1}/${reps}: ${names.map((n) => `${n} ${times[n].at(-1).toFixed(0)} ms`).join(', ')}`,
    );
  }
} finally {
  await depot.stop();
  await rm(input, { force: true });
  await dropBucket();
  await sql(`drop database if exists ${dbName} with (force)`);
  s3.destroy();
}

const med = Object.fromEntries(names.map((k) => [k, median(times[k])]));
const anchor = Math.min(med[names[0]], med[names[1]]);
console.log(
  `\ns3-upload-1gib: ${size / MiB} MiB, median of ${reps} (interleaved), S3 at ${s3env.S3_ENDPOINT}`,
);
console.log(`${new Date().toString()}\n${machine()}\n`);
table(
  ['case', 'median wall', 'MB/s', '× faster anchor', 'all runs: wall (s)'],
  names.map((k) => [
    k,
    `${(med[k] / 1000).toFixed(2)} s`,
    (size / 1e6 / (med[k] / 1000)).toFixed(0),
    (med[k] / anchor).toFixed(2),
    times[k].map((t) => (t / 1000).toFixed(2)).join(' '),
  ]),
);
const ratio = med[names[2]] / anchor;
console.log(`\nDepot server CPU per upload: median ${median(depotCpu).toFixed(2)} s`);
console.log(
  `target: Depot → S3 ≤ 1.25× lib-storage (the faster anchor): ${ratio.toFixed(2)}× — ${verdict(ratio <= 1.25)}`,
);

async function expectObject(key) {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  if (head.ContentLength !== size) throw new Error(`${key}: ${head.ContentLength} bytes, want ${size}`);
}

async function dropBucket() {
  for (;;) {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    if (!out.Contents?.length) break;
    for (const o of out.Contents) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

async function sql(text) {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** curl streams a -T file; the empty `Expect:` stops it waiting for a 100-continue. Resolves the status. */
function curl(args) {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Expect:', ...args],
      (err, stdout, stderr) =>
        err ? reject(new Error(`curl failed: ${stderr || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

async function generate(file, bytes) {
  const block = Buffer.alloc(4 * MiB);
  async function* chunks() {
    for (let left = bytes; left > 0; left -= block.length)
      yield randomFillSync(block).subarray(0, Math.min(left, block.length));
  }
  await pipeline(chunks(), createWriteStream(file));
}
