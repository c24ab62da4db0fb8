import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How many distinct SQL texts keep their prepared statement; `IN (?, ?, …)` lists vary, so bound it. */
const DEFAULT_MAX = 200;

/**
 * The slice of better-sqlite3 Kysely calls, with each statement prepared once per SQL text and
 * reused. Kysely's own SQLite driver prepares every query anew, which cost ~10 % of the server's
 * CPU on small uploads. Reuse is safe: Kysely runs one query at a time on its one connection (a
 * streamed select holds the connection until it is done), and SQLite re-prepares a statement
 * itself when the schema changes under it.
 */
export class StatementCache implements SqliteDatabase {
  readonly #db: SqliteDatabase;
  readonly #max: number;
  /** in use order: the least recently used first */
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase, max = DEFAULT_MAX) {
    this.#db = db;
    this.#max = max;
  }

  get size(): number {
    return this.#statements.size;
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.#statements.get(sql);
    if (stmt) {
      this.#statements.delete(sql);
    } else {
      stmt = this.#db.prepare(sql);
      if (this.#statements.size >= this.#max) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
    }
    this.#statements.set(sql, stmt);
    return stmt;
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}
