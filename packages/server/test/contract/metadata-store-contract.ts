import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore, TokenRecord, UploadRecord } from '../../src/ports/metadata-store.js';
import { newId } from './streams.js';

export interface MetadataStoreFixture {
  /** an opened store; the suite migrates it */
  readonly store: MetadataStore;
  cleanup(): Promise<void>;
}

/** Past 2^32, so a dialect that keeps sizes or times in 32 bits fails here and not in production. */
const BIG = 5 * 2 ** 40;

const upload = (over: Partial<UploadRecord> = {}): UploadRecord => ({
  id: newId(),
  owner: 'alice',
  length: BIG + 10,
  offset: 0,
  metadata: { filename: 'a.csv', empty: null },
  name: 'a.csv',
  type: 'text/csv',
  concat: null,
  parts: null,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
  expiresAt: 1_700_000_100_000,
  finishedAt: null,
  sha256: null,
  ...over,
});

const token = (over: Partial<TokenRecord> = {}): TokenRecord => ({
  id: randomUUID(),
  name: 'ci',
  owner: 'alice',
  hash: randomUUID().replaceAll('-', ''),
  admin: false,
  quota: null,
  createdAt: 1_700_000_000_000,
  revokedAt: null,
  ...over,
});

/** The behaviour every MetadataStore adapter (SQLite, Postgres) must show; registers a vitest suite. */
export function metadataStoreContract(name: string, factory: () => Promise<MetadataStoreFixture>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      await store.migrate();
    });
    afterEach(async () => fixture.cleanup());

    it('migrates again harmlessly, and answers ping', async () => {
      const u = upload();
      await store.uploads.insert(u);
      await store.migrate();
      await store.migrate();
      await store.ping();
      expect(await store.uploads.get(u.id)).toEqual(u);
    });

    it('stores and returns uploads as given, large numbers and null metadata included', async () => {
      const u = upload({ offset: BIG, sha256: 'ab'.repeat(32), finishedAt: null });
      await store.uploads.insert(u);
      expect(await store.uploads.get(u.id)).toEqual(u);
      const deferred = upload({ length: null, metadata: {}, expiresAt: null, concat: 'partial' });
      await store.uploads.insert(deferred);
      expect(await store.uploads.get(deferred.id)).toEqual(deferred);
      expect(await store.uploads.get(newId())).toBeUndefined();
    });

    it('keeps the parts of a final upload in order', async () => {
      const parts = [newId(), newId(), newId()];
      const final = upload({ concat: 'final', parts: [parts[2]!, parts[0]!, parts[1]!] });
      await store.uploads.insert(final);
      expect((await store.uploads.get(final.id))?.parts).toEqual([parts[2], parts[0], parts[1]]);
    });

    it('updates as a compare-and-set on the offset', async () => {
      const u = upload({ offset: 100 });
      await store.uploads.insert(u);
      expect(await store.uploads.update(u.id, { offset: 200, updatedAt: 2 }, 100)).toBe(true);
      // a second writer that read offset 100 loses
      expect(await store.uploads.update(u.id, { offset: 300 }, 100)).toBe(false);
      expect((await store.uploads.get(u.id))?.offset).toBe(200);
      const done = { offset: BIG + 10, finishedAt: 3, expiresAt: null, sha256: 'cd'.repeat(32) };
      expect(await store.uploads.update(u.id, done)).toBe(true);
      expect(await store.uploads.get(u.id)).toEqual({ ...u, ...done, updatedAt: 2 });
      expect(await store.uploads.update(u.id, {}, BIG + 10)).toBe(true);
      expect(await store.uploads.update(u.id, {}, 5)).toBe(false);
      expect(await store.uploads.update(newId(), { offset: 1 })).toBe(false);
      expect(await store.uploads.update(newId(), {})).toBe(false);
    });

    it('sets a deferred length', async () => {
      const u = upload({ length: null });
      await store.uploads.insert(u);
      expect(await store.uploads.update(u.id, { length: 42 }, 0)).toBe(true);
      expect((await store.uploads.get(u.id))?.length).toBe(42);
    });

    it('deletes', async () => {
      const u = upload();
      await store.uploads.insert(u);
      expect(await store.uploads.delete(u.id)).toBe(true);
      expect(await store.uploads.get(u.id)).toBeUndefined();
      expect(await store.uploads.delete(u.id)).toBe(false);
    });

    it('lists unfinished expired uploads, oldest first, up to the limit', async () => {
      const t = 1_800_000_000_000;
      const a = upload({ expiresAt: t - 3 });
      const b = upload({ expiresAt: t - 2 });
      const c = upload({ expiresAt: t - 1 });
      const future = upload({ expiresAt: t + 1 });
      const finished = upload({ expiresAt: t - 5, finishedAt: t - 6 });
      const never = upload({ expiresAt: null });
      for (const u of [c, future, a, finished, b, never]) await store.uploads.insert(u);
      expect((await store.uploads.listExpired(t, 10)).map((u) => u.id)).toEqual([a.id, b.id, c.id]);
      expect((await store.uploads.listExpired(t, 2)).map((u) => u.id)).toEqual([a.id, b.id]);
      expect(await store.uploads.listExpired(t - 3, 10)).toEqual([]);
    });

    it('lists expired finished parts, unless an unfinished final upload lists them', async () => {
      const t = 1_800_000_000_000;
      const part = (expiresAt: number) => upload({ concat: 'partial', finishedAt: t - 9, expiresAt });
      const [orphan, used, waitedFor, fresh] = [part(t - 4), part(t - 3), part(t - 2), part(t + 5)];
      for (const p of [orphan, used, waitedFor, fresh]) await store.uploads.insert(p);
      const joined = upload({ concat: 'final', parts: [used.id], finishedAt: t - 8, expiresAt: null });
      const waiting = upload({
        concat: 'final',
        parts: [waitedFor.id, fresh.id],
        length: null,
        expiresAt: t + 9,
      });
      await store.uploads.insert(joined);
      await store.uploads.insert(waiting);
      expect((await store.uploads.listExpired(t, 10)).map((u) => u.id)).toEqual([orphan.id, used.id]);
      await store.uploads.delete(waiting.id);
      expect((await store.uploads.listExpired(t, 10)).map((u) => u.id)).toEqual([
        orphan.id,
        used.id,
        waitedFor.id,
      ]);
    });

    it('lists the unfinished final uploads that use a part', async () => {
      const [p1, p2, p3] = [
        upload({ concat: 'partial' }),
        upload({ concat: 'partial' }),
        upload({ concat: 'partial' }),
      ];
      for (const p of [p1!, p2!, p3!]) await store.uploads.insert(p);
      const f1 = upload({ concat: 'final', parts: [p1!.id, p2!.id], length: null, createdAt: 1 });
      const f2 = upload({ concat: 'final', parts: [p2!.id, p1!.id, p2!.id], length: null, createdAt: 2 });
      const done = upload({ concat: 'final', parts: [p2!.id], finishedAt: 5, expiresAt: null });
      const other = upload({ concat: 'final', parts: [p3!.id] });
      for (const f of [f2, done, f1, other]) await store.uploads.insert(f);
      const using = await store.uploads.listUnfinishedFinalsUsing(p2!.id);
      expect(using).toEqual([f1, f2]);
      expect(await store.uploads.listUnfinishedFinalsUsing(newId())).toEqual([]);
      await store.uploads.delete(f1.id);
      expect((await store.uploads.listUnfinishedFinalsUsing(p1!.id)).map((u) => u.id)).toEqual([f2.id]);
    });

    it('lists uploads newest first, page by page, for one owner or all', async () => {
      const t = 1_800_000_000_000;
      const made: UploadRecord[] = [];
      for (let i = 0; i < 7; i++) {
        // two pairs share a created time: the id breaks the tie
        const u = upload({
          createdAt: t + Math.floor(i / 2),
          owner: i === 3 ? 'bob' : 'alice',
          expiresAt: t + 100,
        });
        made.push(u);
        await store.uploads.insert(u);
      }
      const newestFirst = [...made].sort((a, b) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : 1));
      const alice = newestFirst.filter((u) => u.owner === 'alice');
      const pages: string[][] = [];
      let after: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await store.uploads.list({ owner: 'alice', limit: 4, after, now: t });
        if (page.length === 0) break;
        pages.push(page.map((u) => u.id));
        const last = page.at(-1)!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      expect(pages.map((p) => p.length)).toEqual([4, 2]);
      expect(pages.flat()).toEqual(alice.map((u) => u.id));
      expect((await store.uploads.list({ limit: 100, now: t })).map((u) => u.id)).toEqual(
        newestFirst.map((u) => u.id),
      );
      expect(await store.uploads.list({ owner: 'carol', limit: 10, now: t })).toEqual([]);
    });

    it('filters a listing by name prefix, status and type, and leaves expired uploads out', async () => {
      const now = 1_800_000_000_000;
      const rows = [
        upload({ name: 'Report_2024%.csv', type: 'text/csv', finishedAt: 5, expiresAt: null }),
        upload({ name: 'report-2025.csv', type: 'text/csv', expiresAt: now + 1 }),
        upload({ name: 'Résumé.pdf', type: 'application/pdf', finishedAt: 6, expiresAt: null }),
        upload({ name: null, type: null, finishedAt: 7, expiresAt: null }),
        upload({ name: 'Report_old.csv', type: 'image/png', expiresAt: now }),
      ];
      for (const u of rows) await store.uploads.insert(u);
      const ids = async (q: Partial<Parameters<typeof store.uploads.list>[0]>) =>
        new Set((await store.uploads.list({ limit: 100, now, ...q })).map((u) => u.id));
      const set = (...i: number[]) => new Set(i.map((n) => rows[n]!.id));
      expect(await ids({})).toEqual(set(0, 1, 2, 3));
      // exact and case-sensitive; % and _ are plain characters
      expect(await ids({ namePrefix: 'Report_' })).toEqual(set(0));
      expect(await ids({ namePrefix: 'report' })).toEqual(set(1));
      expect(await ids({ namePrefix: 'Ré' })).toEqual(set(2));
      expect(await ids({ namePrefix: 'Report_2024%.csv' })).toEqual(set(0));
      expect(await ids({ status: 'uploading' })).toEqual(set(1));
      expect(await ids({ status: 'complete' })).toEqual(set(0, 2, 3));
      expect(await ids({ type: 'text/csv', status: 'complete' })).toEqual(set(0));
      const part = upload({ concat: 'partial', name: null, type: null, finishedAt: 8, expiresAt: now + 5 });
      await store.uploads.insert(part);
      expect(await ids({ status: 'complete' })).toEqual(new Set([...set(0, 2, 3), part.id]));
      expect(await ids({ status: 'complete', withoutPartials: true })).toEqual(set(0, 2, 3));
      expect(await ids({ type: 'application/' })).toEqual(set(2));
      expect(await ids({ type: 'text/' })).toEqual(set(0, 1));
      expect(await ids({ type: 'text' })).toEqual(set());
    });

    it("sums an owner's usage on declared lengths, offsets while deferred", async () => {
      expect(await store.uploads.usage('alice')).toBe(0);
      await store.uploads.insert(upload({ length: BIG, offset: 3 }));
      await store.uploads.insert(upload({ length: null, offset: 1000 }));
      await store.uploads.insert(upload({ length: 10, offset: 10, finishedAt: 1, expiresAt: null }));
      await store.uploads.insert(upload({ owner: 'bob', length: 99 }));
      expect(await store.uploads.usage('alice')).toBe(BIG + 1010);
      expect(await store.uploads.usage('bob')).toBe(99);
      expect(await store.uploads.usage('carol')).toBe(0);
    });

    it("counts a deferred upload's reservation while it is above the offset, and can leave one out", async () => {
      const deferred = upload({ length: null, offset: 100 });
      const declared = upload({ length: 50, offset: 0 });
      await store.uploads.insert(deferred);
      await store.uploads.insert(declared);
      expect(await store.uploads.usage('alice')).toBe(150);
      await store.uploads.reserve(deferred.id, 400);
      expect(await store.uploads.usage('alice')).toBe(450);
      expect(await store.uploads.usage('alice', deferred.id)).toBe(50);
      // a reservation below the offset changes nothing; a declared length ignores reservations
      await store.uploads.reserve(deferred.id, 10);
      await store.uploads.reserve(declared.id, 999);
      expect(await store.uploads.usage('alice')).toBe(150);
      await store.uploads.reserve(deferred.id, null);
      expect(await store.uploads.usage('alice')).toBe(150);
      expect(await store.uploads.get(deferred.id)).toEqual(deferred);
    });

    it('finds tokens by hash, revoked ones included', async () => {
      const t = token({ quota: BIG });
      await store.tokens.insert(t);
      expect(await store.tokens.findByHash(t.hash)).toEqual(t);
      expect(await store.tokens.findByHash('0'.repeat(64))).toBeUndefined();
      expect(await store.tokens.revoke(t.id, 99)).toBe(true);
      expect(await store.tokens.findByHash(t.hash)).toEqual({ ...t, revokedAt: 99 });
    });

    it('refuses a second token with the same hash', async () => {
      const t = token();
      await store.tokens.insert(t);
      await expect(store.tokens.insert(token({ hash: t.hash }))).rejects.toThrow();
    });

    it('lists tokens and revokes each only once', async () => {
      const a = token({ createdAt: 1 });
      const b = token({ createdAt: 2, admin: true });
      await store.tokens.insert(b);
      await store.tokens.insert(a);
      expect(await store.tokens.list()).toEqual([a, b]);
      expect(await store.tokens.revoke(a.id, 10)).toBe(true);
      expect(await store.tokens.revoke(a.id, 11)).toBe(false);
      expect(await store.tokens.revoke(randomUUID(), 11)).toBe(false);
      expect((await store.tokens.list())[0]?.revokedAt).toBe(10);
    });

    it("gives an owner's quota: the smallest set on its live tokens", async () => {
      expect(await store.tokens.ownerQuota('alice')).toBeNull();
      await store.tokens.insert(token());
      expect(await store.tokens.ownerQuota('alice')).toBeNull();
      const small = token({ quota: 1000 });
      await store.tokens.insert(small);
      await store.tokens.insert(token({ quota: BIG }));
      await store.tokens.insert(token({ owner: 'bob', quota: 10 }));
      expect(await store.tokens.ownerQuota('alice')).toBe(1000);
      await store.tokens.revoke(small.id, 5);
      expect(await store.tokens.ownerQuota('alice')).toBe(BIG);
    });

    it('knows whether a live admin token exists', async () => {
      expect(await store.tokens.hasAdmin()).toBe(false);
      await store.tokens.insert(token());
      expect(await store.tokens.hasAdmin()).toBe(false);
      const admin = token({ admin: true, owner: 'admin' });
      await store.tokens.insert(admin);
      expect(await store.tokens.hasAdmin()).toBe(true);
      await store.tokens.revoke(admin.id, 5);
      expect(await store.tokens.hasAdmin()).toBe(false);
    });
  });
}
