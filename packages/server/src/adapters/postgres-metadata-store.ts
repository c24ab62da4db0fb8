import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PostgresDatasetRepository } from './sql/postgres-dataset-repository.js';
import type { Database } from './sql/schema.js';
import { SqlMetadataStore } from './sql/sql-metadata-store.js';

/**
 * Any fixed number, the same on every node: the session-level advisory lock that makes
 * `migrate` run on one node at a time ("depot" in ASCII).
 */
const MIGRATION_LOCK_KEY = 0x6465706f74;
/** Connections per node; a PATCH holds one only for the length of each commit. */
const POOL_SIZE = 10;

/** Depot's records in Postgres: the scaled-out metadata store, shared by every node. */
export class PostgresMetadataStore extends SqlMetadataStore {
  readonly #pool: pg.Pool;
  readonly datasets: PostgresDatasetRepository;

  private constructor(pool: pg.Pool) {
    super(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
    this.#pool = pool;
    this.datasets = new PostgresDatasetRepository(this.db, pool);
  }

  /** Opens a pool on `url` (postgres://user:pass@host:port/db); connects lazily. */
  static async open(url: string): Promise<PostgresMetadataStore> {
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
    // An idle connection that the server drops must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    return new PostgresMetadataStore(pool);
  }

  /**
   * Several nodes starting at once all call this. One takes the advisory lock and migrates; the
   * others wait for it, then find nothing left to do. (Kysely's migrator also locks, but only
   * once its bookkeeping tables exist; creating those concurrently is the race this closes.)
   */
  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        await this.migrateWith(this.db);
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  }
}
