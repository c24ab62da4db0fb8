import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type {
  CellValue,
  ColumnDef,
  DatasetRecord,
  DatasetRepository,
  RowPage,
} from '../../ports/dataset-repository.js';
import type { JobMatch, JobPatch } from '../../ports/job-repository.js';
import { updateJob } from './job-repository.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

/** Parameters per INSERT: under SQLite's 32,766, and big enough that a statement carries many rows. */
const MAX_PARAMS = 30_000;
const SAFE_ID = /^[0-9a-f]{32}$/;
const SQL_TYPES: Record<ColumnDef['type'], string> = {
  string: 'text',
  integer: 'integer',
  number: 'real',
  date: 'text',
  boolean: 'integer',
};

class LostJob extends Error {}

/**
 * Datasets in SQLite: one table per dataset (`ds_<id>`, columns c0…cN in the declared order, so no
 * user text is ever an identifier) and one staging table per running import (`stage_<jobId>`).
 * Rows go in as multi-row INSERTs of precompiled SQL text with `?` placeholders: building them with
 * the query builder cost more than SQLite's own work at 300,000 rows/s. A Postgres adapter needs
 * its own placeholders (and `bigserial` for the row position); the port stays the same.
 */
export class SqliteDatasetRepository implements DatasetRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
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
      await createTable(trx, table(d.id), d, 'pos integer primary key, ');
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
    return this.#apply(match, patch, async (trx) => {
      await createTable(trx, stage, d, '');
      const width = d.columns.length;
      const perStatement = Math.max(1, Math.floor(MAX_PARAMS / width));
      const upsert = conflictClause(d);
      const one = `(${new Array(width).fill('?').join(',')})`;
      for (let at = 0; at < rows.length; at += perStatement) {
        const slice = rows.slice(at, at + perStatement);
        const params: unknown[] = [];
        for (const r of slice) for (const v of r) params.push(typeof v === 'boolean' ? Number(v) : v);
        const sql = `insert into ${stage} (${colList(d)}) values ${new Array(slice.length).fill(one).join(',')}${upsert}`;
        await trx.executeQuery(CompiledQuery.raw(sql, params));
      }
    });
  }

  async commit(jobId: string, d: DatasetRecord, match: JobMatch, patch: JobPatch): Promise<boolean> {
    const stage = stageTable(jobId);
    return this.#apply(match, patch, async (trx) => {
      await createTable(trx, stage, d, '');
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

async function createTable(trx: Transaction<Database>, name: string, d: DatasetRecord, first: string) {
  const cols = d.columns.map((c, i) => `c${i} ${SQL_TYPES[c.type]}`).join(', ');
  const unique = d.keys.length > 0 ? `, unique (${keyList(d)})` : '';
  await trx.executeQuery(CompiledQuery.raw(`create table if not exists ${name} (${first}${cols}${unique})`));
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
