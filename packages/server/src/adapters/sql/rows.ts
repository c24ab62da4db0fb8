import type { Selectable } from 'kysely';
import type { TokenRecord, UploadRecord } from '../../ports/metadata-store.js';
import type { TokensTable, UploadsTable } from './schema.js';

/** A bigint column as a number: Postgres returns strings, SQLite numbers. Sizes stay below 2^53. */
export const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

export function toUpload(row: Selectable<UploadsTable>, parts: readonly string[] | null): UploadRecord {
  return {
    id: row.id,
    owner: row.owner,
    length: numOrNull(row.length),
    offset: num(row.offset),
    metadata: JSON.parse(row.metadata) as Record<string, string | null>,
    name: row.name,
    type: row.type,
    concat: row.concat,
    parts: row.concat === 'final' ? (parts ?? []) : null,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    expiresAt: numOrNull(row.expires_at),
    finishedAt: numOrNull(row.finished_at),
    sha256: row.sha256,
  };
}

export function fromUpload(u: UploadRecord): Omit<Selectable<UploadsTable>, 'reserved'> {
  return {
    id: u.id,
    owner: u.owner,
    length: u.length,
    offset: u.offset,
    metadata: JSON.stringify(u.metadata),
    name: u.name,
    type: u.type,
    concat: u.concat,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    expires_at: u.expiresAt,
    finished_at: u.finishedAt,
    sha256: u.sha256,
  };
}

export function toToken(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    hash: row.hash,
    admin: num(row.admin) === 1,
    quota: numOrNull(row.quota),
    createdAt: num(row.created_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

export function fromToken(t: TokenRecord): Selectable<TokensTable> {
  return {
    id: t.id,
    name: t.name,
    owner: t.owner,
    hash: t.hash,
    admin: t.admin ? 1 : 0,
    quota: t.quota,
    created_at: t.createdAt,
    revoked_at: t.revokedAt,
  };
}
