import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Settings } from '../../src/adapters/s3/s3-objects.js';

/** Where `.ci/run` starts the test S3 server; its start script leaves the settings in s3.env there. */
const S3_DIR = process.env.DEPOT_TEST_S3_DIR ?? '/var/tmp/depot-s3';

/**
 * The S3-compatible server the tests use: from the environment that `.ci/run` exports after
 * starting one (../shared/s3/start-s3.sh prints S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID,
 * S3_SECRET_ACCESS_KEY), else from the s3.env file it saved. No settings, or a server that does
 * not answer, fail the tests: S3 is a required part of the suite, never skipped.
 */
export function s3Env(): Omit<S3Settings, 'bucket' | 'prefix'> & { endpoint: string } {
  const env = { ...savedSettings(), ...process.env };
  const endpoint = env.S3_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      `S3_ENDPOINT is not set and ${S3_DIR}/s3.env is missing: start the test S3 server (bash .ci/run does)`,
    );
  }
  return {
    endpoint,
    region: env.S3_REGION ?? 'us-east-1',
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
  };
}

/** The shell lines `NAME='value'` of s3.env, if the file is there. */
function savedSettings(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path.join(S3_DIR, 's3.env'), 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^(S3_[A-Z_]+)='([^']*)'$/gm)) out[m[1]!] = m[2]!;
  return out;
}

function client(): S3Client {
  const env = s3Env();
  return new S3Client({
    endpoint: env.endpoint,
    region: env.region,
    forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId ?? '', secretAccessKey: env.secretAccessKey ?? '' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface TestBucket {
  readonly settings: S3Settings;
  /** the keys in the bucket now */
  keys(): Promise<string[]>;
  /** the upload ids of the multipart uploads in progress under `key` */
  multipartUploads(key: string): Promise<string[]>;
  /** Empties and deletes the bucket. */
  drop(): Promise<void>;
}

/** A new bucket of its own for one test file (or test), under a prefix like production's. */
export async function createTestBucket(): Promise<TestBucket> {
  const bucket = `depot-test-${randomBytes(6).toString('hex')}`;
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys = async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (out.Contents ?? []).map((o) => o.Key ?? '');
  };
  return {
    settings: { ...s3Env(), bucket, prefix: 'blobs' },
    keys,
    multipartUploads: async (key) => {
      const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
      return (out.Uploads ?? []).map((u) => u.UploadId ?? '');
    },
    drop: async () => {
      for (;;) {
        const list = await keys();
        if (list.length === 0) break;
        // One by one: this server's batch delete wants a Content-MD5 that current SDKs omit.
        for (const Key of list) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      }
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      s3.destroy();
    },
  };
}
