import type { CellValue, RowBatch } from '../ports/dataset-repository.js';

const TAB = 9;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The slice of Buffer's codecs used here; long-standing methods @types/node does not declare. */
interface CodecBuffer {
  latin1Write(s: string, offset: number): number;
  utf8Write(s: string, offset: number): number;
}

/**
 * Builds a RowBatch (ports/dataset-repository.ts) in one growing buffer, a field at a time, from
 * bytes (csv-import's validated CSV fields, copied without a JavaScript value per cell) or from
 * values. A row is `startRow`, one call per column, then `endRow`; `dropRow` takes back a row
 * that turned out bad half-way. A field method writes the TAB before the value.
 */
export class RowBatchWriter {
  #buf: Buffer;
  #at = 0;
  #rowStart = 0;
  #count = 0;

  constructor(sizeHint = 1 << 16) {
    this.#buf = Buffer.allocUnsafe(sizeHint);
  }

  /** Rows ended so far. */
  get count(): number {
    return this.#count;
  }

  /** The rows written so far as a batch; the writer starts over with a fresh buffer of the same size. */
  take(): RowBatch {
    const batch = { count: this.#count, text: this.#buf.subarray(0, this.#at) };
    this.#buf = Buffer.allocUnsafe(this.#buf.length);
    this.#at = 0;
    this.#rowStart = 0;
    this.#count = 0;
    return batch;
  }

  startRow(pos: number): void {
    this.#room(24);
    this.#rowStart = this.#at;
    // the digits of a safe integer, last first (no string per row)
    let digits = 1;
    for (let v = pos; v >= 10; v = Math.floor(v / 10)) digits++;
    const buf = this.#buf;
    let v = pos;
    for (let i = this.#at + digits - 1; i >= this.#at; i--) {
      buf[i] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.#at += digits;
  }

  endRow(): void {
    this.#room(1);
    this.#buf[this.#at++] = LF;
    this.#count++;
  }

  dropRow(): void {
    this.#at = this.#rowStart;
  }

  null(): void {
    this.#room(3);
    const buf = this.#buf;
    buf[this.#at] = TAB;
    buf[this.#at + 1] = BACKSLASH;
    buf[this.#at + 2] = 78; // N
    this.#at += 3;
  }

  boolean(b: boolean): void {
    this.#room(2);
    this.#buf[this.#at] = TAB;
    this.#buf[this.#at + 1] = b ? 116 : 102; // t, f
    this.#at += 2;
  }

  /** Bytes that need no escape (digits, signs, dates: checked by the caller), as they are. */
  plain(src: Buffer, start: number, end: number): void {
    this.#room(1 + end - start);
    const buf = this.#buf;
    let at = this.#at;
    buf[at++] = TAB;
    for (let i = start; i < end; i++) buf[at++] = src[i]!;
    this.#at = at;
  }

  /**
   * UTF-8 text bytes, escaped; false (nothing written) if they hold a NUL, which Postgres text
   * cannot store. ASCII is copied byte by byte; a field with other bytes is decoded and written
   * again, so an invalid sequence becomes U+FFFD (as decoding it always did) and never reaches
   * Postgres, which would refuse the whole batch.
   */
  text(src: Buffer, start: number, end: number): boolean {
    this.#room(1 + 2 * (end - start));
    const buf = this.#buf;
    let at = this.#at;
    buf[at++] = TAB;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (c > CR && c !== BACKSLASH) {
        if (c > 127) return this.string(src.toString('utf8', start, end));
        buf[at++] = c;
      } else if (c === 0) return false;
      else if (c === TAB || c === LF || c === CR || c === BACKSLASH) {
        buf[at++] = BACKSLASH;
        buf[at++] = c === TAB ? 116 : c === LF ? 110 : c === CR ? 114 : BACKSLASH; // t n r \
      } else buf[at++] = c;
    }
    this.#at = at;
    return true;
  }

  /** A string, escaped; false (nothing written) if it holds a NUL. */
  string(s: string): boolean {
    if (s.includes('\0')) return false;
    const escaped = SPECIAL.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : s;
    const buf = this.#room(1 + 3 * escaped.length);
    buf[this.#at++] = TAB;
    this.#at += (buf as unknown as CodecBuffer).utf8Write(escaped, this.#at);
    return true;
  }

  /** A finite number in JavaScript's shortest round-trip form, which float8 and bigint read exactly. */
  number(n: number): void {
    const buf = this.#room(25);
    buf[this.#at++] = TAB;
    this.#at += (buf as unknown as CodecBuffer).latin1Write(String(n), this.#at);
  }

  /** Room for `n` more bytes; the buffer (grown if need be). */
  #room(n: number): Buffer {
    if (this.#at + n > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
      this.#buf.copy(bigger, 0, 0, this.#at);
      this.#buf = bigger;
    }
    return this.#buf;
  }
}

/**
 * Rows of values (validated: numbers finite, integers safe, strings without NUL) as a batch, the
 * first at position `firstPos`, then one more per row.
 */
export function encodeRows(rows: readonly (readonly CellValue[])[], firstPos: number): RowBatch {
  const out = new RowBatchWriter();
  let pos = firstPos;
  for (const row of rows) {
    out.startRow(pos++);
    for (const v of row) {
      if (v === null) out.null();
      else if (typeof v === 'boolean') out.boolean(v);
      else if (typeof v === 'number') out.number(v);
      else if (!out.string(v)) throw new Error('a string with a NUL character cannot be staged');
    }
    out.endRow();
  }
  return out.take();
}
