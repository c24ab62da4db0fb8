import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's Postgres (trust auth); DEPOT_TEST_POSTGRES_URL points elsewhere. */
const ADMIN_URL = process.env.DEPOT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database with a random name; `drop` removes it (closing what still uses it). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `depot_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}
