import { type Kysely, sql } from 'kysely';
import type {
  ClaimShare,
  DeliveryAttempt,
  DeliveryOutcome,
  DeliveryPage,
  DeliveryRecord,
  WebhookEventType,
  WebhookRecord,
  WebhookRepository,
} from '../../ports/webhook-repository.js';
import { QueryTemplates } from './query-templates.js';
import type { Database } from './schema.js';
import { fromDelivery, toAttempt, toDelivery, toWebhook } from './webhook-rows.js';

/** Ids per `IN (…)` list: well under every dialect's bound-parameter limit. */
const ID_BATCH = 500;
/** Deliveries per INSERT: 13 columns each, well under SQLite's 32,766 bound parameters. */
const INSERT_BATCH = 500;

/** Webhooks, their deliveries and the attempts' log in any Kysely dialect: portable SQL only. */
export class SqlWebhookRepository implements WebhookRepository {
  readonly #db: Kysely<Database>;
  /** every finished upload looks up its owner's webhooks: that query skips Kysely's build */
  readonly #hot: QueryTemplates;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#hot = new QueryTemplates(db);
  }

  async insert(hook: WebhookRecord): Promise<void> {
    await this.#db
      .insertInto('webhooks')
      .values({
        id: hook.id,
        owner: hook.owner,
        url: hook.url,
        events: JSON.stringify(hook.events),
        secret: hook.secret,
        created_at: hook.createdAt,
      })
      .execute();
  }

  async get(id: string): Promise<WebhookRecord | undefined> {
    const row = await this.#db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toWebhook(row);
  }

  async list(owner: string | undefined): Promise<WebhookRecord[]> {
    let q = this.#db.selectFrom('webhooks').selectAll();
    if (owner !== undefined) q = q.where('owner', '=', owner);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toWebhook);
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const ids = trx.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', id);
      await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      const r = await trx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async subscribers(owner: string, event: WebhookEventType): Promise<WebhookRecord[]> {
    // An owner has a handful of webhooks: filter the events list here rather than in SQL JSON.
    const { rows } = await this.#hot.run('webhooks of owner', { owner }, (v) =>
      this.#db.selectFrom('webhooks').selectAll().where('owner', '=', v.owner),
    );
    return rows.map(toWebhook).filter((h) => h.events.includes(event));
  }

  async enqueue(deliveries: readonly DeliveryRecord[]): Promise<void> {
    if (deliveries.length === 0) return;
    // One transaction (one commit) for the lot: the events of many uploads arrive together.
    await this.#db.transaction().execute(async (trx) => {
      for (let i = 0; i < deliveries.length; i += INSERT_BATCH) {
        await trx
          .insertInto('webhook_deliveries')
          .values(deliveries.slice(i, i + INSERT_BATCH).map(fromDelivery))
          .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
          .execute();
      }
    });
  }

  async claimDue(
    now: number,
    lease: string,
    leaseUntil: number,
    limit: number,
    share?: ClaimShare,
  ): Promise<DeliveryRecord[]> {
    const pending = this.#db
      .selectFrom('webhook_deliveries')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]));
    let due: { id: string }[];
    if (!share) {
      due = await pending.select('id').orderBy('next_attempt_at').limit(limit).execute();
    } else {
      // the oldest few of each webhook, oldest first: one webhook's backlog cannot fill the page
      const candidates = await this.#db
        .selectFrom(
          pending
            .select([
              'id',
              'webhook_id',
              'next_attempt_at',
              sql<number>`row_number() over (partition by webhook_id order by next_attempt_at, id)`.as(
                'rank',
              ),
            ])
            .as('c'),
        )
        .select(['id', 'webhook_id'])
        .where('rank', '<=', share.perWebhook)
        .orderBy('next_attempt_at')
        .limit(limit + share.perWebhook * share.inFlight.size)
        .execute();
      const taken = new Map(share.inFlight);
      due = [];
      for (const c of candidates) {
        const n = taken.get(c.webhook_id) ?? 0;
        if (n >= share.perWebhook) continue;
        taken.set(c.webhook_id, n + 1);
        due.push(c);
        if (due.length === limit) break;
      }
    }
    if (due.length === 0) return [];
    // The compare-and-set: the same conditions again, row by row, so of several nodes claiming at
    // once each delivery goes to one (Postgres re-checks them on a row another node just took).
    const rows = await this.#db
      .updateTable('webhook_deliveries')
      .set({ lease, lease_until: leaseUntil })
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .returningAll()
      .execute();
    return rows.map(toDelivery);
  }

  async settle(id: string, lease: string, outcome: DeliveryOutcome, now: number): Promise<boolean> {
    const a = outcome.attempt;
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('webhook_deliveries')
        .set({
          state: outcome.state,
          attempts: a.attempt,
          next_attempt_at: outcome.nextAttemptAt,
          lease: null,
          lease_until: null,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('lease', '=', lease)
        .returning('id')
        .executeTakeFirst();
      if (!row) return false;
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: id,
          attempt: a.attempt,
          at: a.at,
          duration_ms: a.durationMs,
          status: a.status,
          error: a.error,
          next_attempt_at: a.nextAttemptAt,
        })
        .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
        .execute();
      return true;
    });
  }

  async release(id: string, lease: string): Promise<void> {
    await this.#db
      .updateTable('webhook_deliveries')
      .set({ lease: null, lease_until: null })
      .where('id', '=', id)
      .where('lease', '=', lease)
      .execute();
  }

  async prune(before: number, limit: number): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('state', 'in', ['delivered', 'failed'])
        .where('updated_at', '<', before)
        .limit(limit)
        .execute();
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
      await trx.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute();
      return ids.length;
    });
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = await this.#db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  async listDeliveries(page: DeliveryPage): Promise<DeliveryRecord[]> {
    let q = this.#db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', page.webhookId);
    const before = page.before;
    if (before) {
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', before.createdAt),
          eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
        ]),
      );
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
    return rows.map(toDelivery);
  }

  async listAttempts(deliveryIds: readonly string[]): Promise<DeliveryAttempt[]> {
    const out: DeliveryAttempt[] = [];
    for (let i = 0; i < deliveryIds.length; i += ID_BATCH) {
      const rows = await this.#db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', 'in', deliveryIds.slice(i, i + ID_BATCH))
        .orderBy('delivery_id')
        .orderBy('attempt')
        .execute();
      out.push(...rows.map(toAttempt));
    }
    return out;
  }
}
