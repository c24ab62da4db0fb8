import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type AcquireOptions, type Lock, type Locker, LockTimeoutError } from '../ports/locker.js';
import { askToRelease, type LockHolder } from './lock-holder.js';
import { ACQUIRE, LEAVE, RELEASE, RENEW } from './redis/lock-scripts.js';

/**
 * A held lock lives this long in Redis unless renewed, so a node that dies (SIGKILL, lost
 * network) frees its uploads within this time; the holder renews every third of it.
 */
const LOCK_TTL_MS = 3_000;
/** A waiter that stops retrying (its node died) is skipped after this long. */
const WAITER_TTL_MS = 3_000;
/**
 * Waiters retry at once when a release is published, and at least this often besides: the
 * backstop for a lock freed by expiry (which publishes nothing) and for a missed message.
 */
const POLL_MS = 200;
/** A lock command with no answer by then fails (Redis stalled or unreachable behind a proxy). */
const COMMAND_TIMEOUT_MS = 2_000;

export interface RedisLockerOptions {
  /** Prefix of every key and channel, so that several Depots (or test runs) share one Redis. */
  readonly prefix?: string;
  /** Told of connection errors (Redis down; both connections reconnect by themselves). */
  readonly onError?: (err: unknown) => void;
}

interface Holder extends LockHolder {
  renewal?: NodeJS.Timeout;
}

type Reply = [number, number];

/**
 * One writer per key across every node that shares the Redis: the same behaviour as the
 * in-process MemoryLocker. A newcomer joins a FIFO queue kept in Redis and publishes a request
 * that reaches the holder on whichever node it runs; the holder lets go and publishes that the
 * lock is free; the first live waiter in line takes it.
 */
export class RedisLocker implements Locker {
  readonly #redis: Redis;
  readonly #events: Redis;
  readonly #prefix: string;
  /** the holders on this node, by key */
  readonly #holders = new Map<string, Holder>();
  /** the waiters on this node, by key: each is woken to retry */
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;

  private constructor(redis: Redis, events: Redis, prefix: string) {
    this.#redis = redis;
    this.#events = events;
    this.#prefix = prefix;
  }

  /** Connects (two connections: commands, and a subscriber for the lock events). */
  static async open(url: string, options: RedisLockerOptions = {}): Promise<RedisLocker> {
    const prefix = options.prefix ?? 'depot:lock:';
    // Commands fail at once while Redis is unreachable, and after COMMAND_TIMEOUT_MS while it does
    // not answer: the request that wanted the lock gets an error instead of hanging (a retry count
    // alone restarts at every TCP connect, so a proxy that accepts and drops held commands forever).
    const redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 3,
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    const events = new Redis(url, { lazyConnect: true });
    let lastError: Error | undefined;
    for (const r of [redis, events]) {
      r.on('error', (err: Error) => {
        lastError = err;
        options.onError?.(err);
      });
    }
    try {
      await redis.connect();
      await events.connect();
      const locker = new RedisLocker(redis, events, prefix);
      events.on('pmessage', (_pattern: string, channel: string) => locker.#onEvent(channel));
      await events.psubscribe(`${prefix}ev:*`);
      return locker;
    } catch (err) {
      redis.disconnect();
      events.disconnect();
      // ioredis rejects with "Connection is closed."; the reason is in the last 'error' it emitted
      const why = (lastError ?? (err as Error)).message;
      throw new Error(`cannot reach Redis at ${hostOf(url)} (for upload locks): ${why}`, { cause: err });
    }
  }

  async acquire(key: string, options: AcquireOptions): Promise<Lock> {
    if (this.#closed) throw new Error('the locker is closed');
    const token = randomUUID();
    const deadline = performance.now() + options.waitMs;
    const wakers = this.#waiters.get(key) ?? new Set<() => void>();
    this.#waiters.set(key, wakers);
    let wake = () => {};
    const woken = () => wake();
    wakers.add(woken);
    try {
      for (;;) {
        const [granted, behind] = (await this.#redis.eval(
          ACQUIRE,
          3,
          this.#key('lock', key),
          this.#key('queue', key),
          this.#key('alive', key),
          token,
          LOCK_TTL_MS,
          WAITER_TTL_MS,
        )) as Reply;
        if (granted === 1) return this.#hold(key, token, options, behind > 0);
        await this.#redis.publish(this.#channel('ask', key), '');
        const left = deadline - performance.now();
        if (left <= 0 || this.#closed) {
          await this.#leave(key, token);
          throw new LockTimeoutError(key);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(POLL_MS, left));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = () => {};
      }
    } finally {
      wakers.delete(woken);
      if (wakers.size === 0) this.#waiters.delete(key);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Locks still held are not released: they lapse after their TTL, as if this node had died.
    for (const holder of this.#holders.values()) clearInterval(holder.renewal);
    for (const wakers of this.#waiters.values()) for (const w of wakers) w();
    this.#events.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #hold(key: string, token: string, options: AcquireOptions, othersWait: boolean): Lock {
    const holder: Holder = { onReleaseRequested: options.onReleaseRequested, asked: false };
    this.#holders.set(key, holder);
    const renewal = setInterval(() => {
      this.#redis.eval(RENEW, 1, this.#key('lock', key), token, LOCK_TTL_MS).then(
        (held) => {
          // Lost (this node stalled past the TTL): whoever holds it now wants us gone.
          if (held === 0) askToRelease(holder);
        },
        () => {},
      );
    }, LOCK_TTL_MS / 3);
    renewal.unref();
    holder.renewal = renewal;
    // Whoever still waits behind the new holder wants it to let go too.
    if (othersWait) queueMicrotask(() => askToRelease(holder));
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renewal);
        if (this.#holders.get(key) === holder) this.#holders.delete(key);
        await this.#redis.eval(RELEASE, 1, this.#key('lock', key), token, this.#channel('free', key));
      },
    };
  }

  async #leave(key: string, token: string): Promise<void> {
    await this.#redis
      .eval(LEAVE, 2, this.#key('queue', key), this.#key('alive', key), token, this.#channel('free', key))
      .catch(() => {});
  }

  #onEvent(channel: string): void {
    const rest = channel.slice(`${this.#prefix}ev:`.length);
    const colon = rest.indexOf(':');
    const kind = rest.slice(0, colon);
    const key = rest.slice(colon + 1);
    if (kind === 'ask') {
      const holder = this.#holders.get(key);
      if (holder) askToRelease(holder);
    } else if (kind === 'free') {
      for (const w of this.#waiters.get(key) ?? []) w();
    }
  }

  #key(kind: 'lock' | 'queue' | 'alive', key: string): string {
    return `${this.#prefix}${kind}:${key}`;
  }

  #channel(kind: 'ask' | 'free', key: string): string {
    return `${this.#prefix}ev:${kind}:${key}`;
  }
}

/** host:port of a Redis URL, never its password (the message goes to the terminal and logs). */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.host || url;
  } catch {
    return 'the configured URL';
  }
}
