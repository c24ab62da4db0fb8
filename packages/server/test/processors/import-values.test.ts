import { describe, expect, it } from 'vitest';
import { decodeRows } from '../../src/core/row-batch-reader.js';
import { encodeRows, RowBatchWriter } from '../../src/core/row-batch-writer.js';
import type { CellValue } from '../../src/ports/dataset-repository.js';
import { type ImportType, writeCell } from '../../src/processors/import-values.js';

/** What writeCell makes of `text` as `type`: the COPY text of the value, or `!reason`. */
function cell(type: ImportType, text: string | Buffer): string {
  // inside a larger buffer, as the parser hands fields over
  const buf = Buffer.concat([Buffer.from(','), Buffer.from(text), Buffer.from(',')]);
  const out = new RowBatchWriter(4);
  out.startRow(1);
  const problem = writeCell(type, buf, 1, buf.length - 1, out);
  out.endRow();
  const written = out.take().text.toString('utf8');
  if (problem) {
    expect(written, 'a rejected cell writes nothing').toBe('1\n');
    return `!${problem}`;
  }
  return written.slice(2, -1);
}

/** The value a store reads back from what writeCell wrote. */
function readBack(type: ImportType, text: string): CellValue {
  const buf = Buffer.concat([Buffer.from(','), Buffer.from(text), Buffer.from(',')]);
  const out = new RowBatchWriter();
  out.startRow(1);
  expect(writeCell(type, buf, 1, buf.length - 1, out)).toBe('');
  out.endRow();
  return decodeRows(out.take(), [type])[0]![0]!;
}

describe('import values', () => {
  it('reads integers exactly and refuses what is not a safe integer', () => {
    expect(cell('integer', '42')).toBe('42');
    expect(readBack('integer', '+5')).toBe(5);
    expect(readBack('integer', '-17')).toBe(-17);
    expect(readBack('integer', '007')).toBe(7);
    expect(readBack('integer', '9007199254740991')).toBe(2 ** 53 - 1);
    expect(readBack('integer', '-9007199254740991')).toBe(-(2 ** 53 - 1));
    for (const bad of [
      '9007199254740992',
      '99999999999999999',
      '12345678901234567',
      '-',
      '+',
      '1.0',
      ' 1',
      '1 ',
      '1e3',
      '0x1',
      '--1',
    ])
      expect(cell('integer', bad), bad).toBe('!is not an integer');
  });

  it('reads numbers: plain decimals as written, others in JavaScript form, never out of range', () => {
    for (const plain of ['85.032', '-2.5', '+1', '.5', '5.', '0', '0.1', '123456789012345678901234567890'])
      expect(cell('number', plain), plain).toBe(plain);
    expect(cell('number', '1e3')).toBe('1000');
    expect(cell('number', '-2.5E-300')).toBe('-2.5e-300');
    expect(cell('number', '1e-400')).toBe('0');
    expect(cell('number', '-0')).toBe('0');
    expect(cell('number', '-0.000')).toBe('0');
    expect(readBack('number', '0.1')).toBe(0.1);
    expect(readBack('number', '.5')).toBe(0.5);
    expect(readBack('number', '1E21')).toBe(1e21);
    for (const bad of [
      '.',
      '-',
      '1.2.3',
      '1e',
      '1e+',
      'e5',
      '1x',
      ' 1',
      'NaN',
      'Infinity',
      '1e400',
      '0x10',
      '1,5',
    ])
      expect(cell('number', bad), bad).toBe('!is not a number');
    expect(cell('number', '9'.repeat(400))).toBe('!is not a number');
  });

  it('reads booleans in any case, and 1 / 0', () => {
    for (const [text, v] of [
      ['true', 't'],
      ['TRUE', 't'],
      ['False', 'f'],
      ['1', 't'],
      ['0', 'f'],
    ] as const)
      expect(cell('boolean', text), text).toBe(v);
    for (const bad of ['yes', 't', '2', 'truee'])
      expect(cell('boolean', bad), bad).toBe('!is not a boolean (true, false, 1 or 0)');
  });

  it('reads calendar dates as their text', () => {
    expect(cell('date', '2020-02-29')).toBe('2020-02-29');
    for (const bad of ['2021-02-29', '2020-13-01', '2020-1-01', '20200101', '2020-01-01 '])
      expect(cell('date', bad), bad).toBe('!is not a calendar date written YYYY-MM-DD');
  });

  it('escapes text for COPY, keeps unicode, replaces invalid UTF-8 and refuses NUL', () => {
    expect(cell('string', 'plain text')).toBe('plain text');
    expect(cell('string', 'a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(cell('string', 'naïve ✓ 𝄞, tab\t')).toBe('naïve ✓ 𝄞, tab\\t');
    expect(cell('string', Buffer.from([0x61, 0xff, 0x62, 0x09]))).toBe('a\uFFFDb\\t');
    expect(cell('string', 'a\0b')).toBe('!contains a NUL character');
    expect(cell('string', 'é\0')).toBe('!contains a NUL character');
    expect(readBack('string', 'a\tb\nc\rd\\e \\N naïve')).toBe('a\tb\nc\rd\\e \\N naïve');
  });
});

describe('row batches', () => {
  it('writes positions, escapes, null, booleans and numbers Postgres reads back exactly', () => {
    const batch = encodeRows(
      [
        ['a\tb\nc\rd\\e', 1, 0.1, true, null],
        ['naïve ✓', -(2 ** 53 - 1), 1e21, false, '2020-02-29'],
      ],
      7,
    );
    expect(batch.count).toBe(2);
    expect(batch.text.toString('utf8')).toBe(
      '7\ta\\tb\\nc\\rd\\\\e\t1\t0.1\tt\t\\N\n8\tnaïve ✓\t-9007199254740991\t1e+21\tf\t2020-02-29\n',
    );
  });

  it('reads back what it wrote, and grows its buffer for batches of any size', () => {
    const long = 'é'.repeat(5000);
    const rows: CellValue[][] = Array.from({ length: 300 }, (_, i) => [long, i, i / 3, i % 2 === 0, null]);
    rows.push(['', 0, -0.5, false, 'back\\slash\\N\t']);
    const batch = encodeRows(rows, 999_999_999);
    const lines = batch.text.toString('utf8').split('\n');
    expect(lines).toHaveLength(302);
    expect(lines[299]).toBe(`1000000298\t${long}\t299\t99.66666666666667\tf\t\\N`);
    expect(decodeRows(batch, ['string', 'integer', 'number', 'boolean', 'string'])).toEqual(rows);
  });

  it('takes a row back that turned out bad half-way', () => {
    const out = new RowBatchWriter(8);
    out.startRow(1);
    out.null();
    out.endRow();
    out.startRow(2);
    out.boolean(true);
    out.dropRow();
    out.startRow(3);
    out.number(4);
    out.endRow();
    const batch = out.take();
    expect(batch).toEqual({ count: 2, text: Buffer.from('1\t\\N\n3\t4\n') });
    expect(out.take()).toEqual({ count: 0, text: Buffer.alloc(0) });
  });
});
