import type { WriteOptions, WriteResult } from '../../ports/blob-store.js';
import type { BlobContext } from './blob-context.js';
import { joined } from './joined.js';
import { type OpenManifest, partsBytes, tailKey } from './manifest.js';
import { partSize } from './part-plan.js';
import type { UploadedPart } from './s3-objects.js';
import type { SourcePuller } from './source-puller.js';
import { Spool } from './spool.js';

/**
 * Parts uploaded at once by one write. A single PUT stream rarely fills the link to an object
 * store (each one waits on the store's own disk writes); several do, as @aws-sdk/lib-storage's
 * default of 4 shows. Each in-flight part is a spool file (one part long) on local disk, not memory.
 */
const PARTS_IN_FLIGHT = 4;

/**
 * Appends what `puller` yields to an open blob whose size is `offset`. Bytes are spooled to local
 * files; each time the tail plus a spool make a whole part, that part is uploaded (the tail object
 * and the spool streamed as its body) while the next ones spool. Parts are recorded in the
 * manifest in order as they complete, each a durable point reported through `onCheckpoint`. When
 * the source stops, what is left becomes the new tail object. Returns the result and the blob's
 * new manifest.
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
  // Only the first part of this write begins with the old tail.
  const firstNumber = start.parts.length + 1;
  const oldTail = start.tail > 0 ? { size: start.tail, open: blob.tail(start) } : undefined;
  let m = start;
  let reported = 0;
  // Parts being uploaded, oldest first; and the chain that records them in the manifest, in order.
  const uploading: Promise<UploadedPart>[] = [];
  let recording: Promise<void> = Promise.resolve();
  let recordError: { error: unknown } | undefined;
  let spool = await Spool.create(spoolDir);
  const spools = [spool];
  // The part the spool is filling: its number and how many bytes it still wants.
  let number = firstNumber;
  let need = Math.max(1, partSize(number, m.expectedSize) - m.tail);

  /** Records a part once it and every part before it are uploaded: each is a durable point. */
  const record = async (part: Promise<UploadedPart>, full: Spool) => {
    m = { ...m, parts: [...m.parts, await part], tail: 0 };
    await blob.save(m);
    await full.remove();
    const durable = partsBytes(m) - offset;
    if (options.onCheckpoint && durable - reported >= every) {
      reported = durable;
      await options.onCheckpoint(durable);
    }
  };

  const upload = async (full: Spool, partNumber: number) => {
    await full.flush();
    // Reading waits only for uploads, never for the recording (a manifest PUT, a commit).
    if (uploading.length >= PARTS_IN_FLIGHT) await uploading.shift();
    if (recordError) throw recordError.error;
    const [uploadId, withId] = await blob.uploadId(m);
    m = withId;
    const tail = partNumber === firstNumber ? oldTail : undefined;
    const body = joined([...(tail ? [tail.open] : []), async () => full.stream()]);
    const size = (tail?.size ?? 0) + full.length;
    const part = blob.s3.uploadPart(blob.key, uploadId, partNumber, body, size);
    // (awaited later, in order; this keeps an early failure from counting as unhandled)
    part.catch(() => {});
    uploading.push(part);
    recording = recording.then(() => record(part, full));
    recording.catch((error: unknown) => {
      recordError ??= { error };
    });
  };

  try {
    for (let chunk = await puller.next(); chunk; chunk = await puller.next()) {
      while (chunk.length > 0) {
        const take = Math.min(chunk.length, need - spool.length);
        await spool.append(chunk.subarray(0, take));
        chunk = chunk.subarray(take);
        if (spool.length < need) continue;
        await upload(spool, number);
        spool = await Spool.create(spoolDir);
        spools.push(spool);
        number += 1;
        need = partSize(number, m.expectedSize);
      }
    }
    await recording;
    if (spool.length > 0) m = await saveTail(blob, m, spool);
  } finally {
    await Promise.allSettled([recording, ...uploading]);
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
  await spool.flush();
  const k = m.parts.length;
  const pieces = m.tail > 0 ? [blob.tail(m)] : [];
  const body = joined([...pieces, async () => spool.stream()]);
  await blob.s3.put(tailKey(blob.key, k), body, m.tail + spool.length);
  const next = { ...m, tail: m.tail + spool.length, tails: m.tails.includes(k) ? m.tails : [...m.tails, k] };
  await blob.save(next);
  return next;
}
