import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './sql/schema.js';
import { SqlMetadataStore } from './sql/sql-metadata-store.js';

/** How long a statement waits for another connection's write lock (another process, a backup). */
const BUSY_TIMEOUT_MS = 5_000;

/** Depot's records in one SQLite file: the single-machine default. */
export class SqliteMetadataStore extends SqlMetadataStore {
  static async open(file: string): Promise<SqliteMetadataStore> {
    const database = new BetterSqlite3(file);
    // WAL: readers never block the writer, and a commit is one sequential append.
    database.pragma('journal_mode = WAL');
    // NORMAL syncs the WAL at checkpoints, not at every commit, so power loss can drop the last
    // transactions. That is safe here: a blob's bytes are fsync'd before its offset is
    // committed, so a lost commit only leaves the offset behind the blob, and the core truncates
    // the blob back to the offset on the next append. Never ahead, never corrupt.
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return new SqliteMetadataStore(new Kysely<Database>({ dialect: new SqliteDialect({ database }) }));
  }

  /** Kysely's migrator takes SQLite's write lock itself; other processes wait (busy_timeout). */
  async migrate(): Promise<void> {
    await this.migrateWith(this.db);
  }
}
