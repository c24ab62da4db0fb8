import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { UploadPatch, UploadQuery, UploadRecord, UploadRepository } from '../../ports/metadata-store.js';
import { QueryTemplates } from './query-templates.js';
import { fromUpload, num, toUpload } from './rows.js';
import type { Database, UploadsTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Uploads in any Kysely dialect (SQLite, Postgres): portable SQL only. */
export class SqlUploadRepository implements UploadRepository {
  readonly #db: Kysely<Database>;
  /** every upload runs insert, update and get: those skip Kysely's build and compile */
  readonly #hot: QueryTemplates;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#hot = new QueryTemplates(db);
  }

  async insert(upload: UploadRecord): Promise<void> {
    // One statement needs no transaction around it (three statements and two WAL writes fewer).
    if (!upload.parts?.length) {
      await this.#hot.run('insert', fromUpload(upload), (v) => this.#db.insertInto('uploads').values(v));
      return;
    }
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('uploads').values(fromUpload(upload)).execute();
      const parts = upload.parts ?? [];
      if (parts.length > 0) {
        await trx
          .insertInto('upload_parts')
          .values(parts.map((part_id, position) => ({ final_id: upload.id, part_id, position })))
          .execute();
      }
    });
  }

  async get(id: string): Promise<UploadRecord | undefined> {
    const { rows } = await this.#hot.run('get', { id }, (v) =>
      this.#db.selectFrom('uploads').selectAll().where('id', '=', v.id),
    );
    const row = rows[0];
    return row && (await withParts(this.#db, [row]))[0];
  }

  async update(id: string, patch: UploadPatch, expectedOffset?: number): Promise<boolean> {
    const set = toColumns(patch);
    if (Object.keys(set).length === 0) {
      // Nothing to write: answer whether the update would have applied.
      const row = await this.#db
        .selectFrom('uploads')
        .select('offset')
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined && (expectedOffset === undefined || num(row.offset) === expectedOffset);
    }
    // The compare-and-set (on the offset) keeps two writers from both committing an append.
    const cas = expectedOffset !== undefined;
    const shape = `update ${Object.keys(set).join(',')}${cas ? ' if offset' : ''}`;
    const result = await this.#hot.run(
      shape,
      { ...set, whereId: id, whereOffset: expectedOffset ?? 0 },
      (v) => {
        const { whereId, whereOffset, ...columns } = v;
        const query = this.#db.updateTable('uploads').set(columns).where('id', '=', whereId);
        return cas ? query.where('offset', '=', whereOffset) : query;
      },
    );
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('upload_parts').where('final_id', '=', id).execute();
      const result = await trx.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async listExpired(now: number, limit: number): Promise<UploadRecord[]> {
    const rows = await this.#db
      .selectFrom('uploads')
      .selectAll()
      .where('expires_at', 'is not', null)
      .where('expires_at', '<', now)
      .where((eb) =>
        eb.or([
          eb('finished_at', 'is', null),
          eb.and([
            eb('concat', '=', 'partial'),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('upload_parts')
                  .innerJoin('uploads as finals', 'finals.id', 'upload_parts.final_id')
                  .select('upload_parts.final_id')
                  .whereRef('upload_parts.part_id', '=', 'uploads.id')
                  .where('finals.finished_at', 'is', null),
              ),
            ),
          ]),
        ]),
      )
      .orderBy('expires_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return withParts(this.#db, rows);
  }

  async listUnfinishedFinalsUsing(partId: string): Promise<UploadRecord[]> {
    const rows = await this.#db
      .selectFrom('uploads')
      .selectAll('uploads')
      .where('finished_at', 'is', null)
      .where('id', 'in', (qb) =>
        qb.selectFrom('upload_parts').select('final_id').where('part_id', '=', partId),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return withParts(this.#db, rows);
  }

  async list(q: UploadQuery): Promise<UploadRecord[]> {
    let query = this.#db
      .selectFrom('uploads')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', q.now)]));
    if (q.owner !== undefined) query = query.where('owner', '=', q.owner);
    if (q.after) {
      const { createdAt, id } = q.after;
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
        ]),
      );
    }
    if (q.status === 'uploading') query = query.where('finished_at', 'is', null);
    if (q.status === 'complete') query = query.where('finished_at', 'is not', null);
    if (q.withoutPartials) {
      query = query.where((eb) => eb.or([eb('concat', 'is', null), eb('concat', '!=', 'partial')]));
    }
    if (q.namePrefix) query = query.where(startsWith('name', q.namePrefix));
    if (q.type?.endsWith('/')) query = query.where(startsWith('type', q.type));
    else if (q.type) query = query.where('type', '=', q.type);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return withParts(this.#db, rows);
  }

  async usage(owner: string, except?: string): Promise<number> {
    // CASE rather than max()/greatest(): the one spelling both dialects share.
    const claimed = sql<number>`coalesce(${sql.ref('length')}, case when ${sql.ref('reserved')} > ${sql.ref('offset')} then ${sql.ref('reserved')} else ${sql.ref('offset')} end)`;
    let query = this.#db
      .selectFrom('uploads')
      .select((eb) => eb.fn.sum<number | string | null>(claimed).as('total'))
      .where('owner', '=', owner);
    if (except !== undefined) query = query.where('id', '!=', except);
    const row = await query.executeTakeFirst();
    return row?.total == null ? 0 : num(row.total);
  }

  async reserve(id: string, upTo: number | null): Promise<void> {
    await this.#db.updateTable('uploads').set({ reserved: upTo }).where('id', '=', id).execute();
  }
}

/**
 * `column` begins with `prefix`, exactly: LIKE is case-insensitive in SQLite and treats `%` and `_`
 * as wildcards, and collations order text differently; substr compares characters in every dialect.
 */
const startsWith = (column: 'name' | 'type', prefix: string) =>
  sql<boolean>`substr(${sql.ref(column)}, 1, ${[...prefix].length}) = ${prefix}`;

/** Attaches the ordered part ids of the final uploads among `rows`, in one query. */
async function withParts(db: Db, rows: Selectable<UploadsTable>[]): Promise<UploadRecord[]> {
  const finals = rows.filter((r) => r.concat === 'final').map((r) => r.id);
  const parts = new Map<string, string[]>();
  if (finals.length > 0) {
    const links = await db
      .selectFrom('upload_parts')
      .select(['final_id', 'part_id'])
      .where('final_id', 'in', finals)
      .orderBy('final_id')
      .orderBy('position')
      .execute();
    for (const l of links) {
      const list = parts.get(l.final_id) ?? [];
      list.push(l.part_id);
      parts.set(l.final_id, list);
    }
  }
  return rows.map((r) => toUpload(r, parts.get(r.id) ?? null));
}

function toColumns(patch: UploadPatch): Partial<Selectable<UploadsTable>> {
  const set: Partial<Selectable<UploadsTable>> = {};
  if (patch.length !== undefined) set.length = patch.length;
  if (patch.offset !== undefined) set.offset = patch.offset;
  if (patch.updatedAt !== undefined) set.updated_at = patch.updatedAt;
  if (patch.expiresAt !== undefined) set.expires_at = patch.expiresAt;
  if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
  if (patch.sha256 !== undefined) set.sha256 = patch.sha256;
  return set;
}
