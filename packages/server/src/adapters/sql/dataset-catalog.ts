import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import type { CellValue, ColumnDef, DatasetRecord, RowPage } from '../../ports/dataset-repository.js';
import type { JobMatch, JobPatch } from '../../ports/job-repository.js';
import { updateJob } from './job-repository.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

/**
 * What the SQLite and Postgres dataset repositories share: the `datasets` records and the naming
 * of the tables. One table per dataset (`ds_<id>`, columns c0…cN in the declared order, so no user
 * text is ever an identifier, and a `pos` giving insertion order) and one staging table per
 * running import (`stage_<jobId>`).
 */

const SAFE_ID = /^[0-9a-f]{32}$/;

/** Thrown inside a transaction to roll it back when the job's compare-and-set fails. */
export class LostJob extends Error {}

export function table(id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`bad dataset id ${id}`);
  return `ds_${id}`;
}

export function stageTable(jobId: string): string {
  if (!SAFE_ID.test(jobId)) throw new Error(`bad job id ${jobId}`);
  return `stage_${jobId}`;
}

export const colList = (d: DatasetRecord): string => d.columns.map((_, i) => `c${i}`).join(', ');

export const keyList = (d: DatasetRecord): string =>
  d.keys.map((k) => `c${d.columns.findIndex((c) => c.name === k)}`).join(', ');

/** The upsert: a row with the key of an existing one replaces its values (keeping its position). */
export function conflictClause(d: DatasetRecord): string {
  if (d.keys.length === 0) return '';
  const set = d.columns.map((_, i) => `c${i} = excluded.c${i}`).join(', ');
  return ` on conflict (${keyList(d)}) do update set ${set}`;
}

/**
 * CREATE TABLE for a dataset or a staging table, in a dialect's types: `first` is the position
 * column, `last` the constraints after the columns (with their leading comma).
 */
export function createTableSql(
  name: string,
  d: DatasetRecord,
  types: Record<ColumnDef['type'], string>,
  first: string,
  last = '',
): string {
  const cols = d.columns.map((c, i) => `c${i} ${types[c.type]}`).join(', ');
  return `create table if not exists ${name} (${first}${cols}${last})`;
}

/** Records the dataset and creates its table (`ddl`) in one transaction; false if the name is taken. */
export function insertDataset(db: Kysely<Database>, d: DatasetRecord, ddl: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
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
    await trx.executeQuery(CompiledQuery.raw(ddl));
    return true;
  });
}

export async function findDataset(
  db: Kysely<Database>,
  owner: string,
  name: string,
): Promise<DatasetRecord | undefined> {
  const row = await db
    .selectFrom('datasets')
    .selectAll()
    .where('owner', '=', owner)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toDataset(row);
}

export async function listDatasets(db: Kysely<Database>, owner: string): Promise<DatasetRecord[]> {
  const rows = await db
    .selectFrom('datasets')
    .selectAll()
    .where('owner', '=', owner)
    .orderBy('name')
    .execute();
  return rows.map(toDataset);
}

/**
 * A page of a dataset's rows, each value read back through `value` (the driver's form of a column
 * type, such as SQLite's 0/1 booleans or pg's bigint text, made the port's).
 */
export async function readRows(
  db: Kysely<Database>,
  d: DatasetRecord,
  after: number,
  limit: number,
  value: (type: ColumnDef['type'], v: CellValue) => CellValue,
): Promise<RowPage> {
  const result = await sql<Record<string, CellValue>>`select pos, ${sql.raw(colList(d))} from ${sql.raw(
    table(d.id),
  )} where pos > ${after} order by pos limit ${limit}`.execute(db);
  const rows = result.rows.map((r) => {
    const out: Record<string, CellValue> = {};
    d.columns.forEach((c, i) => {
      const v = r[`c${i}`] ?? null;
      out[c.name] = v === null ? null : value(c.type, v);
    });
    return out;
  });
  const last = result.rows.at(-1);
  return { rows, next: rows.length === limit && last ? num(last.pos as number | string) : null };
}

/** Runs `work` and the job's compare-and-set in one transaction; false (rolled back) if the CAS fails. */
export async function withJobCas(
  db: Kysely<Database>,
  match: JobMatch,
  patch: JobPatch,
  work: (trx: Transaction<Database>) => Promise<void>,
): Promise<boolean> {
  try {
    await db.transaction().execute(async (trx) => {
      await work(trx);
      if (!(await updateJob(trx, match, patch))) throw new LostJob();
    });
    return true;
  } catch (err) {
    if (err instanceof LostJob) return false;
    throw err;
  }
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
