import { Readable } from 'node:stream';
import { type HashSink, OffThreadHash } from './offthread-hash.js';

/**
 * Sits between a request body and the blob store: passes at most `limit` bytes, notes whether
 * the client sent more (`overflow`), hashes what it passed (for Upload-Checksum), and records when
 * bytes last arrived, so a request that asked for the lock can tell a stalled holder from a busy one.
 *
 * It reads the body itself rather than being piped into: a body chunk is handed on as it arrives
 * and the body is paused as soon as the reader is not keen, so a paused upload holds at most one
 * socket read here; the rest waits in the socket. (As a Transform piped into, it held up to three
 * 64 KiB reads per paused upload: 19 MiB with 100 uploads waiting on the write budget.)
 */
export class UploadGuard extends Readable {
  passed = 0;
  overflow = false;
  lastActivity = Date.now();
  readonly #body: Readable;
  readonly #limit: number;
  /** every hash of the chunk, fed from one copy of its bytes */
  readonly #hashes: HashSink | undefined;
  /** the reader asked for more (`_read`) since a push was refused */
  #wanted = false;
  /** waiting for the hashing thread to catch up */
  #throttled = false;

  constructor(body: Readable, limit: number, hashes: readonly OffThreadHash[] = []) {
    super({ highWaterMark: 16 * 1024 });
    this.#body = body;
    this.#limit = limit;
    this.#hashes = hashes.length > 0 ? OffThreadHash.feed(hashes) : undefined;
    body.on('data', this.#onData);
    body.once('end', this.#onEnd);
    // Nothing is read until the reader asks for it.
    body.pause();
    if (body.readableEnded) this.push(null);
  }

  override _read(): void {
    this.#wanted = true;
    if (!this.#throttled) this.#body.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#body.off('data', this.#onData);
    this.#body.off('end', this.#onEnd);
    callback(err);
  }

  readonly #onEnd = (): void => {
    if (!this.overflow) this.push(null);
  };

  readonly #onData = (chunk: Buffer | string): void => {
    this.lastActivity = Date.now();
    // Past the length: the rest of the body is read and dropped (nothing past it is ever written).
    if (this.overflow) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.#limit - this.passed;
    let part = data;
    if (data.length > room) {
      this.overflow = true;
      part = data.subarray(0, room);
    }
    if (part.length > 0) {
      this.passed += part.length;
      this.#hashes?.update(part);
      if (!this.push(part)) this.#wanted = false;
    }
    if (this.overflow) {
      this.push(null);
      return;
    }
    // The hashing thread is far behind (many uploads at once): take no more bytes until it catches up.
    const backlog = this.#hashes ? OffThreadHash.backlog() : undefined;
    if (backlog) {
      this.#throttled = true;
      this.#body.pause();
      void backlog.then(() => {
        this.#throttled = false;
        if (this.#wanted && !this.destroyed) this.#body.resume();
      });
    } else if (!this.#wanted) {
      this.#body.pause();
    }
  };
}
