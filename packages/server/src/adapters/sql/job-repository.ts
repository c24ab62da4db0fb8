import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type {
  JobFilter,
  JobMatch,
  JobPatch,
  JobRecord,
  JobRepository,
  JobRowError,
} from '../../ports/job-repository.js';
import { fromJob, jobColumns, toJob } from './job-rows.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
/** Rows per INSERT of row errors: well under every dialect's bound-parameter limit. */
const ERROR_BATCH = 500;

/** Jobs and their row errors in any Kysely dialect (SQLite, Postgres): portable SQL only. */
export class SqlJobRepository implements JobRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(job: JobRecord): Promise<void> {
    await this.#db.insertInto('jobs').values(fromJob(job)).execute();
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.#db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toJob(row);
  }

  async list(f: JobFilter): Promise<JobRecord[]> {
    let q = this.#db.selectFrom('jobs').selectAll();
    if (f.owner !== undefined) q = q.where('owner', '=', f.owner);
    if (f.states !== undefined) q = q.where('state', 'in', f.states.length > 0 ? [...f.states] : ['']);
    if (f.types !== undefined) q = q.where('type', 'in', f.types.length > 0 ? [...f.types] : ['']);
    const before = f.before;
    if (before) {
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', before.createdAt),
          eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
        ]),
      );
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map(toJob);
  }

  async update(match: JobMatch, patch: JobPatch): Promise<JobRecord | undefined> {
    return updateJob(this.#db, match, patch);
  }

  async listRunnable(now: number, limit: number): Promise<JobRecord[]> {
    const rows = await this.#db
      .selectFrom('jobs')
      .selectAll()
      .where('state', '=', 'queued')
      .where('lease', 'is', null)
      .where('run_after', '<=', now)
      .orderBy('run_after')
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(toJob);
  }

  async listLeased(limit: number): Promise<JobRecord[]> {
    const rows = await this.#db
      .selectFrom('jobs')
      .selectAll()
      .where('lease', 'is not', null)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(toJob);
  }

  async listLapsed(now: number, limit: number): Promise<JobRecord[]> {
    const rows = await this.#db
      .selectFrom('jobs')
      .selectAll()
      .where('lease', 'is not', null)
      .where((eb) => lapsed(eb, now))
      .orderBy('lease_expires_at')
      .limit(limit)
      .execute();
    return rows.map(toJob);
  }

  async countQueued(): Promise<number> {
    const row = await this.#db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'queued')
      .where('lease', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async nextRunAfter(): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_after').as('at'))
      .where('state', '=', 'queued')
      .where('lease', 'is', null)
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? undefined : num(row.at);
  }

  async addErrors(jobId: string, errors: readonly JobRowError[]): Promise<void> {
    for (let i = 0; i < errors.length; i += ERROR_BATCH) {
      const values = errors
        .slice(i, i + ERROR_BATCH)
        .map((e) => ({ job_id: jobId, row: e.row, raw: noNul(e.raw), reason: noNul(e.reason) }));
      await this.#db
        .insertInto('job_errors')
        .values(values)
        .onConflict((oc) => oc.columns(['job_id', 'row']).doNothing())
        .execute();
    }
  }

  async listErrors(jobId: string, afterRow: number, limit: number): Promise<JobRowError[]> {
    const rows = await this.#db
      .selectFrom('job_errors')
      .select(['row', 'raw', 'reason'])
      .where('job_id', '=', jobId)
      .where('row', '>', afterRow)
      .orderBy('row')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ row: num(r.row), raw: r.raw, reason: r.reason }));
  }
}

/** A lease without an expiry (taken before 0005-job-leases) or past it has lapsed. */
const lapsed = (eb: ExpressionBuilder<Database, 'jobs'>, now: number) =>
  eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]);

/** The compare-and-set every job change goes through (also inside a dataset transaction). */
export async function updateJob(db: Db, match: JobMatch, patch: JobPatch): Promise<JobRecord | undefined> {
  const row = await jobUpdate(db, match, patch).returningAll().executeTakeFirst();
  return row && toJob(row);
}

/** The UPDATE of {@link updateJob}, unexecuted (to compile it for a raw driver call). */
export function jobUpdate(db: Db, match: JobMatch, patch: JobPatch) {
  const set = jobColumns(patch);
  // An empty patch still answers whether the match holds (SQL has no empty SET).
  if (Object.keys(set).length === 0) set.id = match.id;
  let q = db.updateTable('jobs').set(set).where('id', '=', match.id);
  if (match.states !== undefined) q = q.where('state', 'in', [...match.states]);
  if (match.lease === null) q = q.where('lease', 'is', null);
  else if (match.lease !== undefined) q = q.where('lease', '=', match.lease);
  const by = match.lapsedBy;
  if (by !== undefined) {
    q = q.where((eb) => lapsed(eb, by));
  }
  return q;
}

/** Postgres text cannot hold NUL (a bad row may): shown as U+FFFD, the same on every dialect. */
const noNul = (s: string): string => (s.includes('\0') ? s.replaceAll('\0', '\uFFFD') : s);
