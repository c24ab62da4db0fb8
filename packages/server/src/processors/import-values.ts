import type { RowBatchWriter } from '../core/row-batch-writer.js';
import { calendarDate } from './csv-report-fields.js';
import { latin1Slice } from './latin1.js';

export type ImportType = 'string' | 'integer' | 'number' | 'date' | 'boolean';

/** A declared column of an import: its CSV header name, type, and whether it may be empty. */
export interface ImportColumn {
  readonly name: string;
  readonly type: ImportType;
  readonly required: boolean;
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };
const ONE_CHAR: Record<number, boolean> = { 48: false, 49: true };

/**
 * Checks the (non-empty) field bytes buf[start, end) as `type` and writes the value to `out`, or
 * says why it is not one (nothing written then). No JavaScript value is made for the common cell:
 * integers, plain decimals, dates and ASCII text go from the CSV bytes to the batch's bytes, which
 * is what lets an import keep up with Postgres's COPY. Dates are kept as their YYYY-MM-DD text.
 */
export function writeCell(
  type: ImportType,
  buf: Buffer,
  start: number,
  end: number,
  out: RowBatchWriter,
): string {
  switch (type) {
    case 'string':
      return out.text(buf, start, end) ? '' : 'contains a NUL character';
    case 'integer':
      if (!Number.isSafeInteger(integerAt(buf, start, end))) return 'is not an integer';
      out.plain(buf, start, end);
      return '';
    case 'number':
      return writeNumber(buf, start, end, out) ? '' : 'is not a number';
    case 'date':
      if (calendarDate(buf, start, end) < 0) return 'is not a calendar date written YYYY-MM-DD';
      out.plain(buf, start, end);
      return '';
    case 'boolean': {
      // the common spellings read from the bytes, the rest (any case) through a string
      const b =
        end - start === 1 ? ONE_CHAR[buf[start]!] : BOOLEANS[latin1Slice(buf, start, end).toLowerCase()];
      if (b === undefined) return 'is not a boolean (true, false, 1 or 0)';
      out.boolean(b);
      return '';
    }
  }
}

/**
 * An optional sign and 1 to 16 ASCII digits, read from the bytes (no string, no regular
 * expression: this runs for millions of cells); NaN otherwise. Past 2^53 the sum rounds, but to a
 * value that Number.isSafeInteger then refuses, so only exact values pass.
 */
function integerAt(buf: Buffer, start: number, end: number): number {
  let at = start;
  const sign = buf[at];
  if (sign === 43 || sign === 45) at++;
  if (end - at < 1 || end - at > 16) return Number.NaN;
  let v = 0;
  for (; at < end; at++) {
    const d = buf[at]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return sign === 45 ? -v : v;
}

/** Longest decimal written as it is: no exponent and this short, it cannot overflow or underflow. */
const PLAIN_MAX = 300;

/**
 * A number `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?` that is finite. A plain decimal (no exponent,
 * not too long, not a negative zero) is copied as written, which Postgres's float8 and JavaScript
 * both read to the same double (the nearest); any other goes through Number() and is written in
 * JavaScript's form (so 1e-400 becomes 0 rather than an out-of-range error in Postgres).
 */
function writeNumber(buf: Buffer, start: number, end: number, out: RowBatchWriter): boolean {
  let i = start;
  const sign = buf[i];
  if (sign === 43 || sign === 45) i++;
  let digits = 0;
  let nonZero = false;
  let dot = false;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      digits++;
      nonZero ||= c !== 48;
    } else if (c === 46 && !dot) dot = true;
    else break;
  }
  if (digits === 0) return false;
  if (i === end && end - start <= PLAIN_MAX && (nonZero || sign !== 45)) {
    out.plain(buf, start, end);
    return true;
  }
  if (i < end) {
    if (buf[i] !== 101 && buf[i] !== 69) return false; // e E
    i++;
    if (buf[i] === 43 || buf[i] === 45) i++;
    if (i >= end) return false;
    for (; i < end; i++) if (buf[i]! < 48 || buf[i]! > 57) return false;
  }
  const n = Number(latin1Slice(buf, start, end));
  if (!Number.isFinite(n)) return false;
  out.number(n);
  return true;
}
