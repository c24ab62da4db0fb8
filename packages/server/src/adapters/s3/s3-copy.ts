import type { BlobContext } from './blob-context.js';
import { joined } from './joined.js';
import { type OpenManifest, tailKey } from './manifest.js';
import { MAX_PART, MIN_PART, partSize } from './part-plan.js';

/**
 * Appends bytes `0..length-1` of the object `from` to an open blob, inside the object store
 * wherever S3 allows it: whole parts are UploadPartCopy'd from the source. Only what cannot be a
 * part of its own (a piece under 5 MiB, or the bytes that top up a tail to a whole part) passes
 * through this process, at most about one part per source. Used to concatenate finished blobs
 * and to reopen a finished blob for writing. The caller saves the returned manifest.
 */
export async function appendObject(
  blob: BlobContext,
  start: OpenManifest,
  from: string,
  length: number,
): Promise<OpenManifest> {
  let m = start;
  let at = 0;
  while (at < length) {
    const left = length - at;
    const number = m.parts.length + 1;
    if (m.tail === 0 && left >= MIN_PART) {
      const [uploadId, withId] = await blob.uploadId(m);
      const size = Math.min(left, MAX_PART);
      const part = await blob.s3.copyPart(blob.key, uploadId, number, from, at, at + size - 1);
      m = { ...withId, parts: [...withId.parts, part] };
      at += size;
      continue;
    }
    const take = Math.min(left, Math.max(1, partSize(number, m.expectedSize) - m.tail));
    const range = { start: at, end: at + take - 1 };
    const pieces = m.tail > 0 ? [blob.tail(m)] : [];
    const body = joined([...pieces, () => blob.s3.get(from, range)]);
    if (m.tail + take >= MIN_PART) {
      const [uploadId, withId] = await blob.uploadId(m);
      const part = await blob.s3.uploadPart(blob.key, uploadId, number, body, m.tail + take);
      m = { ...withId, parts: [...withId.parts, part], tail: 0 };
    } else {
      const k = m.parts.length;
      await blob.s3.put(tailKey(blob.key, k), body, m.tail + take);
      m = { ...m, tail: m.tail + take, tails: m.tails.includes(k) ? m.tails : [...m.tails, k] };
    }
    at += take;
  }
  return m;
}
