import { CompiledQuery, type Kysely } from 'kysely';
import { decodeRows } from '../../core/row-batch-reader.js';
import type {
  CellValue,
  ColumnDef,
  DatasetRecord,
  DatasetRepository,
  RowBatch,
  RowPage,
} from '../../ports/dataset-repository.js';
import type { JobMatch, JobPatch } from '../../ports/job-repository.js';
import {
  colList,
  conflictClause,
  createTableSql,
  findDataset,
  insertDataset,
  keyList,
  LostJob,
  listDatasets,
  readRows,
  stageTable,
  table,
  withJobCas,
} from './dataset-catalog.js';
import { jobUpdate } from './job-repository.js';
import type { Database } from './schema.js';
import { StageOrder } from './stage-order.js';

/** Staged rows moved into the dataset per statement when a job completes (~50 ms each here). */
const COMMIT_SLICE_ROWS = 50_000;

/** Rows per prepared multi-row INSERT of staged rows (fewer statement runs than one row each). */
const ROWS_PER_INSERT = 64;
const SQL_TYPES: Record<ColumnDef['type'], string> = {
  string: 'text',
  integer: 'integer',
  number: 'real',
  date: 'text',
  boolean: 'integer',
};

/** The slice of better-sqlite3 the fast path needs (the same connection Kysely drives). */
export interface RawSqlite {
  prepare(sql: string): { run(params: unknown[]): { changes: number } };
  exec(sql: string): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
}

type Insert = ReturnType<RawSqlite['prepare']>;

/**
 * Datasets in SQLite (tables as in dataset-catalog.ts).
 * Staged rows go in through prepared statements on the raw connection, in one synchronous
 * transaction per batch run while Kysely's connection lock is held (so no other query interleaves):
 * through the query builder, compiling and preparing each batch cost more than SQLite's own work.
 * The staging table has no index; the commit's INSERT … SELECT in row order applies the upserts
 * (the last row of a key wins). Postgres has its own bulk path (postgres-dataset-repository.ts).
 */
export class SqliteDatasetRepository implements DatasetRepository {
  readonly #db: Kysely<Database>;
  readonly #raw: RawSqlite;
  /** prepared INSERTs by staging table and row count */
  readonly #inserts = new Map<string, Insert>();
  readonly #order = new StageOrder();

  constructor(db: Kysely<Database>, raw: RawSqlite) {
    this.#db = db;
    this.#raw = raw;
  }

  create(d: DatasetRecord): Promise<boolean> {
    return insertDataset(
      this.#db,
      d,
      createTableSql(
        table(d.id),
        d,
        SQL_TYPES,
        'pos integer primary key, ',
        d.keys.length > 0 ? `, unique (${keyList(d)})` : '',
      ),
    );
  }

  get(owner: string, name: string): Promise<DatasetRecord | undefined> {
    return findDataset(this.#db, owner, name);
  }

  list(owner: string): Promise<DatasetRecord[]> {
    return listDatasets(this.#db, owner);
  }

  rows(d: DatasetRecord, after: number, limit: number): Promise<RowPage> {
    return readRows(this.#db, d, after, limit, (type, v) => (type === 'boolean' ? v === 1 : v));
  }

  async stage(
    jobId: string,
    d: DatasetRecord,
    batch: RowBatch,
    match: JobMatch,
    patch: JobPatch,
  ): Promise<boolean> {
    const stage = stageTable(jobId);
    const cas = jobUpdate(this.#db, match, patch).compile();
    // one connection: the calls run one after the other, each only if the one before took effect
    const create = () => Promise.resolve();
    return this.#order.run(jobId, match.lease, create, async (_table, before) =>
      (await before) ? this.#write(stage, d, batch, cas) : false,
    );
  }

  #write(stage: string, d: DatasetRecord, batch: RowBatch, cas: CompiledQuery): Promise<boolean> {
    // positions are dropped: the staging table's rowid keeps the order
    const rows = decodeRows(
      batch,
      d.columns.map((c) => c.type),
    );
    return this.#db.connection().execute(async () => {
      this.#raw.exec(createTableSql(stage, d, SQL_TYPES, ''));
      const write = this.#raw.transaction(() => {
        const full = this.#insert(stage, d, ROWS_PER_INSERT);
        const params: unknown[] = [];
        let at = 0;
        for (; at + ROWS_PER_INSERT <= rows.length; at += ROWS_PER_INSERT) {
          params.length = 0;
          for (let r = at; r < at + ROWS_PER_INSERT; r++) pushRow(params, rows[r]!);
          full.run(params);
        }
        for (; at < rows.length; at++) {
          params.length = 0;
          pushRow(params, rows[at]!);
          this.#insert(stage, d, 1).run(params);
        }
        if (this.#raw.prepare(cas.sql).run([...cas.parameters]).changes === 0) throw new LostJob();
      });
      try {
        write();
        return true;
      } catch (err) {
        if (err instanceof LostJob) return false;
        throw err;
      }
    });
  }

  #insert(stage: string, d: DatasetRecord, n: number): Insert {
    const key = `${stage}:${n}`;
    let stmt = this.#inserts.get(key);
    if (!stmt) {
      const one = `(${new Array(d.columns.length).fill('?').join(',')})`;
      stmt = this.#raw.prepare(
        `insert into ${stage} (${colList(d)}) values ${new Array(n).fill(one).join(',')}`,
      );
      this.#inserts.set(key, stmt);
    }
    return stmt;
  }

  #forget(stage: string): void {
    for (const key of this.#inserts.keys()) if (key.startsWith(`${stage}:`)) this.#inserts.delete(key);
  }

  async commit(jobId: string, d: DatasetRecord, match: JobMatch, patch: JobPatch): Promise<boolean> {
    const stage = stageTable(jobId);
    this.#forget(stage);
    this.#order.forget(jobId);
    return withJobCas(this.#db, match, patch, async (trx) => {
      await trx.executeQuery(CompiledQuery.raw(createTableSql(stage, d, SQL_TYPES, '')));
      const { rows } = await trx.executeQuery<{ last: number | null }>(
        CompiledQuery.raw(`select max(rowid) as last from ${stage}`),
      );
      const last = rows[0]?.last ?? 0;
      // In row order, a slice at a time (the last row of a key still wins), and the event loop
      // gets a turn after each: one statement for millions of rows held the whole server for
      // seconds. The transaction stays open throughout, so the rows appear all at once; other
      // queries wait for the connection meanwhile, asynchronously.
      for (let after = 0; after < last; after += COMMIT_SLICE_ROWS) {
        await trx.executeQuery(
          CompiledQuery.raw(
            `insert into ${table(d.id)} (${colList(d)}) select ${colList(d)} from ${stage} where rowid > ? and rowid <= ? order by rowid${conflictClause(d)}`,
            [after, after + COMMIT_SLICE_ROWS],
          ),
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      await trx.executeQuery(CompiledQuery.raw(`drop table ${stage}`));
    });
  }

  async discard(jobId: string): Promise<void> {
    this.#forget(stageTable(jobId));
    this.#order.forget(jobId);
    await this.#db.executeQuery(CompiledQuery.raw(`drop table if exists ${stageTable(jobId)}`));
  }
}

function pushRow(params: unknown[], row: readonly CellValue[]): void {
  for (const v of row) params.push(typeof v === 'boolean' ? Number(v) : v);
}
