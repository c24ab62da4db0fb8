import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CachingTokenRepository } from '../src/adapters/sql/token-cache.js';
import { SqliteMetadataStore } from '../src/adapters/sqlite-metadata-store.js';
import { hashToken, TokenService } from '../src/core/tokens.js';
import type { TokenRecord, TokenRepository } from '../src/ports/metadata-store.js';

let dir: string;
let file: string;
let store: SqliteMetadataStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-token-cache-'));
  file = path.join(dir, 'depot.sqlite');
  store = await SqliteMetadataStore.open(file);
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const token = (secret: string, id = secret): TokenRecord => ({
  id,
  name: id,
  owner: 'alice',
  hash: hashToken(secret),
  admin: false,
  quota: null,
  createdAt: 1,
  revokedAt: null,
});

it('refuses a revoked token at once, though it was just accepted', async () => {
  await store.tokens.insert(token('secret-one'));
  const tokens = new TokenService(store, Date.now);
  for (let i = 0; i < 3; i++) expect((await tokens.authenticate('secret-one')).owner).toBe('alice');
  expect(await store.tokens.revoke('secret-one', 5)).toBe(true);
  await expect(tokens.authenticate('secret-one')).rejects.toMatchObject({ status: 401 });
});

it('refuses a token at once when another process revoked it', async () => {
  await store.tokens.insert(token('secret-two'));
  const tokens = new TokenService(store, Date.now);
  await tokens.authenticate('secret-two');
  const other = await SqliteMetadataStore.open(file);
  try {
    expect(await other.tokens.revoke('secret-two', 5)).toBe(true);
  } finally {
    await other.close();
  }
  await expect(tokens.authenticate('secret-two')).rejects.toMatchObject({ status: 401 });
});

it('does not remember a lookup that raced with a revocation', async () => {
  await store.tokens.insert(token('secret-three'));
  const hash = hashToken('secret-three');
  const lookup = store.tokens.findByHash(hash); // answered before the revocation below
  const revoked = store.tokens.revoke('secret-three', 5);
  expect((await lookup)?.revokedAt).toBeNull();
  await revoked;
  expect((await store.tokens.findByHash(hash))?.revokedAt).toBe(5);
});

/** The real repository, counting the lookups that reach it. */
function counting(inner: TokenRepository) {
  const counter = { lookups: 0, quotas: 0 };
  const repo: TokenRepository = {
    insert: (t) => inner.insert(t),
    list: () => inner.list(),
    revoke: (id, at) => inner.revoke(id, at),
    hasAdmin: () => inner.hasAdmin(),
    get: (id) => inner.get(id),
    ownerQuota: (owner) => {
      counter.quotas++;
      return inner.ownerQuota(owner);
    },
    findByHash: (h) => {
      counter.lookups++;
      return inner.findByHash(h);
    },
  };
  return { repo, counter };
}

it('answers repeated lookups from memory until something changes, and never remembers unknown hashes', async () => {
  const { repo, counter } = counting(store.tokens);
  let elsewhere = false;
  const cache = new CachingTokenRepository(repo, () => elsewhere);
  await cache.insert(token('secret-four'));
  const hash = hashToken('secret-four');
  for (let i = 0; i < 3; i++) expect((await cache.findByHash(hash))?.id).toBe('secret-four');
  expect(counter.lookups).toBe(1);
  elsewhere = true;
  await cache.findByHash(hash);
  elsewhere = false;
  expect(counter.lookups).toBe(2);
  await cache.insert(token('secret-five'));
  await cache.findByHash(hash);
  expect(counter.lookups).toBe(3);
  for (let i = 0; i < 2; i++) expect(await cache.findByHash(hashToken('nobody'))).toBeUndefined();
  expect(counter.lookups).toBe(5);
});

it("remembers an owner's quota until a token changes, here or in another process", async () => {
  const { repo, counter } = counting(store.tokens);
  let elsewhere = false;
  const cache = new CachingTokenRepository(repo, () => elsewhere);
  await cache.insert({ ...token('secret-six'), quota: 700 });
  for (let i = 0; i < 3; i++) expect(await cache.ownerQuota('alice')).toBe(700);
  expect(counter.quotas).toBe(1);
  // a new token with a smaller quota shows at once
  await cache.insert({ ...token('secret-seven'), quota: 300 });
  expect(await cache.ownerQuota('alice')).toBe(300);
  expect(await cache.revoke('secret-seven', 5)).toBe(true);
  expect(await cache.ownerQuota('alice')).toBe(700);
  elsewhere = true;
  await cache.ownerQuota('alice');
  elsewhere = false;
  expect(counter.quotas).toBe(4);
});
