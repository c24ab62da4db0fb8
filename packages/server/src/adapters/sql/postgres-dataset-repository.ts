import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type {
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
  listDatasets,
  readRows,
  stageTable,
  table,
  withJobCas,
} from './dataset-catalog.js';
import { jobUpdate } from './job-repository.js';
import type { Database } from './schema.js';
import { StageOrder } from './stage-order.js';

const PG_TYPES: Record<ColumnDef['type'], string> = {
  string: 'text',
  integer: 'bigint',
  number: 'double precision',
  // text, not date: the value read back is the exact YYYY-MM-DD string that was imported
  date: 'text',
  boolean: 'boolean',
};
/** Postgres's "ON CONFLICT DO UPDATE command cannot affect row a second time". */
const CARDINALITY_VIOLATION = '21000';
/**
 * Settings for the index builds of a swap (see buildIndexes); each sorts in 512 MB, which holds
 * the index entries of 5M rows of an integer key (~80 bytes each; 392 MB; more rows, or wider
 * keys, sort partly on disk). One build alone (an append: `pos`) uses Postgres's parallel
 * workers, which share that memory (at 256 MB each worker's part of 5M rows spilled to disk:
 * 1.46 CPU-s against 1.30). Two builds at once (a keyed dataset) each run without workers: on a
 * 2-core machine they already take both cores, and parallel builds only add their workers' tapes
 * and the leader's merge (5M rows: 2.1 CPU-s for both instead of 3.4; bench/RESULTS.md).
 */
const SWAP_BUILD_ALONE = "set local maintenance_work_mem = '512MB'";
const SWAP_BUILD_BESIDE_ANOTHER = `${SWAP_BUILD_ALONE}; set local max_parallel_maintenance_workers = 0`;
const UNIQUE_VIOLATION = '23505';

/**
 * Datasets in Postgres (tables as in dataset-catalog.ts), loaded through COPY. Rows arrive already
 * validated by csv-import (a bad row is a per-row error there, and never reaches COPY, which would
 * reject its whole batch). Each batch is one transaction on one pooled connection: COPY into the
 * job's staging table, then the job's compare-and-set, so rows and checkpoint commit together and
 * a resumed import continues after exactly the rows that were kept. Batches of one job overlap
 * (two backends load at once, StageOrder keeps their commits in order). Staged rows carry their
 * position in the file's order (`pos`, given by the batch: csv-import's line numbers, so no
 * sequence, whose nextval per row cost a third of COPY's time). COPY cannot upsert, so
 * completion applies the staging table: into an empty dataset by making it the dataset table
 * (see swapIn), otherwise by one INSERT … SELECT … ON CONFLICT, the statement SQLite runs; where a
 * key repeats inside the import (which Postgres's ON CONFLICT refuses in one statement) a second
 * form keeps each key's last row at its first row's place, which is what SQLite's row-by-row
 * upsert leaves.
 */
export class PostgresDatasetRepository implements DatasetRepository {
  readonly #db: Kysely<Database>;
  readonly #pool: pg.Pool;
  readonly #order = new StageOrder();

  constructor(db: Kysely<Database>, pool: pg.Pool) {
    this.#db = db;
    this.#pool = pool;
  }

  create(d: DatasetRecord): Promise<boolean> {
    const t = table(d.id);
    const ddl = createTableSql(t, d, PG_TYPES, 'pos bigint, ', `, ${constraints(t, d).join(', ')}`);
    return insertDataset(this.#db, d, ddl);
  }

  get(owner: string, name: string): Promise<DatasetRecord | undefined> {
    return findDataset(this.#db, owner, name);
  }

  list(owner: string): Promise<DatasetRecord[]> {
    return listDatasets(this.#db, owner);
  }

  rows(d: DatasetRecord, after: number, limit: number): Promise<RowPage> {
    // bigint comes back as text from pg; the values are safe integers (import-values.ts)
    return readRows(this.#db, d, after, limit, (type, v) => (type === 'integer' ? Number(v) : v));
  }

  stage(jobId: string, d: DatasetRecord, rows: RowBatch, match: JobMatch, patch: JobPatch): Promise<boolean> {
    const stage = stageTable(jobId);
    const cas = jobUpdate(this.#db, match, patch).compile();
    const create = () => run(this.#db, this.#stageDdl(stage, d));
    return this.#order.run(jobId, match.lease, create, async (table, before) => {
      await table;
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        try {
          // Asynchronous commit is safe here: rows and checkpoint are lost or kept together, and
          // the job's next state change (a synchronous commit) flushes them first.
          await client.query('begin; set local synchronous_commit = off');
          if (rows.count > 0) {
            // the batch is COPY's text format already, positions included (ports/dataset-repository.ts)
            const copy = client.query(copyFrom(`copy ${stage} (pos, ${colList(d)}) from stdin`));
            await new Promise<void>((resolve, reject) => {
              copy.on('error', reject);
              copy.on('finish', resolve);
              copy.end(rows.text);
            });
          }
          // The batch before commits first (its checkpoint must not land after this one), and
          // this one only if it did.
          const kept = (await before) && (await client.query(cas.sql, [...cas.parameters])).rowCount !== 0;
          await client.query(kept ? 'commit' : 'rollback');
          return kept;
        } catch (err) {
          await client.query('rollback').catch((e: Error) => {
            broken = e;
          });
          throw err;
        }
      } finally {
        client.release(broken);
      }
    });
  }

  #stageDdl(stage: string, d: DatasetRecord): string {
    // not null: the primary key it becomes at a swap then needs no scan to check it
    return createTableSql(stage, d, PG_TYPES, 'pos bigint not null, ');
  }

  /**
   * Builds the dataset's indexes on the staging table, each on its own connection, at once (for
   * 5M rows 2.1–2.8 s where one ALTER TABLE building both took 3.4–3.6 s; bench/RESULTS.md).
   * False when a key repeats in the import (the swap cannot take the staging table then).
   */
  async #buildIndexes(stage: string, t: string, d: DatasetRecord): Promise<boolean> {
    const indexes = swapIndexes(stage, t, d);
    const settings = indexes.length > 1 ? SWAP_BUILD_BESIDE_ANOTHER : SWAP_BUILD_ALONE;
    const builds = indexes.map(async ({ build }) => {
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(`begin; ${settings}; ${build}`);
        await client.query('commit');
        return true;
      } catch (err) {
        await client.query('rollback').catch((e: Error) => {
          broken = e;
        });
        if (hasCode(err, UNIQUE_VIOLATION)) return false;
        throw err;
      } finally {
        client.release(broken);
      }
    });
    const built = await Promise.allSettled(builds);
    const failed = built.find((b) => b.status === 'rejected');
    if (failed) throw failed.reason;
    return built.every((b) => b.status === 'fulfilled' && b.value);
  }

  async commit(jobId: string, d: DatasetRecord, match: JobMatch, patch: JobPatch): Promise<boolean> {
    const stage = stageTable(jobId);
    const t = table(d.id);
    this.#order.forget(jobId);
    await run(this.#db, this.#stageDdl(stage, d));
    // Into an empty dataset the staging table becomes the dataset (swapIn), with its indexes built
    // beforehand, outside the transaction (readers go on meanwhile).
    const indexed = (await isEmpty(this.#db, t)) && (await this.#buildIndexes(stage, t, d));
    return withJobCas(this.#db, match, patch, async (trx) => {
      // One import commits into a dataset at a time (readers go on): positions come from its end.
      await run(trx, `lock table ${t} in share row exclusive mode`);
      if (indexed && (await isEmpty(trx, t))) {
        await swapIn(trx, stage, t, d);
        return;
      }
      const into = `insert into ${t} (pos, ${colList(d)}) `;
      const base = `(select coalesce(max(pos), 0) from ${t})`;
      if (d.keys.length === 0) {
        await run(trx, `${into}select ${base} + pos, ${colList(d)} from ${stage}`);
      } else {
        await run(trx, 'savepoint upsert');
        try {
          await run(trx, `${into}select ${base} + pos, ${colList(d)} from ${stage}${conflictClause(d)}`);
        } catch (err) {
          if (!hasCode(err, CARDINALITY_VIOLATION)) throw err;
          await run(trx, 'rollback to savepoint upsert');
          await run(trx, `${into}${lastRowPerKey(stage, d, base)}${conflictClause(d)}`);
        }
      }
      await run(trx, `drop table ${stage}`);
    });
  }

  async discard(jobId: string): Promise<void> {
    this.#order.forget(jobId);
    await run(this.#db, `drop table if exists ${stageTable(jobId)}`);
  }
}

/** Each key's last staged row, at the position of each key's first staged row. */
function lastRowPerKey(stage: string, d: DatasetRecord, base: string): string {
  const keys = keyList(d);
  return (
    `select ${base} + first, ${colList(d)} from (select ${colList(d)}, ` +
    `row_number() over (partition by ${keys} order by pos desc) as rn, ` +
    `min(pos) over (partition by ${keys}) as first from ${stage}) t where rn = 1`
  );
}

/** The dataset table's constraints, named so that a staging table swapped in can take them. */
function constraints(t: string, d: DatasetRecord): string[] {
  const pk = `constraint ${t}_pk primary key (pos)`;
  return d.keys.length > 0 ? [pk, `constraint ${t}_key unique (${keyList(d)})`] : [pk];
}

/** The dataset's indexes as a swap builds them on the staging table, and the constraints they become. */
function swapIndexes(stage: string, t: string, d: DatasetRecord): { build: string; constraint: string }[] {
  const pk = {
    build: `create unique index if not exists ${stage}_pos on ${stage} (pos)`,
    constraint: `add constraint ${t}_pk primary key using index ${stage}_pos`,
  };
  if (d.keys.length === 0) return [pk];
  const key = {
    build: `create unique index if not exists ${stage}_key on ${stage} (${keyList(d)})`,
    constraint: `add constraint ${t}_key unique using index ${stage}_key`,
  };
  return [pk, key];
}

/**
 * The bulk path of a first import (an empty dataset): the staging table, already in file order
 * with its positions and its indexes built (see buildIndexes), becomes the dataset table; so the
 * rows are written once and the indexes built once, sorted, instead of row by row. Readers
 * waiting on the old table meanwhile find the new one (Postgres looks a name up again after
 * waiting for its lock).
 */
async function swapIn(trx: Transaction<Database>, stage: string, t: string, d: DatasetRecord): Promise<void> {
  await run(trx, `drop table ${t}`);
  await run(trx, `alter table ${stage} rename to ${t}`);
  await run(
    trx,
    `alter table ${t} ${swapIndexes(stage, t, d)
      .map((i) => i.constraint)
      .join(', ')}`,
  );
}

async function isEmpty(db: Kysely<Database> | Transaction<Database>, t: string): Promise<boolean> {
  const { rows } = await sql<{
    empty: boolean;
  }>`select not exists (select 1 from ${sql.raw(t)}) as empty`.execute(db);
  return rows[0]?.empty === true;
}

const hasCode = (err: unknown, code: string): boolean => (err as { code?: string } | null)?.code === code;

async function run(db: Kysely<Database> | Transaction<Database>, sql: string): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(sql));
}
