import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeRows } from '../../src/core/row-batch-reader.js';
import type { CellValue } from '../../src/ports/dataset-repository.js';
import { csvImport } from '../../src/processors/csv-import.js';
import type { ImportColumn, RowError } from '../../src/processors/index.js';

const COLUMNS: ImportColumn[] = [
  { name: 'id', type: 'integer', required: true },
  { name: 'name', type: 'string', required: true },
  { name: 'score', type: 'number', required: false },
  { name: 'day', type: 'date', required: false },
  { name: 'ok', type: 'boolean', required: false },
];

/** Runs csv-import over `csv` fed in chunks of `chunk` bytes: each row's position and values, and the errors. */
async function run(csv: string | Buffer, chunk: number) {
  const bytes = typeof csv === 'string' ? Buffer.from(csv) : csv;
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
  const rows: [number, ...CellValue[]][] = [];
  const errors: RowError[] = [];
  const result = await csvImport({
    input: Readable.from(chunks),
    signal: new AbortController().signal,
    tempDir: '/nonexistent',
    memoryBudget: 1 << 20,
    progress() {},
    onError: (e) => errors.push(e),
    columns: COLUMNS,
    rows: {
      async write(batch) {
        const positions = batch.text
          .toString('utf8')
          .split('\n')
          .slice(0, -1)
          .map((line) => Number(line.split('\t')[0]));
        const values = decodeRows(
          batch,
          COLUMNS.map((c) => c.type),
        );
        values.forEach((v, i) => {
          rows.push([positions[i]!, ...v]);
        });
      },
    },
  });
  return { rows, errors, result };
}

describe('csv-import, bytes to row batches', () => {
  const csv = [
    '\uFEFFname,ok,id,day,score', // a BOM, the columns in another order
    'plain,1,1,2020-02-29,85.032',
    '"quoted, with ""escaped"" quotes",FALSE,2,,',
    '"multi\r\nline\nvalue",,3,2021-01-01,-0.5',
    'tab\there back\\slash,true,4,,1e3',
    'naïve ✓ 𝄞,0,5,,.5',
    'empty id,1,,,',
    'bad number,1,7,,1.2.3',
    'bad date,1,8,2021-02-29,',
    'bad int,1,9.5,,',
    'bad bool,yes,10,,',
    'nul \0 here,1,11,,',
    'too,few',
    'quote "inside",1,13,,',
    '',
    'after a blank line,0,15,,+2',
  ].join('\r\n');

  for (const chunk of [1, 7, 1 << 16]) {
    it(`keeps good rows at their line and reports bad ones (chunks of ${chunk} bytes)`, async () => {
      const { rows, errors, result } = await run(`${csv}\n`, chunk);
      expect(rows).toEqual([
        [2, 1, 'plain', 85.032, '2020-02-29', true],
        [3, 2, 'quoted, with "escaped" quotes', null, null, false],
        [4, 3, 'multi\r\nline\nvalue', -0.5, '2021-01-01', null],
        [7, 4, 'tab\there back\\slash', 1000, null, true],
        [8, 5, 'naïve ✓ 𝄞', 0.5, null, false],
        [18, 15, 'after a blank line', 2, null, false],
      ]);
      expect(errors.map((e) => [e.row, e.reason])).toEqual([
        [9, 'missing id'],
        [10, 'score is not a number'],
        [11, 'day is not a calendar date written YYYY-MM-DD'],
        [12, 'id is not an integer'],
        [13, 'ok is not a boolean (true, false, 1 or 0)'],
        [14, 'name contains a NUL character'],
        [15, 'expected 5 fields, got 2'],
        [16, 'quote inside an unquoted field'],
      ]);
      expect(result).toMatchObject({ rowsDone: 14, errorCount: 8 });
    });
  }

  it('replaces invalid UTF-8 as decoding did, so Postgres never sees it', async () => {
    const bytes = Buffer.concat([
      Buffer.from('id,name,score,day,ok\n1,a'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('b,,,\n'),
    ]);
    const { rows, errors } = await run(bytes, 5);
    expect(errors).toEqual([]);
    expect(rows).toEqual([[2, 1, 'a\uFFFD(b', null, null, null]]);
  });
});
