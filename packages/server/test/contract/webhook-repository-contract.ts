import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import type { DeliveryOutcome, DeliveryRecord, WebhookRecord } from '../../src/ports/webhook-repository.js';
import type { MetadataStoreFixture } from './metadata-store-contract.js';

const T = 1_700_000_000_000;

const hook = (over: Partial<WebhookRecord> = {}): WebhookRecord => ({
  id: `wh-${Math.random().toString(36).slice(2)}`,
  owner: 'alice',
  url: 'https://example.test/hook',
  events: ['upload.finished', 'job.failed'],
  secret: 'whsec_x',
  createdAt: T,
  ...over,
});

const delivery = (webhookId: string, over: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  id: `d-${Math.random().toString(36).slice(2)}`,
  webhookId,
  owner: 'alice',
  eventId: `evt-${Math.random().toString(36).slice(2)}`,
  eventType: 'upload.finished',
  body: '{"id":"evt"}',
  state: 'pending',
  attempts: 0,
  nextAttemptAt: T,
  lease: null,
  leaseUntil: null,
  createdAt: T,
  updatedAt: T,
  ...over,
});

const failedOnce = (id: string, next: number): DeliveryOutcome => ({
  state: 'pending',
  nextAttemptAt: next,
  attempt: {
    deliveryId: id,
    attempt: 1,
    at: T,
    durationMs: 12,
    status: 500,
    error: null,
    nextAttemptAt: next,
  },
});

/** The webhooks repository of a MetadataStore adapter (SQLite, Postgres); registers a suite. */
export function webhookRepositoryContract(name: string, factory: () => Promise<MetadataStoreFixture>): void {
  describe(`WebhookRepository contract: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      await store.migrate();
    });
    afterEach(async () => fixture.cleanup());

    it('keeps webhooks per owner and finds the subscribers of an event', async () => {
      const a = hook();
      const b = hook({ owner: 'bob', events: ['job.completed'], createdAt: T + 1 });
      await store.webhooks.insert(a);
      await store.webhooks.insert(b);
      expect(await store.webhooks.get(a.id)).toEqual(a);
      expect(await store.webhooks.get('missing')).toBeUndefined();
      expect(await store.webhooks.list('alice')).toEqual([a]);
      expect((await store.webhooks.list(undefined)).map((h) => h.id)).toEqual([b.id, a.id]);
      expect(await store.webhooks.subscribers('alice', 'job.failed')).toEqual([a]);
      expect(await store.webhooks.subscribers('alice', 'job.completed')).toEqual([]);
      expect(await store.webhooks.subscribers('bob', 'job.completed')).toEqual([b]);
    });

    it('stores an event once per webhook, however often it is enqueued', async () => {
      const h = hook();
      await store.webhooks.insert(h);
      const d = delivery(h.id);
      await store.webhooks.enqueue([d]);
      await store.webhooks.enqueue([{ ...d, id: 'other-id' }]);
      const page = await store.webhooks.listDeliveries({ webhookId: h.id, limit: 10 });
      expect(page).toEqual([d]);
      expect(await store.webhooks.getDelivery(d.id)).toEqual(d);
    });

    it('lets one claimant win each due delivery, and another take it once the claim lapses', async () => {
      const h = hook();
      await store.webhooks.insert(h);
      const due = Array.from({ length: 6 }, (_, i) => delivery(h.id, { nextAttemptAt: T + i }));
      const later = delivery(h.id, { nextAttemptAt: T + 60_000 });
      await store.webhooks.enqueue([...due, later]);
      // two nodes claiming at the same moment split the due ones: none twice, none left out
      const [one, two] = await Promise.all([
        store.webhooks.claimDue(T + 10, 'L1', T + 1_000, 10),
        store.webhooks.claimDue(T + 10, 'L2', T + 1_000, 10),
      ]);
      const ids = [...one, ...two].map((d) => d.id).sort();
      expect(ids).toEqual(due.map((d) => d.id).sort());
      expect(await store.webhooks.claimDue(T + 500, 'L3', T + 2_000, 10)).toEqual([]);
      // the claims lapse (their node died): the deliveries are due again for someone else
      const retaken = await store.webhooks.claimDue(T + 1_000, 'L4', T + 3_000, 2);
      expect(retaken).toHaveLength(2);
      expect(retaken.every((d) => d.lease === 'L4' && d.leaseUntil === T + 3_000)).toBe(true);
    });

    it('shares a claim among webhooks: one backlog cannot take every slot', async () => {
      const busy = hook();
      const quiet = hook();
      await store.webhooks.insert(busy);
      await store.webhooks.insert(quiet);
      const flood = Array.from({ length: 20 }, (_, i) => delivery(busy.id, { nextAttemptAt: T + i }));
      const one = delivery(quiet.id, { nextAttemptAt: T + 50 });
      await store.webhooks.enqueue([...flood, one]);
      const share = { perWebhook: 2, inFlight: new Map<string, number>() };
      const first = await store.webhooks.claimDue(T + 100, 'S1', T + 1_000, 5, share);
      // the two oldest of the flood, and the other webhook's delivery although it is younger
      expect(first.map((d) => d.id).sort()).toEqual([flood[0]!.id, flood[1]!.id, one.id].sort());
      // with two of its own in flight, the flooding webhook gets nothing more
      const more = await store.webhooks.claimDue(T + 100, 'S2', T + 1_000, 5, {
        perWebhook: 2,
        inFlight: new Map([[busy.id, 2]]),
      });
      expect(more).toEqual([]);
      // without a share, the oldest first as before
      expect(await store.webhooks.claimDue(T + 100, 'S3', T + 1_000, 3)).toHaveLength(3);
    });

    it('records an attempt only for the claim that holds the delivery', async () => {
      const h = hook();
      await store.webhooks.insert(h);
      const d = delivery(h.id);
      await store.webhooks.enqueue([d]);
      await store.webhooks.claimDue(T, 'L1', T + 1_000, 1);
      expect(await store.webhooks.settle(d.id, 'L2', failedOnce(d.id, T + 5_000), T + 20)).toBe(false);
      expect(await store.webhooks.settle(d.id, 'L1', failedOnce(d.id, T + 5_000), T + 20)).toBe(true);
      const saved = await store.webhooks.getDelivery(d.id);
      expect(saved).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: T + 5_000, lease: null });
      expect(await store.webhooks.claimDue(T + 4_999, 'L3', T + 9_000, 1)).toEqual([]);
      expect(await store.webhooks.claimDue(T + 5_000, 'L3', T + 9_000, 1)).toHaveLength(1);
      const second: DeliveryOutcome = {
        state: 'delivered',
        nextAttemptAt: null,
        attempt: {
          deliveryId: d.id,
          attempt: 2,
          at: T + 5_000,
          durationMs: 3,
          status: 204,
          error: null,
          nextAttemptAt: null,
        },
      };
      expect(await store.webhooks.settle(d.id, 'L3', second, T + 5_003)).toBe(true);
      expect(await store.webhooks.listAttempts([d.id])).toEqual([
        failedOnce(d.id, T + 5_000).attempt,
        second.attempt,
      ]);
      expect(await store.webhooks.claimDue(T + 99_000, 'L4', T + 99_999, 1)).toEqual([]);
    });

    it('hands a released claim back at once', async () => {
      const h = hook();
      await store.webhooks.insert(h);
      const d = delivery(h.id);
      await store.webhooks.enqueue([d]);
      await store.webhooks.claimDue(T, 'L1', T + 60_000, 1);
      await store.webhooks.release(d.id, 'wrong');
      expect(await store.webhooks.claimDue(T + 1, 'L2', T + 60_000, 1)).toEqual([]);
      await store.webhooks.release(d.id, 'L1');
      expect(await store.webhooks.claimDue(T + 1, 'L2', T + 60_000, 1)).toHaveLength(1);
    });

    it('prunes finished deliveries older than the retention, with their attempts, in batches', async () => {
      const h = hook();
      await store.webhooks.insert(h);
      const old = Array.from({ length: 3 }, () => delivery(h.id));
      const pending = delivery(h.id);
      const recent = delivery(h.id);
      await store.webhooks.enqueue([...old, pending, recent]);
      await store.webhooks.claimDue(T, 'L', T + 1_000, 10);
      for (const d of old) {
        await store.webhooks.settle(
          d.id,
          'L',
          { ...failedOnce(d.id, T), state: 'failed', nextAttemptAt: null },
          T + 10,
        );
      }
      await store.webhooks.settle(
        recent.id,
        'L',
        { ...failedOnce(recent.id, T), state: 'delivered' },
        T + 500,
      );
      expect(await store.webhooks.prune(T + 100, 2)).toBe(2);
      expect(await store.webhooks.prune(T + 100, 2)).toBe(1);
      expect(await store.webhooks.prune(T + 100, 2)).toBe(0);
      const left = await store.webhooks.listDeliveries({ webhookId: h.id, limit: 10 });
      expect(left.map((d) => d.id).sort()).toEqual([pending.id, recent.id].sort());
      expect(await store.webhooks.listAttempts(old.map((d) => d.id))).toEqual([]);
    });

    it('pages the delivery log newest first, and deletes it with its webhook', async () => {
      const h = hook();
      const other = hook();
      await store.webhooks.insert(h);
      await store.webhooks.insert(other);
      const ds = Array.from({ length: 5 }, (_, i) => delivery(h.id, { createdAt: T + i }));
      const kept = delivery(other.id);
      await store.webhooks.enqueue([...ds, kept]);
      await store.webhooks.claimDue(T, 'L', T + 1_000, 10);
      await store.webhooks.settle(ds[0]!.id, 'L', failedOnce(ds[0]!.id, T + 9), T);
      await store.webhooks.settle(kept.id, 'L', failedOnce(kept.id, T + 9), T);
      const first = await store.webhooks.listDeliveries({ webhookId: h.id, limit: 3 });
      expect(first.map((d) => d.createdAt)).toEqual([T + 4, T + 3, T + 2]);
      const last = first.at(-1)!;
      const rest = await store.webhooks.listDeliveries({ webhookId: h.id, limit: 3, before: last });
      expect(rest.map((d) => d.createdAt)).toEqual([T + 1, T]);
      expect(await store.webhooks.delete(h.id)).toBe(true);
      expect(await store.webhooks.delete(h.id)).toBe(false);
      expect(await store.webhooks.getDelivery(ds[0]!.id)).toBeUndefined();
      expect(await store.webhooks.listAttempts([ds[0]!.id, kept.id])).toHaveLength(1);
      expect(await store.webhooks.getDelivery(kept.id)).toBeDefined();
    });
  });
}
