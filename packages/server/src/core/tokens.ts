import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { MetadataStore, TokenRecord } from '../ports/metadata-store.js';
import type { Actor } from './actor.js';
import { LINK_TTL, linkMatches, parseLink, signLink } from './download-links.js';
import { errors } from './errors.js';
import { FailureThrottle } from './failure-throttle.js';

/** Tokens are stored as the hex sha256 of the secret; the secret is shown once and never kept. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const newTokenSecret = (): string => `dpt_${randomBytes(32).toString('base64url')}`;

export const ADMIN_OWNER = 'admin';

/** Failed authentications one address may make per window before it gets 429s. */
export const AUTH_THROTTLE = { max: 20, windowMs: 60_000 } as const;

/** A token as an admin sees it: never its hash, never its secret. */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly admin: boolean;
  readonly quota: number | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface NewToken {
  readonly name: string;
  /** defaults to the name: one owner per person or app, unless tokens are meant to share files */
  readonly owner?: string;
  readonly quota?: number | null;
}

const LABEL = /^[\w.@+-]{1,64}$/u;

const info = (t: TokenRecord): TokenInfo => ({
  id: t.id,
  name: t.name,
  owner: t.owner,
  admin: t.admin,
  quota: t.quota,
  createdAt: t.createdAt,
  revokedAt: t.revokedAt,
});

const actorOf = (t: TokenRecord): Actor => ({
  owner: t.owner,
  admin: t.admin,
  tokenId: t.id,
});

/** Bearer-token authentication and the admin token's bootstrap. */
export class TokenService {
  readonly #store: MetadataStore;
  readonly #now: () => number;
  readonly #throttle: FailureThrottle;

  constructor(store: MetadataStore, now: () => number, throttle = AUTH_THROTTLE) {
    this.#store = store;
    this.#now = now;
    this.#throttle = new FailureThrottle({ ...throttle, now });
  }

  /**
   * The actor a bearer token stands for; 401 for a missing, unknown or revoked token. A client
   * (`from`: its address) that failed too often lately gets 429 with a Retry-After instead, and
   * its token is not even looked at, so guessing stays slow.
   */
  async authenticate(token: string | undefined, from: string): Promise<Actor> {
    this.#checkThrottle(from);
    if (!token) {
      this.#throttle.fail(from);
      throw errors.unauthorized('send Authorization: Bearer TOKEN');
    }
    const hash = hashToken(token);
    const record = await this.#store.tokens.findByHash(hash);
    // The lookup is by hash, so its timing says nothing about the secret; compare anyway.
    if (
      !record ||
      record.revokedAt !== null ||
      !timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))
    ) {
      this.#throttle.fail(from);
      throw errors.unauthorized('the token is not valid');
    }
    return actorOf(record);
  }

  /**
   * A link to download file `fileId` without a bearer header, valid for `ttlMs` (see
   * download-links.ts). The caller has checked that `actor` may read the file.
   */
  async linkFor(
    actor: Actor,
    fileId: string,
    ttlMs: number = LINK_TTL.defaultMs,
  ): Promise<{ link: string; expiresAt: number }> {
    if (!(Number.isSafeInteger(ttlMs) && ttlMs >= 1000 && ttlMs <= LINK_TTL.maxMs))
      throw errors.badRequest(`expiresIn: 1 to ${LINK_TTL.maxMs / 1000} seconds`);
    const token = await this.#store.tokens.get(actor.tokenId);
    if (!token || token.revokedAt !== null) throw errors.unauthorized('the token is not valid');
    const expiresAt = Math.floor((this.#now() + ttlMs) / 1000) * 1000;
    return { link: signLink(token, fileId, expiresAt), expiresAt };
  }

  /**
   * The actor a download link for `fileId` stands for: the token that made it, if still live and
   * the link unexpired and signed for this file. Failures count like bad tokens (throttled).
   */
  async authenticateLink(fileId: string, link: string, from: string): Promise<Actor> {
    this.#checkThrottle(from);
    const parsed = parseLink(link);
    const record = parsed && (await this.#store.tokens.get(parsed.tokenId));
    if (
      !parsed ||
      !record ||
      record.revokedAt !== null ||
      !linkMatches(record, fileId, parsed.expiresAt, parsed.signature)
    ) {
      this.#throttle.fail(from);
      throw errors.unauthorized('the download link is not valid');
    }
    if (parsed.expiresAt <= this.#now()) throw errors.unauthorized('the download link has expired');
    return actorOf(record);
  }

  /** 429 with a Retry-After for a client that failed too often lately. */
  #checkThrottle(from: string): void {
    const wait = this.#throttle.blockedFor(from);
    if (wait > 0) {
      throw errors.tooManyRequests('too many failed authentications from this address; retry later', {
        'Retry-After': String(Math.ceil(wait / 1000)),
      });
    }
  }

  /** Issues a new (non-admin) token. The secret is returned this once; only its hash is kept. */
  async create(actor: Actor, input: NewToken): Promise<TokenInfo & { token: string }> {
    requireAdmin(actor);
    const owner = input.owner ?? input.name;
    if (!LABEL.test(input.name)) throw errors.badRequest('name: 1 to 64 letters, digits or . _ @ + -');
    if (!LABEL.test(owner)) throw errors.badRequest('owner: 1 to 64 letters, digits or . _ @ + -');
    if (owner === ADMIN_OWNER) throw errors.badRequest(`owner "${ADMIN_OWNER}" is reserved`);
    const quota = input.quota ?? null;
    if (quota !== null && !(Number.isSafeInteger(quota) && quota >= 0))
      throw errors.badRequest('quota: a whole number of bytes');
    const token = newTokenSecret();
    const record: TokenRecord = {
      id: randomUUID(),
      name: input.name,
      owner,
      hash: hashToken(token),
      admin: false,
      quota,
      createdAt: this.#now(),
      revokedAt: null,
    };
    await this.#store.tokens.insert(record);
    return { ...info(record), token };
  }

  async list(actor: Actor): Promise<TokenInfo[]> {
    requireAdmin(actor);
    return (await this.#store.tokens.list()).map(info);
  }

  /** Revokes a token: from now on it fails authentication. 404 for an unknown or revoked one. */
  async revoke(actor: Actor, id: string): Promise<void> {
    requireAdmin(actor);
    if (!(await this.#store.tokens.revoke(id, this.#now()))) throw errors.notFound(`no live token ${id}`);
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
      if (!(await this.#store.tokens.findByHash(hash))) {
        try {
          await this.#insertAdmin(hash, 'admin (DEPOT_ADMIN_TOKEN)');
        } catch (err) {
          // Another node sharing the database registered it meanwhile (both started at once).
          if (!(await this.#store.tokens.findByHash(hash))) throw err;
        }
      }
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

function requireAdmin(actor: Actor): void {
  if (!actor.admin) throw errors.forbidden('only an admin token may manage tokens');
}
