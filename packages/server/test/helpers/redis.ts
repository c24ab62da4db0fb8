import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The machine's Redis; DEPOT_TEST_REDIS_URL points elsewhere. */
export const REDIS_URL = process.env.DEPOT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test run uses. */
export const testPrefix = (): string => `depot-test:${randomBytes(6).toString('hex')}:`;

/** Deletes every key under `prefix`; answers how many there were. */
export async function dropPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    let dropped = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) dropped += await redis.del(...keys);
    } while (cursor !== '0');
    return dropped;
  } finally {
    redis.disconnect();
  }
}
