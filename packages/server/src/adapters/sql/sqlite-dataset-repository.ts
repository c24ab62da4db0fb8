import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type {
  CellValue,
  ColumnDef,
  DatasetRecord,
  DatasetRepository,
  RowPage,
} from '../../ports/dataset-repository.js';
import type { JobMatch, JobPatch } from '../../ports/job-repository.js';
import { jobUpdate, updateJob } from './job-repository.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

/** Rows per prepared multi-row INSERT of staged rows (fewer statement runs than one row each). */
const ROWS_PER_INSERT = 64;
const SAFE_ID = /^[0-9a-f]{32}$/;
const SQL_TYPES: Record<ColumnDef['type'], string> = {
  string: 'text',
  integer: 'integer',
  number: 'real',
  date: 'text',
  boolean: 'integer',
};

class LostJob extends Error {}

/** The slice of better-sqlite3 the fast path needs (the same connection Kysely drives). */
export interface RawSqlite {
  prepare(sql: string): { run(params: unknown[]): { changes: number } };
  exec(sql: string): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
}

type Insert = ReturnType<RawSqlite['prepare']>;

/**
 * Datasets in SQLite: one table per dataset (`ds_<id>`, columns c0…cN in the declared order, so no
 * user text is ever an identifier) and one staging table per running import (`stage_<jobId>`).
 * Staged rows go in through prepared statements on the raw connection, in one synchronous
 * transaction per batch run while Kysely's connection lock is held (so no other query interleaves):
 * through the query builder, compiling and preparing each batch cost more than SQLite's own work.
 * The staging table has no index; the commit's INSERT … SELECT in row order applies the upserts
 * (the last row of a key wins). A Postgres adapter needs its own bulk path (COPY); the port stays.
 */
export class SqliteDatasetRepository implements DatasetRepository {
  readonly #db: Kysely<Database>;
  readonly #raw: RawSqlite;
  /** prepared INSERTs by staging table and row count */
  readonly #inserts = new Map<string, Insert>();

  constructor(db: Kysely<Database>, raw: RawSqlite) {
    this.#db = db;
    this.#raw = raw;
  }

  async create(d: DatasetRecord): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const taken = await trx
        .selectFrom('datasets')
        .select('id')
        .where('owner', '=', d.owner)
        .where('name', '=', d.name)
        .executeTakeFirst();
      if (taken) return false;
      await trx
        .insertInto('datasets')
        .values({
          id: d.id,
          owner: d.owner,
          name: d.name,
          columns: JSON.stringify(d.columns),
          keys: JSON.stringify(d.keys),
          created_at: d.createdAt,
        })
        .execute();
      await trx.executeQuery(
        CompiledQuery.raw(createTableSql(table(d.id), d, 'pos integer primary key, ', true)),
      );
      return true;
    });
  }

  async get(owner: string, name: string): Promise<DatasetRecord | undefined> {
    const row = await this.#db
      .selectFrom('datasets')
      .selectAll()
      .where('owner', '=', owner)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toDataset(row);
  }

  async list(owner: string): Promise<DatasetRecord[]> {
    const rows = await this.#db
      .selectFrom('datasets')
      .selectAll()
      .where('owner', '=', owner)
      .orderBy('name')
      .execute();
    return rows.map(toDataset);
  }

  async rows(d: DatasetRecord, after: number, limit: number): Promise<RowPage> {
    const cols = d.columns.map((_, i) => `c${i}`).join(', ');
    const result = await this.#db.executeQuery<Record<string, CellValue>>(
      CompiledQuery.raw(`select pos, ${cols} from ${table(d.id)} where pos > ? order by pos limit ?`, [
        after,
        limit,
      ]),
    );
    const rows = result.rows.map((r) => {
      const out: Record<string, CellValue> = {};
      d.columns.forEach((c, i) => {
        const v = r[`c${i}`] ?? null;
        out[c.name] = c.type === 'boolean' && v !== null ? v === 1 : v;
      });
      return out;
    });
    const last = result.rows.at(-1);
    return { rows, next: rows.length === limit && last ? num(last.pos as number) : null };
  }

  async stage(
    jobId: string,
    d: DatasetRecord,
    rows: readonly CellValue[][],
    match: JobMatch,
    patch: JobPatch,
  ): Promise<boolean> {
    const stage = stageTable(jobId);
    const cas = jobUpdate(this.#db, match, patch).compile();
    return this.#db.connection().execute(async () => {
      this.#raw.exec(createTableSql(stage, d, '', false));
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
    return this.#apply(match, patch, async (trx) => {
      await trx.executeQuery(CompiledQuery.raw(createTableSql(stage, d, '', false)));
      // `where true`: SQLite needs it to tell an upsert's ON CONFLICT from a join's ON.
      await trx.executeQuery(
        CompiledQuery.raw(
          `insert into ${table(d.id)} (${colList(d)}) select ${colList(d)} from ${stage} where true order by rowid${conflictClause(d)}`,
        ),
      );
      await trx.executeQuery(CompiledQuery.raw(`drop table ${stage}`));
    });
  }

  async discard(jobId: string): Promise<void> {
    this.#forget(stageTable(jobId));
    await this.#db.executeQuery(CompiledQuery.raw(`drop table if exists ${stageTable(jobId)}`));
  }

  /** Runs `work` and the job's compare-and-set in one transaction; false (rolled back) if the CAS fails. */
  async #apply(
    match: JobMatch,
    patch: JobPatch,
    work: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<boolean> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        await work(trx);
        if (!(await updateJob(trx, match, patch))) throw new LostJob();
      });
      return true;
    } catch (err) {
      if (err instanceof LostJob) return false;
      throw err;
    }
  }
}

function table(id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`bad dataset id ${id}`);
  return `ds_${id}`;
}

function stageTable(jobId: string): string {
  if (!SAFE_ID.test(jobId)) throw new Error(`bad job id ${jobId}`);
  return `stage_${jobId}`;
}

const colList = (d: DatasetRecord): string => d.columns.map((_, i) => `c${i}`).join(', ');

const keyList = (d: DatasetRecord): string =>
  d.keys.map((k) => `c${d.columns.findIndex((c) => c.name === k)}`).join(', ');

/** The upsert: a row with the key of an existing one replaces its values (keeping its position). */
function conflictClause(d: DatasetRecord): string {
  if (d.keys.length === 0) return '';
  const set = d.columns.map((_, i) => `c${i} = excluded.c${i}`).join(', ');
  return ` on conflict (${keyList(d)}) do update set ${set}`;
}

function createTableSql(name: string, d: DatasetRecord, first: string, keyed: boolean): string {
  const cols = d.columns.map((c, i) => `c${i} ${SQL_TYPES[c.type]}`).join(', ');
  const unique = keyed && d.keys.length > 0 ? `, unique (${keyList(d)})` : '';
  return `create table if not exists ${name} (${first}${cols}${unique})`;
}

function pushRow(params: unknown[], row: readonly CellValue[]): void {
  for (const v of row) params.push(typeof v === 'boolean' ? Number(v) : v);
}

function toDataset(row: {
  id: string;
  owner: string;
  name: string;
  columns: string;
  keys: string;
  created_at: number | string;
}): DatasetRecord {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    columns: JSON.parse(row.columns) as ColumnDef[],
    keys: JSON.parse(row.keys) as string[],
    createdAt: num(row.created_at),
  };
}
