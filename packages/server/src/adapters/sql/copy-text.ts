import type { CellValue } from '../../ports/dataset-repository.js';

/** Characters COPY's text format gives a meaning: backslash, and the row and field separators. */
const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const TAB = 9;
const NEWLINE = 10;

/** The slice of Buffer's codecs used here; long-standing methods @types/node does not declare. */
interface CodecBuffer {
  latin1Write(s: string, offset: number): number;
  utf8Write(s: string, offset: number): number;
}

/**
 * Rows in COPY's text format (tab-separated, `\N` for null, backslash escapes), each after its
 * position (`firstPos`, then one more per row): cheaper for Postgres to read than CSV and simple
 * to write. Values are already validated: numbers are finite (JavaScript's shortest round-trip
 * form, which float8 and bigint read back exactly), and strings hold no NUL, which Postgres text
 * cannot store. Written straight into one buffer: building a string of a batch by concatenation
 * made a rope of millions of pieces for the garbage collector.
 */
export function copyText(rows: readonly (readonly CellValue[])[], firstPos: number): Buffer {
  let buf = Buffer.allocUnsafe(1 << 16);
  let at = 0;
  // room for `n` more bytes
  const room = (n: number): CodecBuffer => {
    if (at + n > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + n));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    return buf as unknown as CodecBuffer;
  };
  let pos = firstPos;
  for (const row of rows) {
    at += room(24).latin1Write(String(pos++), at);
    for (let i = 0; i < row.length; i++) {
      room(1);
      buf[at++] = TAB;
      const v = row[i];
      if (v === null || v === undefined) at += room(2).latin1Write('\\N', at);
      else if (typeof v === 'string') {
        const s = SPECIAL.test(v) ? v.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : v;
        at += room(s.length * 3).utf8Write(s, at);
      } else if (typeof v === 'boolean') {
        room(1);
        buf[at++] = v ? 116 : 102; // t, f
      } else at += room(24).latin1Write(String(v), at);
    }
    room(1);
    buf[at++] = NEWLINE;
  }
  return buf.subarray(0, at);
}
