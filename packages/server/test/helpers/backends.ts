import { createTestDatabase, type TestDatabase } from './postgres.js';
import { REDIS_URL } from './redis.js';
import { createTestBucket, type TestBucket } from './s3.js';

/** A set of adapters a Depot under test runs on: settings for startDepot, and their cleanup. */
export interface Backend {
  readonly name: string;
  start(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
}

/** SQLite + local disk + in-process locks (the defaults). */
export const EMBEDDED: Backend = {
  name: 'embedded (SQLite, disk)',
  start: async () => ({ env: {}, cleanup: async () => {} }),
};

/** The settings of a Depot node on a test database and bucket, with locks in the test Redis. */
export function scaledOutEnv(db: TestDatabase, bucket: TestBucket): Record<string, string> {
  const { endpoint, region, accessKeyId, secretAccessKey } = bucket.settings;
  return {
    DEPOT_DATABASE_URL: db.url,
    DEPOT_STORAGE: `s3://${bucket.settings.bucket}/${bucket.settings.prefix}`,
    DEPOT_S3_ENDPOINT: endpoint ?? '',
    DEPOT_S3_REGION: region ?? '',
    DEPOT_S3_ACCESS_KEY_ID: accessKeyId ?? '',
    DEPOT_S3_SECRET_ACCESS_KEY: secretAccessKey ?? '',
    DEPOT_REDIS_URL: REDIS_URL,
  };
}

/** Postgres + Redis + S3: a database and a bucket of its own, dropped afterwards. */
export const SCALED_OUT: Backend = {
  name: 'scaled out (Postgres, Redis, S3)',
  start: async () => {
    const db = await createTestDatabase();
    const bucket = await createTestBucket();
    return {
      env: scaledOutEnv(db, bucket),
      cleanup: async () => {
        await bucket.drop();
        await db.drop();
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [EMBEDDED, SCALED_OUT];
