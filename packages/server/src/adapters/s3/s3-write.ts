import type { WriteOptions, WriteResult } from '../../ports/blob-store.js';
import type { BlobContext } from './blob-context.js';
import { joined } from './joined.js';
import { type OpenManifest, partsBytes, tailKey } from './manifest.js';
import { partSize } from './part-plan.js';
import type { SourcePuller } from './source-puller.js';
import { Spool } from './spool.js';

/**
 * Appends what `puller` yields to an open blob whose size is `offset`. Bytes are spooled to a local file;
 * each time the tail plus the spool make a whole part, that part is uploaded (tail object and
 * spool streamed as its body) while the next one spools, and the manifest records it; that is a
 * durable point, reported through `onCheckpoint`. When the source stops, what is left becomes the
 * new tail object. Returns the result and the blob's new manifest.
 */
export async function appendToBlob(
  blob: BlobContext,
  start: OpenManifest,
  offset: number,
  puller: SourcePuller,
  options: WriteOptions,
  spoolDir: string,
): Promise<{ result: WriteResult; manifest: OpenManifest }> {
  const every = options.checkpointBytes ?? 0;
  let m = start;
  let reported = 0;
  let uploading: Promise<void> | undefined;
  let spool = await Spool.create(spoolDir);
  const spools = [spool];
  // The part the spool is filling: its number and how many bytes it still wants.
  let number = m.parts.length + 1;
  let need = Math.max(1, partSize(number, m.expectedSize) - m.tail);

  const cut = async (full: Spool, partNumber: number) => {
    const [uploadId, withId] = await blob.uploadId(m);
    const pieces = m.tail > 0 ? [blob.tail(m)] : [];
    const body = joined([...pieces, async () => full.stream()]);
    const part = await blob.s3.uploadPart(blob.key, uploadId, partNumber, body, m.tail + full.length);
    m = { ...withId, parts: [...withId.parts, part], tail: 0 };
    await blob.save(m);
    await full.remove();
    const durable = partsBytes(m) - offset;
    if (options.onCheckpoint && durable - reported >= every) {
      reported = durable;
      await options.onCheckpoint(durable);
    }
  };

  try {
    for (let chunk = await puller.next(); chunk; chunk = await puller.next()) {
      while (chunk.length > 0) {
        const take = Math.min(chunk.length, need - spool.length);
        await spool.append(chunk.subarray(0, take));
        chunk = chunk.subarray(take);
        if (spool.length < need) continue;
        // One part in flight at a time: the next spools meanwhile.
        await uploading;
        uploading = cut(spool, number);
        // (a rejection is awaited above or below; this keeps it from being reported unhandled)
        uploading.catch(() => {});
        spool = await Spool.create(spoolDir);
        spools.push(spool);
        number += 1;
        need = partSize(number, m.expectedSize);
      }
    }
    await uploading;
    if (spool.length > 0) m = await saveTail(blob, m, spool);
  } finally {
    await Promise.allSettled([uploading]);
    for (const s of spools) await s.remove();
  }
  const stop = puller.stop;
  const bytes = partsBytes(m) + m.tail - offset;
  return {
    result: stop?.kind === 'interrupted' ? { bytes, interrupted: stop.reason } : { bytes },
    manifest: m,
  };
}

/** Writes tail + spool as the tail object of the current part count and records it. */
async function saveTail(blob: BlobContext, m: OpenManifest, spool: Spool): Promise<OpenManifest> {
  const k = m.parts.length;
  const pieces = m.tail > 0 ? [blob.tail(m)] : [];
  const body = joined([...pieces, async () => spool.stream()]);
  await blob.s3.put(tailKey(blob.key, k), body, m.tail + spool.length);
  const next = { ...m, tail: m.tail + spool.length, tails: m.tails.includes(k) ? m.tails : [...m.tails, k] };
  await blob.save(next);
  return next;
}
