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
export class Spool {
  readonly #file: string;
  readonly #fh: FileHandle;
  #length = 0;

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
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.#fh.write(chunk, done, chunk.length - done, this.#length + done);
      done += bytesWritten;
    }
    this.#length += chunk.length;
  }

  /** Everything spooled, as a stream (the file stays until {@link remove}). */
  stream(): Readable {
    return createReadStream(this.#file, { start: 0, end: Math.max(0, this.#length - 1) });
  }

  async remove(): Promise<void> {
    await this.#fh.close().catch(() => {});
    await unlink(this.#file).catch(() => {});
  }
}
