import type { DatasetRepository } from './dataset-repository.js';
import type { JobRepository } from './job-repository.js';
import type { WebhookRepository } from './webhook-repository.js';

/** An upload as the metadata store keeps it. Times are ms since the epoch. */
export interface UploadRecord {
  readonly id: string;
  readonly owner: string;
  /** total length, or null while deferred */
  readonly length: number | null;
  /** bytes durably stored; never ahead of the blob */
  readonly offset: number;
  readonly metadata: Readonly<Record<string, string | null>>;
  /** the file's name and media type as declared in the metadata (null when not given) */
  readonly name: string | null;
  readonly type: string | null;
  readonly concat: 'partial' | 'final' | null;
  /** for a final upload: the ids of its parts, in order */
  readonly parts: readonly string[] | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** unfinished uploads expire; null once finished */
  readonly expiresAt: number | null;
  readonly finishedAt: number | null;
  readonly sha256: string | null;
}

export type UploadPatch = Partial<
  Pick<UploadRecord, 'length' | 'offset' | 'updatedAt' | 'expiresAt' | 'finishedAt' | 'sha256'>
>;

export interface UploadRepository {
  insert(upload: UploadRecord): Promise<void>;
  get(id: string): Promise<UploadRecord | undefined>;
  /**
   * Applies `patch` if the stored offset still equals `expectedOffset` (when given).
   * Returns false when the upload is gone or the offset moved.
   */
  update(id: string, patch: UploadPatch, expectedOffset?: number): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /**
   * Uploads whose expiry is before `now` and that may go, oldest first: unfinished ones, and
   * finished partial uploads that no unfinished final upload lists (it still has to copy them).
   */
  listExpired(now: number, limit: number): Promise<UploadRecord[]>;
  /** Final uploads that list `partId` among their parts and are not finished yet. */
  listUnfinishedFinalsUsing(partId: string): Promise<UploadRecord[]>;
  /**
   * One page of uploads, newest first (created time, then id, both descending), matching every
   * filter given. Uploads whose expiry is at or before `query.now` are left out.
   */
  list(query: UploadQuery): Promise<UploadRecord[]>;
  /**
   * Bytes an owner holds or has claimed: the sum of each upload's length; while the length is
   * deferred, its offset or its reservation, whichever is larger. `except` leaves one upload out.
   */
  usage(owner: string, except?: string): Promise<number>;
  /**
   * Sets (or, with null, clears) a deferred upload's reservation: the offset a write in flight
   * may reach, counted in {@link usage} so concurrent writes cannot claim the same quota.
   */
  reserve(id: string, upTo: number | null): Promise<void>;
}

/** Filters and position of {@link UploadRepository.list}. */
export interface UploadQuery {
  /** only this owner's uploads; every owner's when undefined */
  readonly owner?: string;
  readonly limit: number;
  /** start after this upload (the last one of the previous page) */
  readonly after?: { readonly createdAt: number; readonly id: string };
  /** the name starts with this (compared exactly, case included) */
  readonly namePrefix?: string;
  readonly status?: 'uploading' | 'complete';
  /** exact media type, or a prefix ending in `/` (`image/`) */
  readonly type?: string;
  /** leave out partial uploads (the parts of parallel uploads) */
  readonly withoutPartials?: boolean;
  readonly now: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  /** hex sha256 of the token; the token itself is never stored */
  readonly hash: string;
  readonly admin: boolean;
  readonly quota: number | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  findByHash(hash: string): Promise<TokenRecord | undefined>;
  /** Revoked tokens are found too. */
  get(id: string): Promise<TokenRecord | undefined>;
  list(): Promise<TokenRecord[]>;
  /** Marks a token revoked; false when there is no such live token. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Whether any live admin token exists. */
  hasAdmin(): Promise<boolean>;
  /**
   * The smallest quota set on any live (unrevoked) token of `owner`; null when none sets one.
   * A quota is the owner's, not one token's: a second token must not lift its limit.
   */
  ownerQuota(owner: string): Promise<number | null>;
}

/** Depot's records: the repositories the core needs, and the store's life cycle. */
export interface MetadataStore {
  readonly uploads: UploadRepository;
  readonly tokens: TokenRepository;
  readonly jobs: JobRepository;
  readonly webhooks: WebhookRepository;
  /** csv-import's tables */
  readonly datasets: DatasetRepository;
  /** Brings the schema up to date. Safe to call on every start. */
  migrate(): Promise<void>;
  /** Checks that the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
