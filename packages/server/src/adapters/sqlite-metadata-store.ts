import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './sql/schema.js';
import { SqlMetadataStore } from './sql/sql-metadata-store.js';
import { type RawSqlite, SqliteDatasetRepository } from './sql/sqlite-dataset-repository.js';
import { StatementCache } from './sql/statement-cache.js';
import { CachingTokenRepository } from './sql/token-cache.js';

/** How long a statement waits for another connection's write lock (another process, a backup). */
const BUSY_TIMEOUT_MS = 5_000;

/** Depot's records in one SQLite file: the single-machine default. */
export class SqliteMetadataStore extends SqlMetadataStore {
  readonly datasets: SqliteDatasetRepository;

  private constructor(db: Kysely<Database>, raw: RawSqlite, changedElsewhere: () => boolean) {
    // One file, so one process writes it at a time: a token cache invalidated by SQLite's
    // data_version sees every revocation, this process's or another's.
    super(db, (tokens) => new CachingTokenRepository(tokens, changedElsewhere));
    this.datasets = new SqliteDatasetRepository(db, raw);
  }

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
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new StatementCache(database) }),
    });
    return new SqliteMetadataStore(db, database as unknown as RawSqlite, dataVersionProbe(database));
  }

  /** Kysely's migrator takes SQLite's write lock itself; other processes wait (busy_timeout). */
  async migrate(): Promise<void> {
    await this.migrateWith(this.db);
  }
}

/**
 * Whether another connection (another process) committed to the database since the last call:
 * SQLite's `data_version` changes exactly then, never for this connection's own commits. A
 * direct read of one prepared statement, so cheap enough to run before every token lookup.
 */
function dataVersionProbe(database: BetterSqlite3.Database): () => boolean {
  const read = database.prepare('pragma data_version').pluck();
  let seen = read.get();
  return () => {
    const now = read.get();
    if (now === seen) return false;
    seen = now;
    return true;
  };
}
