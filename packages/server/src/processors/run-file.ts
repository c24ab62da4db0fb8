import { type FileHandle, open } from 'node:fs/promises';
import { latin1Slice, latin1Write } from './latin1.js';
import type { GroupCursor, GroupSink } from './run-merge.js';
import type { Sum } from './sum.js';

/**
 * A spilled run: groups in key order, each as
 *   u32 key length | u8 kind | key (latin1 bytes) | value
 * where kind 0 is a float64 sum (exact, < 2^53) and kind 1 a u8 length plus decimal digits (bigint).
 * Binary, because a song may hold commas, quotes and line breaks that a text format would escape.
 */
const HEAD = 5;
const BUFFER_BYTES = 1 << 20;

export class RunWriter implements GroupSink {
  private buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private o = 0;

  private constructor(private readonly fh: FileHandle) {}

  static async create(path: string): Promise<RunWriter> {
    return new RunWriter(await open(path, 'w'));
  }

  push(key: string, sum: Sum): boolean {
    const digits = typeof sum === 'bigint' ? sum.toString() : '';
    const need = HEAD + key.length + (digits ? 1 + digits.length : 8);
    if (this.o + need > this.buf.length) {
      // Only a key longer than the whole buffer gets here (push asks for a flush well before).
      const grown = Buffer.allocUnsafe(this.o + need);
      this.buf.copy(grown, 0, 0, this.o);
      this.buf = grown;
    }
    const buf = this.buf;
    let o = this.o;
    buf.writeUInt32LE(key.length, o);
    buf[o + 4] = digits ? 1 : 0;
    o += HEAD;
    o += latin1Write(buf, key, o);
    if (digits) {
      buf[o++] = digits.length;
      o += latin1Write(buf, digits, o);
    } else {
      buf.writeDoubleLE(sum as number, o);
      o += 8;
    }
    this.o = o;
    return o > buf.length - 4096;
  }

  async flush(): Promise<void> {
    let at = 0;
    while (at < this.o) at += (await this.fh.write(this.buf, at, this.o - at)).bytesWritten;
    this.o = 0;
  }

  /** Flushes and closes; the file is complete once this resolves (and on disk, with `sync`). */
  async close(sync = false): Promise<void> {
    try {
      await this.flush();
      if (sync) await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }
}

/** Writes a sorted cursor to a new run file (synced to disk with `sync`, for a checkpoint). */
export async function writeRun(
  path: string,
  groups: GroupCursor,
  signal: AbortSignal,
  sync = false,
): Promise<void> {
  const w = await RunWriter.create(path);
  let ok = false;
  try {
    for (;;) {
      let more = groups.next();
      if (typeof more !== 'boolean') more = await more;
      if (!more) break;
      if (w.push(groups.key, groups.sum)) {
        signal.throwIfAborted();
        await w.flush();
      }
    }
    ok = true;
  } finally {
    await groups.close();
    await w.close(ok && sync);
  }
}

/** Reads a run back, a buffer at a time. */
export class RunReader implements GroupCursor {
  key = '';
  sum: Sum = 0;
  private buf: Buffer;
  private start = 0;
  private end = 0;
  private eof = false;

  private constructor(
    private readonly fh: FileHandle,
    bufferBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  static async open(path: string, bufferBytes: number): Promise<RunReader> {
    return new RunReader(await open(path, 'r'), bufferBytes);
  }

  next(): boolean | Promise<boolean> {
    return this.decode() || this.refillAndDecode();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** Decodes the group at `start` if it is wholly buffered. */
  private decode(): boolean {
    const buf = this.buf;
    const at = this.start;
    if (this.end - at < HEAD) return false;
    const len = buf.readUInt32LE(at);
    const kind = buf[at + 4];
    const keyEnd = at + HEAD + len;
    let valueEnd: number;
    if (kind === 0) valueEnd = keyEnd + 8;
    else if (keyEnd < this.end) valueEnd = keyEnd + 1 + buf[keyEnd]!;
    else return false;
    if (valueEnd > this.end) return false;
    this.key = latin1Slice(buf, at + HEAD, keyEnd);
    this.sum = kind === 0 ? buf.readDoubleLE(keyEnd) : BigInt(latin1Slice(buf, keyEnd + 1, valueEnd));
    this.start = valueEnd;
    return true;
  }

  private async refillAndDecode(): Promise<boolean> {
    for (;;) {
      if (this.eof) {
        if (this.end > this.start) throw new Error('truncated spill run');
        return false;
      }
      // Keep the partial group, then fill the rest; grow if one group is larger than the buffer.
      const rest = this.end - this.start;
      if (rest === this.buf.length) {
        const grown = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(grown, 0, this.start, this.end);
        this.buf = grown;
      } else {
        this.buf.copy(this.buf, 0, this.start, this.end);
      }
      this.start = 0;
      this.end = rest;
      const { bytesRead } = await this.fh.read(this.buf, rest, this.buf.length - rest, null);
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
      if (this.decode()) return true;
    }
  }
}
