import { ProcessorError } from './processor.js';

/**
 * A byte-level RFC 4180 parser over Buffers. It never decodes text itself: a record is handed out
 * as field byte ranges, so the caller decides which fields become strings (and in which encoding).
 * That keeps the common row at zero allocations here, which is what makes 2M rows/s possible where
 * a general CSV library (csv-parse) builds an array of strings per row (see bench/csv-report.ts).
 *
 * Accepted: fields quoted or not, `""` inside quotes, commas and line breaks inside quotes, LF or
 * CRLF line ends, a UTF-8 BOM at the start, no line end after the last record. Blank lines are
 * skipped. Not RFC 4180 but still read (and flagged in `malformed`, so the caller can reject the
 * row): a quote inside an unquoted field, text after a closing quote, an unterminated quote at EOF.
 */
export class CsvRecord {
  /** Bytes holding the field values: the input itself, or a scratch copy if the record had quotes. */
  buf: Buffer = Buffer.alloc(0);
  /** Number of fields; may exceed `starts.length`, only the first fields are located. */
  count = 0;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** 1-based line of the input where the record starts. */
  line = 0;
  /** Why the record is not well-formed RFC 4180, or '' if it is. */
  malformed = '';
  rawBuf: Buffer = this.buf;
  rawStart = 0;
  rawEnd = 0;

  constructor(maxFields: number) {
    this.starts = new Int32Array(maxFields);
    this.ends = new Int32Array(maxFields);
  }

  /** Field `i` as a one-byte-per-char string: bytes compare and round-trip exactly. */
  latin1(i: number): string {
    return this.buf.toString('latin1', this.starts[i], this.ends[i]);
  }

  /**
   * The record as written in the input (UTF-8 decoded, no line end), cut to `max` characters
   * (code points: a character outside the BMP is never cut in half).
   */
  raw(max: number): string {
    const s = this.rawBuf.toString('utf8', this.rawStart, Math.min(this.rawEnd, this.rawStart + 4 * max));
    if (s.length <= max) return s;
    let end = 0;
    for (let n = 0; n < max && end < s.length; n++) {
      const c = s.charCodeAt(end);
      end += c >= 0xd800 && c <= 0xdbff && end + 1 < s.length ? 2 : 1;
    }
    return s.slice(0, end);
  }
}

export interface CsvParserOptions {
  /** Fields located per record; records with more are still counted. */
  maxFields: number;
  /** A record longer than this fails the run (an unclosed quote would otherwise swallow the file). */
  maxRecordBytes: number;
  /** Called synchronously per record; the record object is reused, so copy what you keep. */
  onRecord(rec: CsvRecord): void;
  /** Resume mid-file: the input starts at this byte offset (a record boundary) and line. */
  from?: { offset: number; line: number };
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
/** Past this much carried-over data, wait for it to double before parsing again (linear, not quadratic). */
const RETRY_DOUBLING_FROM = 1 << 20;

export class CsvParser {
  /** Input bytes consumed up to the end of the last whole record (BOM and blank lines included). */
  bytesConsumed = 0;
  private readonly rec: CsvRecord;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private retryAt = 0;
  private bomChecked = false;
  private line = 1;
  private scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(private readonly opts: CsvParserOptions) {
    this.rec = new CsvRecord(opts.maxFields);
    if (opts.from) {
      this.bytesConsumed = opts.from.offset;
      this.line = opts.from.line;
      this.bomChecked = opts.from.offset > 0;
    }
  }

  /** The line the next record starts on: with `bytesConsumed`, where to resume. */
  get nextLine(): number {
    return this.line;
  }

  /** Parses every whole record in `chunk` (plus what was carried over); keeps the partial tail. */
  push(chunk: Buffer): void {
    if (this.pendingBytes === 0) {
      this.parse(chunk, false);
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes >= this.retryAt)
        this.parse(Buffer.concat(this.pending, this.pendingBytes), false);
      else this.checkRecordSize();
    }
  }

  /** End of input: the tail, if any, is the last record. */
  end(): void {
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.parse(data, true);
  }

  private parse(data: Buffer, final: boolean): void {
    let pos = 0;
    if (!this.bomChecked) {
      if (data.length < 3 && !final) {
        this.keep(data, 0);
        return;
      }
      this.bomChecked = true;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
    }
    pos = this.scan(data, pos, data.length, final);
    this.bytesConsumed += pos;
    this.keep(data, pos);
  }

  private keep(data: Buffer, pos: number): void {
    const rest = data.length - pos;
    this.pending = rest > 0 ? [data.subarray(pos)] : [];
    this.pendingBytes = rest;
    this.retryAt = rest >= RETRY_DOUBLING_FROM ? 2 * rest : 0;
    this.checkRecordSize();
  }

  private checkRecordSize(): void {
    if (this.pendingBytes > this.opts.maxRecordBytes) {
      throw new ProcessorError(
        'ERR_CSV_ROW_TOO_LONG',
        `the row at line ${this.line} is longer than ${this.opts.maxRecordBytes} bytes (an unclosed quote?)`,
      );
    }
  }

  /**
   * The fast path: unquoted records, located in place in one pass with no copies. One loop over all
   * the records (not a call per record) keeps the per-byte work to a compare or two.
   * Returns where the first incomplete record starts (`end` if none).
   */
  private scan(data: Buffer, pos: number, end: number, final: boolean): number {
    const { starts, ends } = this.rec;
    const cap = starts.length;
    let recStart = pos;
    let fieldStart = pos;
    let count = 0;
    let malformed = '';
    let i = pos;
    while (i < end) {
      const c = data[i]!;
      // Letters, digits, '-' and most text are above ','; one comparison clears them.
      if (c > COMMA) {
        i++;
        continue;
      }
      if (c === COMMA) {
        if (count < cap) {
          starts[count] = fieldStart;
          ends[count] = i;
        }
        count++;
        fieldStart = ++i;
        continue;
      }
      if (c === LF) {
        this.unquoted(data, recStart, fieldStart, i, count, malformed);
        recStart = fieldStart = ++i;
        count = 0;
        malformed = '';
        continue;
      }
      if (c === QUOTE) {
        if (i === fieldStart) {
          const next = this.quotedRecord(data, recStart, end, final);
          if (next < 0) return recStart;
          recStart = fieldStart = i = next;
          count = 0;
          malformed = '';
          continue;
        }
        malformed ||= 'quote inside an unquoted field';
      }
      i++;
    }
    if (recStart === end || !final) return recStart;
    this.unquoted(data, recStart, fieldStart, end, count, malformed);
    return end;
  }

  /** Emits an unquoted record whose last field ends at `lineEnd` (an LF or the end of input). */
  private unquoted(
    data: Buffer,
    recStart: number,
    fieldStart: number,
    lineEnd: number,
    count: number,
    malformed: string,
  ): void {
    let fieldEnd = lineEnd;
    if (fieldEnd > fieldStart && data[fieldEnd - 1] === CR) fieldEnd--;
    if (count === 0 && fieldEnd === recStart) {
      this.line++; // a blank line
      return;
    }
    if (count < this.rec.starts.length) {
      this.rec.starts[count] = fieldStart;
      this.rec.ends[count] = fieldEnd;
    }
    this.emit(data, count + 1, malformed, data, recStart, fieldEnd, 0);
  }

  /**
   * The slow path, for a record with a quoted field: unescapes into a scratch buffer, fields laid
   * out one separator byte apart as in the input (callers may rely on that adjacency).
   */
  private quotedRecord(data: Buffer, pos: number, end: number, final: boolean): number {
    if (this.scratch.length < end - pos) this.scratch = Buffer.allocUnsafe(2 * (end - pos));
    const out = this.scratch;
    const { starts, ends } = this.rec;
    const cap = starts.length;
    let o = 0;
    let i = pos;
    let count = 0;
    let malformed = '';
    let newlines = 0;
    for (;;) {
      const fieldStart = o;
      const quoted = i < end && data[i] === QUOTE;
      if (quoted) {
        i++;
        for (;;) {
          if (i >= end) {
            if (!final) return -1;
            malformed ||= 'unterminated quoted field';
            break;
          }
          const c = data[i]!;
          if (c === QUOTE) {
            if (i + 1 >= end && !final) return -1;
            if (data[i + 1] === QUOTE) {
              out[o++] = QUOTE;
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === LF) newlines++;
          out[o++] = c;
          i++;
        }
      }
      // The unquoted field, or whatever follows a closing quote before the separator.
      let sep = -1; // COMMA, LF, or -1 at the end of the input
      let rawEnd = i;
      for (;;) {
        if (i >= end) {
          if (!final) return -1;
          rawEnd = i;
          break;
        }
        const c = data[i]!;
        if (c === COMMA || c === LF) {
          sep = c;
          rawEnd = c === LF && i > pos && data[i - 1] === CR ? i - 1 : i;
          break;
        }
        if (c === CR) {
          if (i + 1 >= end && !final) return -1;
          if (i + 1 >= end || data[i + 1] === LF) {
            i++;
            continue;
          }
        }
        if (quoted) malformed ||= 'text after a closing quote';
        else if (c === QUOTE) malformed ||= 'quote inside an unquoted field';
        out[o++] = c;
        i++;
      }
      if (count < cap) {
        starts[count] = fieldStart;
        ends[count] = o;
      }
      count++;
      if (sep === COMMA) {
        out[o++] = COMMA;
        i++;
        continue;
      }
      this.emit(out, count, malformed, data, pos, rawEnd, newlines);
      return sep === LF ? i + 1 : end;
    }
  }

  private emit(
    buf: Buffer,
    count: number,
    malformed: string,
    raw: Buffer,
    rawStart: number,
    rawEnd: number,
    newlines: number,
  ): void {
    const rec = this.rec;
    rec.buf = buf;
    rec.count = count;
    rec.malformed = malformed;
    rec.line = this.line;
    rec.rawBuf = raw;
    rec.rawStart = rawStart;
    rec.rawEnd = rawEnd;
    this.line += 1 + newlines;
    this.opts.onRecord(rec);
  }
}
