interface Window {
  count: number;
  readonly resetAt: number;
}

/**
 * Slows down guessing: after `max` failures from one key (a client address) within `windowMs`, the
 * key is refused until its window ends. In memory, per process; bounded, so a flood of addresses
 * cannot grow it without limit.
 */
export class FailureThrottle {
  readonly #windows = new Map<string, Window>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #capacity: number;

  constructor(options: { max: number; windowMs: number; now?: () => number; capacity?: number }) {
    this.#max = options.max;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
    this.#capacity = options.capacity ?? 100_000;
  }

  /** ms until `key` may try again; 0 when it may now. */
  blockedFor(key: string): number {
    const w = this.#current(key);
    return w && w.count >= this.#max ? w.resetAt - this.#now() : 0;
  }

  fail(key: string): void {
    const w = this.#current(key);
    if (w) {
      w.count++;
      return;
    }
    if (this.#windows.size >= this.#capacity) this.#prune();
    this.#windows.set(key, { count: 1, resetAt: this.#now() + this.#windowMs });
  }

  #current(key: string): Window | undefined {
    const w = this.#windows.get(key);
    if (w && w.resetAt <= this.#now()) {
      this.#windows.delete(key);
      return undefined;
    }
    return w;
  }

  /** Drops ended windows; if all are live, the oldest half (Map order is insertion order). */
  #prune(): void {
    const now = this.#now();
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
    let excess = this.#windows.size - Math.floor(this.#capacity / 2);
    for (const k of this.#windows.keys()) {
      if (excess-- <= 0) break;
      this.#windows.delete(k);
    }
  }
}
