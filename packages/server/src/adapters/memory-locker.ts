import { type AcquireOptions, type Lock, type Locker, LockTimeoutError } from '../ports/locker.js';
import { askToRelease, type LockHolder } from './lock-holder.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

type Holder = LockHolder;

interface Waiter {
  readonly options: AcquireOptions;
  readonly grant: (lock: Lock) => void;
}

interface Entry {
  holder: Holder;
  /** FIFO: the first waiter gets the lock when the holder releases it */
  readonly waiters: Waiter[];
}

/**
 * The one-process locker: one holder per key, newcomers queue in arrival order. Enough for a
 * single node; several nodes need a shared locker (Redis) instead.
 */
export class MemoryLocker implements Locker {
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  async acquire(key: string, options: AcquireOptions): Promise<Lock> {
    if (this.#closed) throw new Error('the locker is closed');
    const entry = this.#entries.get(key);
    if (!entry) {
      const holder = this.#holder(options);
      this.#entries.set(key, { holder, waiters: [] });
      return this.#lock(key, holder);
    }
    return new Promise<Lock>((resolve, reject) => {
      const waiter: Waiter = {
        options,
        grant: (lock) => {
          clearTimeout(timer);
          resolve(lock);
        },
      };
      const timeout = () => {
        const at = entry.waiters.indexOf(waiter);
        if (at >= 0) entry.waiters.splice(at, 1);
        reject(new LockTimeoutError(key));
      };
      // setTimeout fires at once for delays past 2^31-1 ms; treat those as "wait for ever".
      const timer = options.waitMs <= MAX_TIMER_MS ? setTimeout(timeout, options.waitMs) : undefined;
      entry.waiters.push(waiter);
      askToRelease(entry.holder);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #holder(options: AcquireOptions): Holder {
    return { onReleaseRequested: options.onReleaseRequested, asked: false };
  }

  #lock(key: string, holder: Holder): Lock {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.#handOver(key, holder);
      },
    };
  }

  #handOver(key: string, from: Holder): void {
    const entry = this.#entries.get(key);
    if (!entry || entry.holder !== from) return;
    const next = entry.waiters.shift();
    if (!next) {
      this.#entries.delete(key);
      return;
    }
    const holder = this.#holder(next.options);
    entry.holder = holder;
    next.grant(this.#lock(key, holder));
    // Whoever still waits behind the new holder wants it to let go too.
    if (entry.waiters.length > 0) askToRelease(holder);
  }
}
