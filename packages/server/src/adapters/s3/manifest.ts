import type { S3Objects, UploadedPart } from './s3-objects.js';

/**
 * What a blob is made of, kept as a small JSON object beside it (`<key>.manifest`) and rewritten
 * by the one writer that holds the upload's lock. An unfinished blob is the parts of a multipart
 * upload, in order, followed by the first `tail` bytes of the tail object of that part count
 * (`<key>.tail.<parts.length>`): bytes not yet a whole part. The manifest, not ListParts, says
 * which parts count, so a part uploaded by a request that died before recording it is ignored
 * (and overwritten later), and truncating back to an older length is only a manifest change as
 * long as the tail object of that part count still holds the bytes (see S3BlobStore.truncate).
 * A finished blob is one plain object at `<key>`.
 */
export type Manifest =
  | {
      readonly state: 'open';
      /** the size the upload expects (its length, or the upload limit), which fixes part sizes */
      readonly expectedSize: number | null;
      /** null until the first part is cut: small blobs never start a multipart upload */
      readonly uploadId: string | null;
      readonly parts: readonly UploadedPart[];
      readonly tail: number;
      /** part counts whose tail objects exist (removed when no truncation can reach them) */
      readonly tails: readonly number[];
    }
  | { readonly state: 'complete'; readonly size: number; readonly expectedSize: number | null };

export type OpenManifest = Extract<Manifest, { state: 'open' }>;

export const emptyManifest = (expectedSize: number | null): OpenManifest => ({
  state: 'open',
  expectedSize,
  uploadId: null,
  parts: [],
  tail: 0,
  tails: [],
});

export const manifestKey = (key: string) => `${key}.manifest`;
export const tailKey = (key: string, partCount: number) => `${key}.tail.${partCount}`;

export const partsBytes = (m: OpenManifest): number => m.parts.reduce((sum, p) => sum + p.size, 0);

export const blobSize = (m: Manifest): number => (m.state === 'complete' ? m.size : partsBytes(m) + m.tail);

export async function loadManifest(s3: S3Objects, key: string): Promise<Manifest | undefined> {
  const text = await s3.getText(manifestKey(key));
  return text === undefined ? undefined : (JSON.parse(text) as Manifest);
}

export async function saveManifest(s3: S3Objects, key: string, m: Manifest): Promise<void> {
  const body = JSON.stringify(m);
  await s3.put(manifestKey(key), body, Buffer.byteLength(body));
}
