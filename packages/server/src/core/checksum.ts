import { createHash, type Hash } from 'node:crypto';
import { errors } from './errors.js';

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
  const m = /^([a-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (!m) throw errors.invalidHeader('Upload-Checksum must be "ALGORITHM BASE64DIGEST"');
  const algorithm = m[1] as string;
  if (!(algorithm in ALGORITHMS)) {
    throw errors.unsupportedChecksum(
      `checksum algorithm ${algorithm} is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}`,
    );
  }
  const digest = Buffer.from(m[2] as string, 'base64');
  const expected = createHash(algorithm).digest().length;
  if (digest.length !== expected) {
    throw errors.invalidHeader(`Upload-Checksum: a ${algorithm} digest is ${expected} bytes`);
  }
  return { algorithm: algorithm as ChecksumAlgorithm, digest };
}

export const createChecksumHash = (algorithm: ChecksumAlgorithm): Hash => createHash(ALGORITHMS[algorithm]);
