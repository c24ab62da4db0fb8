import { mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  BlobNotFoundError,
  type BlobStore,
  type Concatenator,
  type Sealer,
  type Storage,
  type WriteOptions,
  type WriteResult,
} from '../ports/blob-store.js';
import { BlobContext } from './s3/blob-context.js';
import {
  blobSize,
  emptyManifest,
  loadManifest,
  type Manifest,
  manifestKey,
  type OpenManifest,
  partsBytes,
  tailKey,
} from './s3/manifest.js';
import { appendObject } from './s3/s3-copy.js';
import { finalize } from './s3/s3-finalize.js';
import { S3Objects, type S3Settings } from './s3/s3-objects.js';
import { appendToBlob } from './s3/s3-write.js';
import { SourcePuller } from './s3/source-puller.js';

/** Ids are made by the core; anything else never becomes a key. */
const ID = /^[0-9a-f]{32}$/;

/**
 * Blobs in an S3 bucket (or any S3-compatible store), for nodes that share nothing but the
 * network. An unfinished blob is a multipart upload plus a small tail object, described by a
 * manifest object (see manifest.ts); {@link seal} (or the first read) completes it into one
 * plain object, which ranged GETs then serve directly.
 *
 * S3 objects cannot be written in place or cut short, so `write` and `truncate` are shaped by
 * what Depot's core asks of them, and hold for every call it makes: a write appends at the end,
 * after cutting the blob back to its offset if it was longer; `truncate` goes back to any length
 * not below the start of the write that made the bytes (a chunk that failed its checksum, bytes
 * never committed), because a write never overwrites the tail object it started from. Going back
 * further, into parts recorded by an earlier write, throws: those bytes are in S3 only inside a
 * part, which cannot be read back before the upload completes. A finished blob is reopened
 * (server-side copies) when written or truncated again, which the core never does.
 */
export class S3BlobStore implements BlobStore, Concatenator, Sealer {
  readonly #s3: S3Objects;
  readonly #prefix: string;
  readonly #spoolDir: string;

  private constructor(s3: S3Objects, prefix: string, spoolDir: string) {
    this.#s3 = s3;
    this.#prefix = prefix;
    this.#spoolDir = spoolDir;
  }

  /** `spoolDir` holds the bytes of requests in flight until they make a whole part. */
  static async open(settings: S3Settings, spoolDir: string): Promise<S3BlobStore> {
    await mkdir(spoolDir, { recursive: true });
    return new S3BlobStore(new S3Objects(settings), settings.prefix, spoolDir);
  }

  async create(id: string, expectedSize?: number): Promise<void> {
    const blob = this.#blob(id);
    await blob.save(emptyManifest(expectedSize ?? null));
  }

  async write(id: string, offset: number, source: Readable, options: WriteOptions): Promise<WriteResult> {
    const blob = this.#blob(id);
    // Before any await: an abort during the requests below still keeps the bytes that arrived.
    const puller = new SourcePuller(source, options.limit, options.signal);
    let m: OpenManifest;
    try {
      m = await this.#openForWrite(blob, offset, options.limit);
      const size = blobSize(m);
      if (offset > size) throw new Error(`cannot write ${id} at ${offset}: it holds ${size} bytes`);
      // Bytes before the start of this write are committed: no truncation reaches their tails again.
      m = await blob.dropTails(m, m.parts.length);
    } catch (err) {
      puller.cancel(err);
      throw err;
    }
    const { result } = await appendToBlob(blob, m, offset, puller, options, this.#spoolDir);
    return result;
  }

  async truncate(id: string, size: number): Promise<void> {
    const blob = this.#blob(id);
    const m = await this.#load(blob);
    if (m.state === 'open') await this.#cut(blob, m, size);
    else if (size < m.size) await this.#reopen(blob, m, size);
  }

  async read(id: string, range?: { start: number; end: number }): Promise<Readable> {
    const blob = this.#blob(id);
    const m = await this.#load(blob);
    if (m.state === 'open') await finalize(blob, m);
    const body = await this.#s3.get(blob.key, range);
    if (!body) throw new BlobNotFoundError(id);
    return body;
  }

  async size(id: string): Promise<number | undefined> {
    if (!ID.test(id)) return undefined;
    const m = await loadManifest(this.#s3, this.#key(id));
    return m && blobSize(m);
  }

  async remove(id: string): Promise<void> {
    if (!ID.test(id)) return;
    const key = this.#key(id);
    const m = await loadManifest(this.#s3, key);
    if (m?.state === 'open') {
      if (m.uploadId) await this.#s3.abortMultipart(key, m.uploadId);
      for (const k of m.tails) await this.#s3.delete(tailKey(key, k));
    }
    await this.#s3.delete(key);
    await this.#s3.delete(manifestKey(key));
  }

  /** Completes the blob into one object: called once the upload has all its bytes. */
  async seal(id: string): Promise<void> {
    const blob = this.#blob(id);
    const m = await this.#load(blob);
    if (m.state === 'open') await finalize(blob, m);
  }

  /** Builds `target` from the parts with server-side copies (UploadPartCopy), replacing what it held. */
  async concat(target: string, parts: readonly string[]): Promise<void> {
    const sources: { key: string; size: number }[] = [];
    for (const id of parts) {
      const blob = this.#blob(id);
      let m = await this.#load(blob);
      if (m.state === 'open') m = await finalize(blob, m);
      sources.push({ key: blob.key, size: blobSize(m) });
    }
    const blob = this.#blob(target);
    await this.remove(target);
    let m = emptyManifest(sources.reduce((sum, s) => sum + s.size, 0));
    for (const s of sources) m = await appendObject(blob, m, s.key, s.size);
    await blob.save(m);
    await finalize(blob, m);
  }

  async ping(): Promise<void> {
    await this.#s3.ping();
  }

  close(): void {
    this.#s3.close();
  }

  /**
   * The blob as an open manifest of at most `size` bytes (reopening a finished one). A write at
   * offset 0 creates a missing blob (the port's promise); its limit is then the upload's whole
   * room, the same size hint `create` would have had.
   */
  async #openForWrite(blob: BlobContext, size: number, limit: number): Promise<OpenManifest> {
    const found = await loadManifest(this.#s3, blob.key);
    if (!found && size === 0) {
      const fresh = emptyManifest(limit < Number.MAX_SAFE_INTEGER ? limit : null);
      await blob.save(fresh);
      return fresh;
    }
    if (!found) throw new BlobNotFoundError(blob.id);
    const m = found;
    return m.state === 'complete' ? this.#reopen(blob, m, size) : this.#cut(blob, m, size);
  }

  async #reopen(blob: BlobContext, m: Manifest & { state: 'complete' }, size: number): Promise<OpenManifest> {
    let open = emptyManifest(m.expectedSize);
    open = await appendObject(blob, open, blob.key, Math.min(size, m.size));
    await blob.save(open);
    return open;
  }

  /** Cuts an open blob back to `size` bytes (no-op when it is not longer). */
  async #cut(blob: BlobContext, m: OpenManifest, size: number): Promise<OpenManifest> {
    const base = partsBytes(m);
    if (size >= base + m.tail) return m;
    if (size >= base) {
      const next = { ...m, tail: size - base };
      await blob.save(next);
      return next;
    }
    let k = 0;
    let at = 0;
    while (at + m.parts[k]!.size <= size) at += m.parts[k++]!.size;
    const tail = size - at;
    const held = tail > 0 && m.tails.includes(k) ? await this.#s3.size(tailKey(blob.key, k)) : 0;
    if ((held ?? 0) < tail) {
      throw new Error(`cannot cut ${blob.key} back to ${size} bytes: they are inside an uploaded part`);
    }
    const next = { ...m, parts: m.parts.slice(0, k), tail };
    await blob.save(next);
    return next;
  }

  async #load(blob: BlobContext): Promise<Manifest> {
    const m = await loadManifest(this.#s3, blob.key);
    if (!m) throw new BlobNotFoundError(blob.id);
    return m;
  }

  #blob(id: string): BlobContext {
    if (!ID.test(id)) throw new BlobNotFoundError(id);
    return new BlobContext(this.#s3, id, this.#key(id));
  }

  #key(id: string): string {
    return this.#prefix ? `${this.#prefix}/${id}` : id;
  }
}

/** The blob store and the capabilities an S3 bucket offers. */
export function s3Storage(store: S3BlobStore): Storage {
  return { blobs: store, concat: store, seal: store, ping: () => store.ping() };
}
