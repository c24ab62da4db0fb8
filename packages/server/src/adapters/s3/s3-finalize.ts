import { Readable } from 'node:stream';
import type { BlobContext } from './blob-context.js';
import { blobSize, type Manifest, type OpenManifest, saveManifest, tailKey } from './manifest.js';

/**
 * Makes an open blob one plain object at its key, readable with (ranged) GETs: the multipart
 * upload is completed with the tail copied in as its last part (a last part may be small), or,
 * for a blob that never reached a whole part, the tail is put as the object. Then the tail
 * objects go. A crash between completing and recording it is recognised on the next try.
 */
export async function finalize(blob: BlobContext, m: OpenManifest): Promise<Manifest> {
  const { s3, key } = blob;
  const size = blobSize(m);
  if (m.uploadId === null) {
    const body = m.tail > 0 ? await blob.tail(m)() : Readable.from([]);
    if (!body) throw new Error(`the tail of ${key} is missing`);
    await s3.put(key, body, m.tail);
  } else {
    const parts = [...m.parts];
    if (m.tail > 0) {
      const from = tailKey(key, m.parts.length);
      parts.push(await s3.copyPart(key, m.uploadId, parts.length + 1, from, 0, m.tail - 1));
    }
    try {
      await s3.completeMultipart(key, m.uploadId, parts);
    } catch (err) {
      // Completed by an earlier attempt that died before saving the manifest?
      if ((await s3.size(key)) !== size) throw err;
    }
  }
  const done: Manifest = { state: 'complete', size, expectedSize: m.expectedSize };
  await saveManifest(s3, key, done);
  for (const k of m.tails) await s3.delete(tailKey(key, k));
  return done;
}
