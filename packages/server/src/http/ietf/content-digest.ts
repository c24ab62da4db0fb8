import { type Checksum, type ChecksumAlgorithm, digestLength } from '../../core/checksum.js';
import { errors } from '../../core/errors.js';

/** RFC 9530 algorithm names → the core's checksum algorithms, strongest first. */
const BY_NAME: ReadonlyArray<[string, ChecksumAlgorithm]> = [
  ['sha-256', 'sha256'],
  ['sha', 'sha1'],
  ['md5', 'md5'],
];

/**
 * `Content-Digest: sha-256=:BASE64:` (RFC 9530, a structured-field dictionary of byte sequences)
 * → the checksum of the request's body, checked by the same code as tus's Upload-Checksum. With
 * several digests the strongest supported one is used. A digest in none of the supported
 * algorithms is refused (400) rather than ignored: a client that asks for integrity should not
 * get an unchecked write.
 */
export function parseContentDigest(header: string | undefined): Checksum | undefined {
  if (header === undefined) return undefined;
  const members = new Map<string, string>();
  for (const part of header.split(',')) {
    const m = /^\s*([a-z][a-z0-9_.*-]*)=:([A-Za-z0-9+/]*={0,2}):\s*$/.exec(part);
    if (!m) throw errors.invalidHeader('Content-Digest must be ALGORITHM=:BASE64:, … (RFC 9530)');
    members.set(m[1] as string, m[2] as string);
  }
  for (const [name, algorithm] of BY_NAME) {
    const value = members.get(name);
    if (value === undefined) continue;
    const digest = Buffer.from(value, 'base64');
    const size = digestLength(algorithm);
    if (digest.length !== size)
      throw errors.invalidHeader(`Content-Digest: a ${name} digest is ${size} bytes`);
    return { algorithm, digest };
  }
  throw errors.unsupportedChecksum(
    `Content-Digest names no supported algorithm; use one of ${BY_NAME.map(([n]) => n).join(', ')}`,
  );
}
