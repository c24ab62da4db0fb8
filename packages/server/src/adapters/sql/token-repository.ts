import type { Kysely } from 'kysely';
import type { TokenRecord, TokenRepository } from '../../ports/metadata-store.js';
import { QueryTemplates } from './query-templates.js';
import { fromToken, numOrNull, toToken } from './rows.js';
import type { Database } from './schema.js';

/** API tokens in any Kysely dialect (SQLite, Postgres): portable SQL only. */
export class SqlTokenRepository implements TokenRepository {
  readonly #db: Kysely<Database>;
  /** every request looks its token up: that query skips Kysely's build and compile */
  readonly #hot: QueryTemplates;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#hot = new QueryTemplates(db);
  }

  async insert(token: TokenRecord): Promise<void> {
    await this.#db.insertInto('tokens').values(fromToken(token)).execute();
  }

  /** Revoked tokens are found too: the caller tells "revoked" from "unknown". */
  async findByHash(hash: string): Promise<TokenRecord | undefined> {
    const { rows } = await this.#hot.run('by hash', { hash }, (v) =>
      this.#db.selectFrom('tokens').selectAll().where('hash', '=', v.hash),
    );
    const row = rows[0];
    return row && toToken(row);
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.#db
      .selectFrom('tokens')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toToken);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = await this.#db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toToken(row);
  }

  async hasAdmin(): Promise<boolean> {
    const row = await this.#db
      .selectFrom('tokens')
      .select('id')
      .where('admin', '=', 1)
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async ownerQuota(owner: string): Promise<number | null> {
    // min() skips nulls: a token without a quota of its own does not lift the others'
    const row = await this.#db
      .selectFrom('tokens')
      .select((eb) => eb.fn.min('quota').as('quota'))
      .where('owner', '=', owner)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return numOrNull(row?.quota ?? null);
  }
}
