import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { RedisLocker } from '../src/adapters/redis-locker.js';
import { lockerContract } from './contract/locker-contract.js';
import { newId } from './contract/streams.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { redisRelay } from './helpers/redis-relay.js';

lockerContract('RedisLocker', async () => {
  const prefix = testPrefix();
  const locker = await RedisLocker.open(REDIS_URL, { prefix });
  return {
    locker,
    cleanup: async () => {
      await locker.close();
      await dropPrefix(prefix);
    },
  };
});

const quiet = { waitMs: 5_000, onReleaseRequested: () => {} };

it('hands a lock from one node to another when asked', async () => {
  const prefix = testPrefix();
  const [a, b] = await Promise.all([
    RedisLocker.open(REDIS_URL, { prefix }),
    RedisLocker.open(REDIS_URL, { prefix }),
  ]);
  try {
    const key = newId();
    let held = await a.acquire(key, { waitMs: 1000, onReleaseRequested: () => void held.release() });
    held = await b.acquire(key, quiet);
    await expect(a.acquire(key, { ...quiet, waitMs: 100 })).rejects.toThrow(/held/);
    await held.release();
    await (await a.acquire(key, { ...quiet, waitMs: 100 })).release();
  } finally {
    await a.close();
    await b.close();
    await dropPrefix(prefix);
  }
});

it('frees the locks of a node that went away without releasing them', async () => {
  const prefix = testPrefix();
  const dead = await RedisLocker.open(REDIS_URL, { prefix });
  const live = await RedisLocker.open(REDIS_URL, { prefix });
  try {
    const key = newId();
    await dead.acquire(key, quiet);
    await dead.close(); // no release: its lock stops being renewed
    await (await live.acquire(key, { ...quiet, waitMs: 10_000 })).release();
  } finally {
    await live.close();
    await dropPrefix(prefix);
  }
});

it('asks the next holder to let go when more waiters queue behind it, and leaves no keys', async () => {
  const prefix = testPrefix();
  const locker = await RedisLocker.open(REDIS_URL, { prefix });
  try {
    const asked: string[] = [];
    const first = await locker.acquire('k', { waitMs: 1000, onReleaseRequested: () => asked.push('first') });
    const second = locker.acquire('k', { waitMs: 1000, onReleaseRequested: () => asked.push('second') });
    const third = locker.acquire('k', { waitMs: 1000, onReleaseRequested: () => asked.push('third') });
    await new Promise((r) => setTimeout(r, 50));
    await first.release();
    await (await second).release();
    await (await third).release();
    expect(asked).toEqual(['first', 'second']);
    const redis = new Redis(REDIS_URL);
    const left = await redis.keys(`${prefix}*`);
    redis.disconnect();
    expect(left).toEqual([]);
  } finally {
    await locker.close();
    await dropPrefix(prefix);
  }
});

it('fails an acquire within seconds while Redis is unreachable, and grants locks again once it is back', async () => {
  const prefix = testPrefix();
  const relay = await redisRelay();
  const locker = await RedisLocker.open(relay.url, { prefix });
  try {
    relay.cut();
    const t = Date.now();
    await expect(locker.acquire(newId(), quiet)).rejects.toThrow();
    // not hung on the offline connection, and not waiting out waitMs (5 s) either
    expect(Date.now() - t).toBeLessThan(4_000);
    relay.restore();
    const key = newId();
    let lock: Awaited<ReturnType<RedisLocker['acquire']>> | undefined;
    for (let i = 0; i < 100 && !lock; i++) {
      lock = await locker.acquire(key, quiet).catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(lock).toBeDefined();
    await lock?.release();
  } finally {
    await locker.close();
    relay.close();
    await dropPrefix(prefix);
  }
});

it('says which Redis it cannot reach at start, without the URL password', async () => {
  const err = await RedisLocker.open('redis://:s3cret@127.0.0.1:1/0').catch((e: unknown) => e as Error);
  expect(err).toBeInstanceOf(Error);
  expect(err.message).toMatch(/^cannot reach Redis at 127\.0\.0\.1:1 \(for upload locks\): .*ECONNREFUSED/);
  expect(err.message).not.toContain('s3cret');
});
