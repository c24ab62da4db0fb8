import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { MetadataStore, TokenRecord } from '../ports/metadata-store.js';
import type { Actor } from './actor.js';
import { errors } from './errors.js';

/** Tokens are stored as the hex sha256 of the secret; the secret is shown once and never kept. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const newTokenSecret = (): string => `dpt_${randomBytes(32).toString('base64url')}`;

export const ADMIN_OWNER = 'admin';

/** Bearer-token authentication and the admin token's bootstrap. */
export class TokenService {
  readonly #store: MetadataStore;
  readonly #now: () => number;

  constructor(store: MetadataStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** The actor a bearer token stands for; 401 for an unknown or revoked token. */
  async authenticate(token: string | undefined): Promise<Actor> {
    if (!token) throw errors.unauthorized('send Authorization: Bearer TOKEN');
    const hash = hashToken(token);
    const record = await this.#store.tokens.findByHash(hash);
    // The lookup is by hash, so its timing says nothing about the secret; compare anyway.
    if (
      !record ||
      record.revokedAt !== null ||
      !timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))
    ) {
      throw errors.unauthorized('the token is not valid');
    }
    return { owner: record.owner, admin: record.admin, tokenId: record.id, quota: record.quota };
  }

  /**
   * Makes sure an admin token exists. With `configured` (DEPOT_ADMIN_TOKEN) that token is
   * registered; otherwise one is generated on the very first start. Returns a secret to print,
   * or undefined when the admin token already existed (it is never shown again).
   */
  async bootstrapAdmin(
    configured: string | undefined,
  ): Promise<{ token: string; generated: boolean } | undefined> {
    if (configured !== undefined) {
      const hash = hashToken(configured);
      if (!(await this.#store.tokens.findByHash(hash)))
        await this.#insertAdmin(hash, 'admin (DEPOT_ADMIN_TOKEN)');
      return { token: configured, generated: false };
    }
    if (await this.#store.tokens.hasAdmin()) return undefined;
    const token = newTokenSecret();
    await this.#insertAdmin(hashToken(token), 'admin');
    return { token, generated: true };
  }

  async #insertAdmin(hash: string, name: string): Promise<void> {
    const record: TokenRecord = {
      id: randomUUID(),
      name,
      owner: ADMIN_OWNER,
      hash,
      admin: true,
      quota: null,
      createdAt: this.#now(),
      revokedAt: null,
    };
    await this.#store.tokens.insert(record);
  }
}
