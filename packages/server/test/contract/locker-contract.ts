import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Locker, LockTimeoutError } from '../../src/ports/locker.js';
import { newId } from './streams.js';

export interface LockerFixture {
  readonly locker: Locker;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = { waitMs: 5_000, onReleaseRequested: () => {} };

/** The behaviour every Locker adapter (memory, Redis) must show; registers a vitest suite. */
export function lockerContract(name: string, factory: () => Promise<LockerFixture>): void {
  describe(`Locker contract: ${name}`, () => {
    let fixture: LockerFixture;
    let locker: Locker;
    beforeEach(async () => {
      fixture = await factory();
      locker = fixture.locker;
    });
    afterEach(async () => fixture.cleanup());

    it('holds one lock per key', async () => {
      const key = newId();
      const lock = await locker.acquire(key, quiet);
      await expect(locker.acquire(key, { ...quiet, waitMs: 100 })).rejects.toBeInstanceOf(LockTimeoutError);
      const other = await locker.acquire(newId(), quiet);
      await other.release();
      await lock.release();
      await (await locker.acquire(key, { ...quiet, waitMs: 100 })).release();
    });

    it('times out after about waitMs', async () => {
      const key = newId();
      const lock = await locker.acquire(key, quiet);
      const t0 = performance.now();
      const err = await locker.acquire(key, { ...quiet, waitMs: 200 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as LockTimeoutError).key).toBe(key);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
      await lock.release();
    });

    it('hands the lock to a waiter when the holder releases it', async () => {
      const key = newId();
      const lock = await locker.acquire(key, quiet);
      let got = false;
      const waiting = locker.acquire(key, quiet).then((l) => {
        got = true;
        return l;
      });
      await sleep(50);
      expect(got).toBe(false);
      await lock.release();
      await (await waiting).release();
      expect(got).toBe(true);
    });

    it('asks the holder, once, to let go when others want the lock', async () => {
      const key = newId();
      let asked = 0;
      const lock = await locker.acquire(key, { waitMs: 1000, onReleaseRequested: () => asked++ });
      await sleep(20);
      expect(asked).toBe(0);
      const a = locker.acquire(key, quiet);
      const b = locker.acquire(key, quiet);
      await sleep(100);
      expect(asked).toBe(1);
      await lock.release();
      await (await a).release();
      await (await b).release();
      expect(asked).toBe(1);
    });

    it('lets a holder that is asked hand over straight away', async () => {
      const key = newId();
      let lock = await locker.acquire(key, {
        waitMs: 1000,
        onReleaseRequested: () => void lock.release(),
      });
      const t0 = performance.now();
      lock = await locker.acquire(key, quiet);
      expect(performance.now() - t0).toBeLessThan(1000);
      await lock.release();
    });

    it('leaves the queue cleanly on a timeout', async () => {
      const key = newId();
      const lock = await locker.acquire(key, quiet);
      await expect(locker.acquire(key, { ...quiet, waitMs: 50 })).rejects.toBeInstanceOf(LockTimeoutError);
      const next = locker.acquire(key, { ...quiet, waitMs: 2000 });
      await lock.release();
      await (await next).release();
      // and nobody holds it now: a newcomer gets it without waiting
      await (await locker.acquire(key, { ...quiet, waitMs: 100 })).release();
    });

    it('serves waiters first come, first served', async () => {
      const key = newId();
      const order: number[] = [];
      const lock = await locker.acquire(key, quiet);
      const waiters = [1, 2, 3].map(async (n) => {
        await sleep(n * 30);
        const l = await locker.acquire(key, quiet);
        order.push(n);
        await sleep(10);
        await l.release();
      });
      await sleep(150);
      await lock.release();
      await Promise.all(waiters);
      expect(order).toEqual([1, 2, 3]);
    });
  });
}
