import { calendarDate } from './csv-report-fields.js';
import { latin1Slice } from './latin1.js';

export type ImportType = 'string' | 'integer' | 'number' | 'date' | 'boolean';

/** A declared column of an import: its CSV header name, type, and whether it may be empty. */
export interface ImportColumn {
  readonly name: string;
  readonly type: ImportType;
  readonly required: boolean;
}

/** A validated value, as a dataset stores it: dates as YYYY-MM-DD text. */
export type Cell = string | number | boolean | null;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/**
 * The value of field bytes buf[start, end) as `type`, or a string starting with '!' saying why
 * it is not one (cheaper than an exception or a wrapper object at 300,000 rows a second).
 */
export function parseCell(type: ImportType, buf: Buffer, start: number, end: number): Cell {
  switch (type) {
    case 'string':
      return buf.toString('utf8', start, end);
    case 'integer': {
      const n = integerAt(buf, start, end);
      return Number.isSafeInteger(n) ? n : '!is not an integer';
    }
    case 'number': {
      const s = latin1Slice(buf, start, end);
      const n = NUMBER.test(s) ? Number(s) : Number.NaN;
      return Number.isFinite(n) ? n : '!is not a number';
    }
    case 'date':
      return calendarDate(buf, start, end) > 0
        ? latin1Slice(buf, start, end)
        : '!is not a calendar date written YYYY-MM-DD';
    case 'boolean': {
      // the common spellings read from the bytes, the rest (any case) through a string
      const b =
        end - start === 1 ? ONE_CHAR[buf[start]!] : BOOLEANS[latin1Slice(buf, start, end).toLowerCase()];
      return b ?? '!is not a boolean (true, false, 1 or 0)';
    }
  }
}

const ONE_CHAR: Record<number, boolean> = { 48: false, 49: true };

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

/** Whether a parseCell result of a non-string type is a rejection (a string value never is). */
export const isRejection = (type: ImportType, v: Cell): v is string =>
  type !== 'string' && typeof v === 'string' && v.charCodeAt(0) === 33;
