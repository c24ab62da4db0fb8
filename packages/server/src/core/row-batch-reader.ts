import type { CellValue, ColumnType, RowBatch } from '../ports/dataset-repository.js';

const TAB = 9;
const LF = 10;
const BACKSLASH = 92;
const UNESCAPED: Record<number, number> = { 116: TAB, 110: LF, 114: 13, 92: BACKSLASH }; // t n r \

/** Node's codecs without `Buffer#toString`'s argument checks: long-standing methods @types/node omits. */
interface SliceBuffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/**
 * A batch's rows back as values in column order (`types`), positions dropped: for a store that
 * binds values (SQLite) rather than loading the text (Postgres's COPY).
 */
export function decodeRows(batch: RowBatch, types: readonly ColumnType[]): CellValue[][] {
  const { text } = batch;
  const rows: CellValue[][] = new Array(batch.count);
  let at = 0;
  for (let r = 0; r < batch.count; r++) {
    while (at < text.length && text[at] !== TAB) at++;
    if (at === text.length) throw new Error('a row batch ends inside a row');
    at++; // past the position
    const row: CellValue[] = new Array(types.length);
    for (let c = 0; c < types.length; c++) {
      let end = at;
      while (end < text.length && text[end] !== TAB && text[end] !== LF) end++;
      row[c] = value(text, at, end, types[c]!);
      at = end + 1;
    }
    rows[r] = row;
  }
  return rows;
}

function value(text: Buffer, start: number, end: number, type: ColumnType): CellValue {
  if (end - start === 2 && text[start] === BACKSLASH && text[start + 1] === 78) return null; // \N
  switch (type) {
    case 'integer':
      return integerAt(text, start, end);
    case 'number':
      return Number((text as unknown as SliceBuffer).latin1Slice(start, end));
    case 'boolean':
      return text[start] === 116; // t
    default:
      return unescaped(text, start, end);
  }
}

function unescaped(text: Buffer, start: number, end: number): string {
  let slash = start;
  while (slash < end && text[slash] !== BACKSLASH) slash++;
  if (slash === end) return (text as unknown as SliceBuffer).utf8Slice(start, end);
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const c = text[i]!;
    if (c === BACKSLASH) out[o++] = UNESCAPED[text[++i]!] ?? text[i]!;
    else out[o++] = c;
  }
  return out.toString('utf8', 0, o);
}

/** A batch's integer (an optional sign and digits, as csv-import checked them) without a string. */
function integerAt(text: Buffer, start: number, end: number): number {
  const sign = text[start];
  let v = 0;
  for (let at = sign === 43 || sign === 45 ? start + 1 : start; at < end; at++) v = v * 10 + (text[at]! - 48);
  return sign === 45 ? -v : v;
}
