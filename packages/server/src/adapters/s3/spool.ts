import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Bytes of a request waiting to become (part of) an S3 part, in a local temporary file: a part
 * is several MiB and many uploads run at once, so parts are never held in memory. A spool only
 * outlives its request as garbage; the durable copy of any bytes is in S3.
 */
/**
 * Chunks are gathered up to this much before one writev, and read back this much at a time: a
 * request body arrives in 16–64 KiB chunks, and a syscall (a thread-pool round trip) per chunk
 * was most of this process's CPU time in an S3 upload.
 */
const BATCH = 2 ** 20;

export class Spool {
  readonly #file: string;
  readonly #fh: FileHandle;
  #length = 0;
  #written = 0;
  #pending: Buffer[] = [];

  private constructor(file: string, fh: FileHandle) {
    this.#file = file;
    this.#fh = fh;
  }

  static async create(dir: string): Promise<Spool> {
    const file = path.join(dir, `spool-${randomUUID()}`);
    return new Spool(file, await open(file, 'w+'));
  }

  get length(): number {
    return this.#length;
  }

  async append(chunk: Buffer): Promise<void> {
    this.#pending.push(chunk);
    this.#length += chunk.length;
    if (this.#length - this.#written >= BATCH) await this.flush();
  }

  /** Writes what is gathered; {@link stream} reads the file, so call this first. */
  async flush(): Promise<void> {
    let buffers = this.#pending;
    this.#pending = [];
    while (buffers.length > 0) {
      let { bytesWritten } = await this.#fh.writev(buffers, this.#written);
      this.#written += bytesWritten;
      while (buffers.length > 0 && bytesWritten >= buffers[0]!.length) {
        bytesWritten -= buffers[0]!.length;
        buffers = buffers.slice(1);
      }
      if (bytesWritten > 0) buffers[0] = buffers[0]!.subarray(bytesWritten);
    }
  }

  /** Everything spooled and flushed, as a stream (the file stays until {@link remove}). */
  stream(): Readable {
    return createReadStream(this.#file, {
      start: 0,
      end: Math.max(0, this.#written - 1),
      highWaterMark: BATCH,
    });
  }

  async remove(): Promise<void> {
    await this.#fh.close().catch(() => {});
    await unlink(this.#file).catch(() => {});
  }
}
