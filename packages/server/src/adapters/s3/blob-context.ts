import type { Readable } from 'node:stream';
import { type OpenManifest, saveManifest, tailKey } from './manifest.js';
import type { S3Objects } from './s3-objects.js';

/** One blob being worked on by the lock holder: where its objects are, and shared steps. */
export class BlobContext {
  constructor(
    readonly s3: S3Objects,
    readonly id: string,
    readonly key: string,
  ) {}

  save(m: OpenManifest): Promise<void> {
    return saveManifest(this.s3, this.key, m);
  }

  /** The multipart upload of `m`, started on first need. */
  async uploadId(m: OpenManifest): Promise<[string, OpenManifest]> {
    if (m.uploadId !== null) return [m.uploadId, m];
    const uploadId = await this.s3.startMultipart(this.key);
    return [uploadId, { ...m, uploadId }];
  }

  /** The tail's bytes (the first `m.tail` bytes of its object); only called when `m.tail > 0`. */
  tail(m: OpenManifest): () => Promise<Readable | undefined> {
    return () => this.s3.get(tailKey(this.key, m.parts.length), { start: 0, end: m.tail - 1 });
  }

  /** Deletes the tail objects that no truncation can reach any more (those before `keepFrom` parts). */
  async dropTails(m: OpenManifest, keepFrom: number): Promise<OpenManifest> {
    const old = m.tails.filter((k) => k < keepFrom);
    if (old.length === 0) return m;
    for (const k of old) await this.s3.delete(tailKey(this.key, k));
    return { ...m, tails: m.tails.filter((k) => k >= keepFrom) };
  }
}
