import { errors } from '../../core/errors.js';

const KEY = /^[!-+\--~]+$/; // printable ASCII without space and comma
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_HEADER = 8 * 1024;
const MAX_KEYS = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses `Upload-Metadata: key base64,key2,key3 base64` strictly: a malformed pair, bad base64,
 * a value that is not UTF-8, a repeated key or an oversized header is a 400, never a guess.
 */
export function parseUploadMetadata(header: string | undefined): Record<string, string | null> {
  const result: Record<string, string | null> = Object.create(null);
  if (header === undefined || header.trim() === '') return result;
  if (header.length > MAX_HEADER) throw errors.invalidMetadata(`Upload-Metadata is over ${MAX_HEADER} bytes`);
  const pairs = header.split(',');
  if (pairs.length > MAX_KEYS) throw errors.invalidMetadata(`Upload-Metadata has over ${MAX_KEYS} keys`);
  for (const raw of pairs) {
    const pair = raw.trim();
    const parts = pair.split(' ');
    const [key, value] = parts;
    if (parts.length > 2 || !key || !KEY.test(key)) {
      throw errors.invalidMetadata(`Upload-Metadata: "${pair.slice(0, 40)}" is not "key base64value"`);
    }
    if (Object.hasOwn(result, key)) throw errors.invalidMetadata(`Upload-Metadata: key ${key} is repeated`);
    if (value === undefined) {
      result[key] = null;
      continue;
    }
    if (!BASE64.test(value))
      throw errors.invalidMetadata(`Upload-Metadata: the value of ${key} is not base64`);
    try {
      result[key] = utf8.decode(Buffer.from(value, 'base64'));
    } catch {
      throw errors.invalidMetadata(`Upload-Metadata: the value of ${key} is not UTF-8 text`);
    }
  }
  return { ...result };
}

export function formatUploadMetadata(metadata: Readonly<Record<string, string | null>>): string {
  return Object.entries(metadata)
    .map(([k, v]) => (v === null ? k : `${k} ${Buffer.from(v, 'utf8').toString('base64')}`))
    .join(',');
}
