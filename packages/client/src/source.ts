import type { Chunk } from './tus-requests.js';

/**
 * What an upload reads from. Random-access sources (bytes, Blob, a file) read any range; a
 * stream source only moves forward, keeping the bytes not yet confirmed by the server.
 */
export interface UploadSource {
  /** bytes in total; undefined until a stream has ended */
  readonly size: number | undefined;
  /** a name for Upload-Metadata (`filename`), when the source has one */
  readonly name?: string;
  /** a media type for Upload-Metadata (`filetype`) */
  readonly type?: string;
  /** identifies the same content across processes (with the server URL) for resuming; none = no resume */
  readonly fingerprint?: string;
  /** forward-only (a stream): reading ahead would drop bytes a retry may need */
  readonly sequential?: boolean;
  /** Bytes [start, end), fewer only at the end of the source. */
  read(start: number, end: number): Promise<Uint8Array>;
  /**
   * Like `read`, and with `sha256` the bytes' sha256 too, done off the caller's thread where the
   * platform can (Node: a large file is read and hashed on a worker thread). Optional.
   */
  readChunk?(start: number, end: number, sha256: boolean): Promise<Chunk>;
  close(): Promise<void>;
}

export function bytesSource(bytes: Uint8Array): UploadSource {
  return {
    size: bytes.byteLength,
    read: async (start, end) => bytes.subarray(start, Math.min(end, bytes.byteLength)),
    close: async () => {},
  };
}

/** A Blob or File; a File is resumable across page loads by name, size and mtime. */
export function blobSource(blob: Blob): UploadSource {
  const file = blob as Blob & { name?: string; lastModified?: number };
  return {
    size: blob.size,
    name: file.name,
    type: blob.type || undefined,
    fingerprint:
      file.name !== undefined ? `file:${file.name}:${blob.size}:${file.lastModified ?? 0}` : undefined,
    read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
    close: async () => {},
  };
}

/** A view of `[offset, offset + size)` of another source, for one part of a parallel upload. */
export function sliceSource(source: UploadSource, offset: number, size: number): UploadSource {
  const { readChunk } = source;
  return {
    size,
    read: (start, end) => source.read(offset + start, offset + Math.min(end, size)),
    ...(readChunk
      ? {
          readChunk: (start: number, end: number, sha256: boolean) =>
            readChunk.call(source, offset + start, offset + Math.min(end, size), sha256),
        }
      : {}),
    close: async () => {},
  };
}
