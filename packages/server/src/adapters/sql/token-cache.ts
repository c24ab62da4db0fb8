import type { TokenRecord, TokenRepository } from '../../ports/metadata-store.js';

const MAX_ENTRIES = 1_000;
/** A bound on staleness should an invalidation ever be missed; none is expected to be. */
const TTL_MS = 60_000;

interface Entry<T> {
  readonly value: T;
  readonly at: number;
}

/**
 * A token repository that remembers the tokens it found by hash, since every request looks its
 * token up. A revoked token still fails at once: every write through this repository empties the
 * memory, and so does any commit by another connection to the database (`changedElsewhere`, for
 * SQLite its `data_version`). A lookup that raced with a write is not remembered. Unknown hashes
 * are never remembered (nobody can fill the memory with guesses). Owners' quotas are remembered
 * the same way (every upload creation asks for its owner's), and forgotten on the same writes.
 */
export class CachingTokenRepository implements TokenRepository {
  readonly #inner: TokenRepository;
  readonly #changedElsewhere: () => boolean;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<TokenRecord>>();
  readonly #quotas = new Map<string, Entry<number | null>>();
  /** bumped by every write, so a lookup that started before one does not store its answer */
  #generation = 0;

  constructor(inner: TokenRepository, changedElsewhere: () => boolean, now: () => number = Date.now) {
    this.#inner = inner;
    this.#changedElsewhere = changedElsewhere;
    this.#now = now;
  }

  async findByHash(hash: string): Promise<TokenRecord | undefined> {
    if (this.#changedElsewhere()) this.#forget();
    const hit = this.#entries.get(hash);
    if (hit && this.#now() - hit.at < TTL_MS) return hit.value;
    const generation = this.#generation;
    const record = await this.#inner.findByHash(hash);
    if (record) this.#remember(this.#entries, hash, record, generation);
    return record;
  }

  async ownerQuota(owner: string): Promise<number | null> {
    if (this.#changedElsewhere()) this.#forget();
    const hit = this.#quotas.get(owner);
    if (hit && this.#now() - hit.at < TTL_MS) return hit.value;
    const generation = this.#generation;
    const quota = await this.#inner.ownerQuota(owner);
    // Only owners that have a token are asked for (an authenticated actor's): no guessing here.
    this.#remember(this.#quotas, owner, quota, generation);
    return quota;
  }

  async insert(token: TokenRecord): Promise<void> {
    this.#forget();
    try {
      await this.#inner.insert(token);
    } finally {
      this.#forget();
    }
  }

  async revoke(id: string, at: number): Promise<boolean> {
    this.#forget();
    try {
      return await this.#inner.revoke(id, at);
    } finally {
      this.#forget();
    }
  }

  list(): Promise<TokenRecord[]> {
    return this.#inner.list();
  }

  hasAdmin(): Promise<boolean> {
    return this.#inner.hasAdmin();
  }

  /** Not remembered: only download links look tokens up by id, and a revocation must show at once. */
  get(id: string): Promise<TokenRecord | undefined> {
    return this.#inner.get(id);
  }

  /** Stores an answer unless a write (here or elsewhere) happened since its lookup began. */
  #remember<T>(map: Map<string, Entry<T>>, key: string, value: T, generation: number): void {
    if (generation !== this.#generation || this.#changedElsewhere()) return;
    if (map.size >= MAX_ENTRIES) map.clear();
    map.set(key, { value, at: this.#now() });
  }

  #forget(): void {
    this.#entries.clear();
    this.#quotas.clear();
    this.#generation++;
  }
}
