import { Transform, type TransformCallback } from 'node:stream';
import { type HashSink, OffThreadHash } from './offthread-hash.js';

/**
 * Sits between a request body and the blob store: passes at most `limit` bytes, notes whether
 * the client sent more (`overflow`), hashes what it passed (for Upload-Checksum), and records when
 * bytes last arrived, so a request that asked for the lock can tell a stalled holder from a busy one.
 */
export class UploadGuard extends Transform {
  passed = 0;
  overflow = false;
  lastActivity = Date.now();
  readonly #limit: number;
  /** every hash of the chunk, fed from one copy of its bytes */
  readonly #hashes: HashSink | undefined;

  constructor(limit: number, hashes: readonly OffThreadHash[] = []) {
    // The writable side is above one socket read (64 KiB): a chunk must not fill it, or pipe()
    // pauses the request after every chunk and waits for 'drain' (measured: a 1 GiB PATCH took
    // ~1.6x as long). The readable side is small: the blob store's write loop does the reading
    // ahead, within a memory budget shared by all uploads, and whatever sits here is held by
    // every upload on top of that.
    super({ writableHighWaterMark: 128 * 1024, readableHighWaterMark: 16 * 1024 });
    this.#limit = limit;
    this.#hashes = hashes.length > 0 ? OffThreadHash.feed(hashes) : undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.lastActivity = Date.now();
    if (this.overflow) {
      done();
      return;
    }
    const room = this.#limit - this.passed;
    let part = chunk;
    if (chunk.length > room) {
      this.overflow = true;
      part = chunk.subarray(0, room);
    }
    if (part.length > 0) {
      this.passed += part.length;
      this.#hashes?.update(part);
      this.push(part);
    }
    if (this.overflow) {
      // Nothing past the length is ever written: end the output now; the rest of the body is ignored.
      this.push(null);
    }
    // The hashing thread is far behind (many uploads at once): take no more bytes until it catches up.
    const backlog = this.#hashes ? OffThreadHash.backlog() : undefined;
    if (backlog) backlog.then(() => done(), done);
    else done();
  }
}
