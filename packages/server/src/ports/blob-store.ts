import type { Readable } from 'node:stream';

/** Options of {@link BlobStore.write}. */
export interface WriteOptions {
  /** Never write more than this many bytes; the rest of the source is left unread. */
  readonly limit: number;
  /** Stop reading (keeping what was written) when this aborts. */
  readonly signal?: AbortSignal;
  /**
   * Called after every `checkpointBytes` of durable progress with the total bytes made durable
   * by this write so far, so the caller can publish the offset during a long request.
   */
  readonly onCheckpoint?: (durableBytes: number) => Promise<void>;
  readonly checkpointBytes?: number;
}

/** Outcome of a write: how far it got and why it stopped. */
export interface WriteResult {
  /** bytes written and durable (fsync'd or acknowledged by the object store) */
  readonly bytes: number;
  /** the source failed (client went away) or the signal aborted; `bytes` are still durable */
  readonly interrupted?: unknown;
}

/**
 * Where upload bytes live. A blob is written front to back, in writes that each start where the
 * last durable byte ends; the core keeps the offsets.
 *
 * Adapters throw {@link BlobNotFoundError} and {@link StorageFullError}; every other failure is an
 * ordinary error (a 500). They never word errors for clients.
 */
export interface BlobStore {
  /**
   * Creates an empty blob. `expectedSize` (the upload's length, or the upload limit while the
   * length is deferred) lets a store plan its layout (S3 part sizes); it is a hint, not a limit.
   */
  create(id: string, expectedSize?: number): Promise<void>;
  /**
   * Writes the bytes of `source` at `offset` (any bytes already stored past `offset` are
   * replaced), and makes them durable before resolving. A write at offset 0 creates the blob if
   * it is missing (durably, like create); at any other offset a missing blob is an error. A failing `source` is not an error: the
   * bytes received before the failure are kept and reported with `interrupted` set.
   */
  write(id: string, offset: number, source: Readable, options: WriteOptions): Promise<WriteResult>;
  /**
   * Discards everything past `size` bytes (a chunk that failed its checksum, or bytes never
   * committed). The core only ever cuts back to its committed offset or to the start of the
   * write that made the bytes; an append-only store (S3) guarantees no more than that.
   */
  truncate(id: string, size: number): Promise<void>;
  /** Reads bytes `start` to `end` inclusive (the whole blob when omitted). */
  read(id: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Current stored size, or undefined if there is no such blob. */
  size(id: string): Promise<number | undefined>;
  /** Removes the blob and frees its space. Removing a missing blob is not an error. */
  remove(id: string): Promise<void>;
}

/** Optional capability: join finished blobs into a new one, faster than a read and a write each. */
export interface Concatenator {
  /**
   * `onBytes`, if given, sees the joined bytes in order when they pass through this process (a
   * local copy), so the caller can hash them on the way instead of reading the result again; a
   * store that joins them elsewhere (S3 copies on the server side) never calls it. The bytes are
   * the store's to reuse once the call returns; a returned promise is awaited before going on.
   */
  concat(
    target: string,
    parts: readonly string[],
    onBytes?: (bytes: Uint8Array) => void | Promise<void>,
  ): Promise<void>;
}

/**
 * Optional capability: a store that stages unfinished blobs (S3: a multipart upload and a tail
 * object) makes the blob whole and cheaply readable here. Called once an upload has all its
 * bytes, before it is read; stores without staging (a local file is whole at every write) omit it.
 * Reading an unsealed blob still works; it only costs the sealing then.
 */
export interface Sealer {
  seal(id: string): Promise<void>;
}

/** The blob store and the capabilities it offers, as assembled by compose.ts. */
export interface Storage {
  readonly blobs: BlobStore;
  readonly concat?: Concatenator;
  readonly seal?: Sealer;
  /** Checks that the store answers (for /readyz). */
  ping(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError';
  constructor(readonly id: string) {
    super(`no blob ${id}`);
  }
}

export class StorageFullError extends Error {
  override name = 'StorageFullError';
  constructor(cause?: unknown) {
    super('storage is full', { cause });
  }
}
