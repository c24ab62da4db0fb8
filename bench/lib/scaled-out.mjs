// A scaled-out setting for a benchmark: a fresh Postgres database and S3 bucket of its own (the
// S3 server's settings from the environment or the s3.env that start-s3.sh saved), the machine's
// Redis; `drop()` removes the database and the bucket with everything in it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import pg from 'pg';

const ADMIN = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function withPg(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database; resolves with its URL and `drop()`. */
export async function benchDatabase() {
  const name = `depot_bench_${randomBytes(5).toString('hex')}`;
  await withPg(ADMIN, (c) => c.query(`create database ${name}`));
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  const drop = () => withPg(ADMIN, (c) => c.query(`drop database if exists ${name} with (force)`));
  return { url: url.toString(), drop };
}

/** The S3 server's settings (S3_ENDPOINT, …): the environment's, else those start-s3.sh saved. */
export function s3Settings() {
  const s3env = { ...savedS3(), ...process.env };
  if (!s3env.S3_ENDPOINT)
    throw new Error('S3_ENDPOINT is not set: start the S3 server (../shared/s3/start-s3.sh)');
  return s3env;
}

export function s3Client(s3env) {
  return new S3Client({
    endpoint: s3env.S3_ENDPOINT,
    region: s3env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3env.S3_ACCESS_KEY_ID, secretAccessKey: s3env.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function scaledOut() {
  const s3env = s3Settings();
  const s3 = s3Client(s3env);
  const bucket = `depot-bench-${randomBytes(4).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const db = await benchDatabase();
  const env = {
    DEPOT_DATABASE_URL: db.url,
    DEPOT_STORAGE: `s3://${bucket}/depot`,
    DEPOT_S3_ENDPOINT: s3env.S3_ENDPOINT,
    DEPOT_S3_REGION: s3env.S3_REGION ?? 'us-east-1',
    DEPOT_S3_ACCESS_KEY_ID: s3env.S3_ACCESS_KEY_ID,
    DEPOT_S3_SECRET_ACCESS_KEY: s3env.S3_SECRET_ACCESS_KEY,
    DEPOT_REDIS_URL: REDIS,
  };
  const drop = async () => {
    for (;;) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
      const keys = (out.Contents ?? []).map((o) => o.Key);
      if (keys.length === 0) break;
      // one by one (64 at a time): Swift's s3api wants a Content-MD5 on a multi-object delete
      for (let i = 0; i < keys.length; i += 64) {
        const slice = keys.slice(i, i + 64);
        await Promise.all(slice.map((Key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }))));
      }
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await db.drop();
  };
  return { env, drop };
}

function savedS3() {
  try {
    const file = path.join(process.env.DEPOT_TEST_S3_DIR ?? '/var/tmp/depot-s3', 's3.env');
    const text = readFileSync(file, 'utf8');
    return Object.fromEntries([...text.matchAll(/^(S3_[A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
  } catch {
    return {};
  }
}
