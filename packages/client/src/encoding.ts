// Base64 and SHA-256 with web APIs only (the browser entry may import nothing from node:).

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export const utf8Base64 = (s: string): string => toBase64(new TextEncoder().encode(s));

// (the casts to Uint8Array<ArrayBuffer>: our bytes never live in a SharedArrayBuffer)
/** SHA-256 of `bytes`, base64 (as Upload-Checksum wants it). WebCrypto hashes off the main thread in Node. */
export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  return toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}

/** `sha-256=:B64:` from a Repr-Digest header (RFC 9530), if present. */
export function reprSha256(header: string | null): string | undefined {
  return header ? /(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):/.exec(header)?.[1] : undefined;
}

/** tus Upload-Metadata: `key base64(value)` pairs. */
export function encodeMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => (v === '' ? k : `${k} ${utf8Base64(v)}`))
    .join(',');
}
