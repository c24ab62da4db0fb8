import { OffThreadHash } from './offthread-hash.js';

interface Entry {
  readonly hash: OffThreadHash;
  readonly offset: number;
}

/**
 * The sha256 of each upload, advanced as its bytes arrive, so a finished file's digest costs no
 * second read. Node cannot serialise a hash state, so this lives in memory: after a restart, or
 * when another node took some PATCHes, the entry is missing and the digest is computed by reading
 * the file once at the end. Bounded: the least recently used entries go first.
 */
export class RunningDigests {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  /**
   * A hash covering exactly the first `offset` bytes, taken out for the duration of a write.
   * `length`: the upload's length (null while deferred), which decides where a new hash runs.
   */
  take(id: string, offset: number, length?: number | null): OffThreadHash | undefined {
    if (offset === 0) {
      this.drop(id);
      return new OffThreadHash('sha256', length ?? undefined);
    }
    const entry = this.#entries.get(id);
    this.#entries.delete(id);
    if (entry?.offset === offset) return entry.hash;
    entry?.hash.drop();
    return undefined;
  }

  /** Puts back a hash that now covers exactly `offset` bytes. */
  put(id: string, hash: OffThreadHash, offset: number): void {
    const before = this.#entries.get(id)?.hash;
    if (before !== hash) before?.drop();
    this.#entries.set(id, { hash, offset });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.drop(oldest);
    }
  }

  /** Whether `hash` is the one kept for `id`. */
  holds(id: string, hash: OffThreadHash): boolean {
    return this.#entries.get(id)?.hash === hash;
  }

  drop(id: string): void {
    this.#entries.get(id)?.hash.drop();
    this.#entries.delete(id);
  }
}
