import { createHash } from 'node:crypto';
import { errors } from './errors.js';
import { OffThreadHash } from './offthread-hash.js';

/** tus checksum algorithm names → Node hash names. sha1 is the one the spec requires. */
const ALGORITHMS = { sha1: 'sha1', sha256: 'sha256', md5: 'md5' } as const;

export type ChecksumAlgorithm = keyof typeof ALGORITHMS;

export const CHECKSUM_ALGORITHMS = Object.keys(ALGORITHMS) as ChecksumAlgorithm[];

/** A checksum a client sent for one chunk. */
export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly digest: Buffer;
}

/** Parses `Upload-Checksum: ALGO BASE64`. Unknown algorithm or malformed value → 400. */
export function parseChecksum(header: string): Checksum {
  const m = /^([A-Za-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (!m) throw errors.invalidHeader('Upload-Checksum must be "ALGORITHM BASE64DIGEST"');
  // names are compared without case (SHA1 is sha1); only the table's own keys count
  const algorithm = (m[1] as string).toLowerCase();
  if (!Object.hasOwn(ALGORITHMS, algorithm)) {
    throw errors.unsupportedChecksum(
      `checksum algorithm ${algorithm} is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}`,
    );
  }
  const digest = Buffer.from(m[2] as string, 'base64');
  const expected = digestLength(algorithm as ChecksumAlgorithm);
  if (digest.length !== expected) {
    throw errors.invalidHeader(`Upload-Checksum: a ${algorithm} digest is ${expected} bytes`);
  }
  return { algorithm: algorithm as ChecksumAlgorithm, digest };
}

/** Bytes in a digest of `algorithm`. */
export const digestLength = (algorithm: ChecksumAlgorithm): number =>
  createHash(ALGORITHMS[algorithm]).digest().length;

/** A hash of one chunk, for Upload-Checksum (or Content-Digest): hashed off the main thread when large. */
export const createChecksumHash = (algorithm: ChecksumAlgorithm, expected?: number): OffThreadHash =>
  new OffThreadHash(ALGORITHMS[algorithm], expected);
