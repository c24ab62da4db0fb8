import { createHash } from 'node:crypto';
import type { UploadRecord } from '../ports/metadata-store.js';
import type { UploadDeps } from './upload-deps.js';

/**
 * The last step of every upload that finishes (by PATCH, by a deferred length, or by
 * concatenation): record its sha256 and announce it. The digest comes from the running hash when
 * this process saw every byte, else from one read of the file.
 */
export async function sealUpload(deps: UploadDeps, upload: UploadRecord): Promise<UploadRecord> {
  await deps.storage.seal?.seal(upload.id);
  let sha256 = upload.sha256;
  if (sha256 === null) {
    const running = deps.digests.take(upload.id, upload.length ?? upload.offset);
    if (running) {
      sha256 = (await running.digest()).toString('hex');
    } else {
      const hash = createHash('sha256');
      for await (const chunk of await deps.storage.blobs.read(upload.id)) hash.update(chunk as Buffer);
      sha256 = hash.digest('hex');
    }
    await deps.store.uploads.update(upload.id, { sha256 });
  }
  const sealed = { ...upload, sha256 };
  deps.events.emit('upload.finished', sealed);
  return sealed;
}
