import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TokenRecord } from '../ports/metadata-store.js';

/** How long a download link lives unless asked otherwise, and the longest it may. */
export const LINK_TTL = { defaultMs: 15 * 60_000, maxMs: 7 * 24 * 3_600_000 } as const;

/**
 * Download links: `GET /files/:id?link=TOKENID.EXPIRY.SIGNATURE`, one file readable without an
 * Authorization header, so a browser can save it with a plain link (streaming to disk, resuming
 * with Range) instead of holding it in memory. The signature is an HMAC-SHA256 of the file id and
 * the expiry, keyed by the hash of the token that asked for the link: no secret to share between
 * nodes, and revoking that token kills its links at once. (Whoever can read the database can
 * forge links, as they can read its tokens' owners and files: back it up accordingly.)
 */
export function signLink(token: TokenRecord, fileId: string, expiresAt: number): string {
  const expiry = Math.floor(expiresAt / 1000);
  return `${token.id}.${expiry}.${mac(token, fileId, expiry).toString('base64url')}`;
}

/** A link's parts, or undefined when it is not shaped like one. */
export function parseLink(
  link: string,
): { tokenId: string; expiresAt: number; signature: Buffer } | undefined {
  // One spelling per link: no leading zeros in the expiry, and the signature's canonical base64url
  // (its last character carries 2 unused bits, which would otherwise give 4 spellings of one link).
  const m = /^([0-9a-f-]{36})\.([1-9]\d{0,11})\.([A-Za-z0-9_-]{43})$/.exec(link);
  if (!m) return undefined;
  const signature = Buffer.from(m[3] as string, 'base64url');
  if (signature.toString('base64url') !== m[3]) return undefined;
  return { tokenId: m[1] as string, expiresAt: Number(m[2]) * 1000, signature };
}

/** Whether `signature` is the one `token` gives `fileId` until `expiresAt` (compared in constant time). */
export function linkMatches(
  token: TokenRecord,
  fileId: string,
  expiresAt: number,
  signature: Buffer,
): boolean {
  const expected = mac(token, fileId, Math.floor(expiresAt / 1000));
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

const mac = (token: TokenRecord, fileId: string, expiry: number): Buffer =>
  createHmac('sha256', Buffer.from(token.hash, 'hex'))
    .update(`depot-download-link\n${fileId}\n${expiry}`)
    .digest();
