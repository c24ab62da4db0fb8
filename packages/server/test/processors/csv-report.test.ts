import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvReport } from '../../src/processors/csv-report.js';
import { ProcessorError } from '../../src/processors/index.js';
import { runProcessor } from './run-processor.js';

const HEADER_OUT = 'Song,Date,Total Number of Plays for Date\n';

describe('csv-report', () => {
  it('sums plays per song and date, sorted (the example)', async () => {
    const input = [
      'Song,Date,Number of Plays',
      'Umbrella,2020-01-02,200',
      'Umbrella,2020-01-01,100',
      'In The End,2020-01-01,500',
      'Umbrella,2020-01-01,50',
      'In The End,2020-01-01,1000',
      'Umbrella,2020-01-02,50',
      'In The End,2020-01-02,500',
    ].join('\n');
    const run = await runProcessor(csvReport, input);
    expect(run.output).toBe(
      [
        'Song,Date,Total Number of Plays for Date',
        'In The End,2020-01-01,1500',
        'In The End,2020-01-02,500',
        'Umbrella,2020-01-01,150',
        'Umbrella,2020-01-02,250',
        '',
      ].join('\n'),
    );
    expect(run.errors).toEqual([]);
    expect(run.result).toEqual({ bytesDone: input.length, rowsDone: 7, errorCount: 0, rowsOut: 4 });
    expect(run.leftovers).toEqual([]);
  });

  it('reads quoted fields, escaped quotes, commas and line breaks inside quotes, and quotes them back', async () => {
    const input =
      'Song,Date,Number of Plays\n' +
      '"Hello, World",2020-01-01,1\n' +
      '"Say ""Hi""",2020-01-01,2\n' +
      '"Line one\nLine two",2020-01-01,3\n' +
      '"Line one\r\nLine two","2020-01-01","4"\n' +
      'Hello, World,2020-01-01,5\n' + // unquoted comma: four fields
      '"Hello, World",2020-01-01,10\n' +
      '"Plain",2020-01-03,7\n' +
      'Plain,2020-01-03,8';
    // One byte at a time as well: every quote and line end falls on a chunk boundary somewhere.
    for (const chunkSize of [1, 3, 1 << 16]) {
      const run = await runProcessor(csvReport, input, { chunkSize });
      expect(run.output).toBe(
        HEADER_OUT +
          '"Hello, World",2020-01-01,11\n' +
          '"Line one\nLine two",2020-01-01,3\n' +
          '"Line one\r\nLine two",2020-01-01,4\n' +
          'Plain,2020-01-03,15\n' +
          '"Say ""Hi""",2020-01-01,2\n',
      );
      // Line numbers count the line breaks inside quoted fields.
      expect(run.errors).toEqual([
        {
          row: 8,
          raw: 'Hello, World,2020-01-01,5',
          reason: 'expected 3 fields (Song,Date,Number of Plays), got 4',
        },
      ]);
    }
  });

  it('cuts a long bad row to 200 characters without splitting one', async () => {
    const line = `${'a'.repeat(199)}\u{1F3B5}\u{1F3B5},2024-01-01,x`;
    for (const chunkSize of [1, 1 << 16]) {
      const run = await runProcessor(csvReport, `Song,Date,Number of Plays\n${line}\n`, { chunkSize });
      const raw = run.errors[0]?.raw as string;
      expect([...raw]).toHaveLength(200);
      expect(raw).toBe(`${'a'.repeat(199)}\u{1F3B5}`);
      expect(Buffer.from(raw).toString()).toBe(raw); // no lone surrogate (it would not survive UTF-8)
    }
  });

  it('accepts a UTF-8 BOM and CRLF line ends', async () => {
    const input = '\ufeffSong,Date,Number of Plays\r\nA,2020-01-01,1\r\nA,2020-01-01,2\r\nB,2020-02-29,3\r\n';
    for (const chunkSize of [1, 2, 1 << 16]) {
      const run = await runProcessor(csvReport, input, { chunkSize });
      expect(run.output).toBe(HEADER_OUT + 'A,2020-01-01,3\nB,2020-02-29,3\n');
      expect(run.errors).toEqual([]);
      expect(run.result.bytesDone).toBe(Buffer.byteLength(input));
    }
  });

  it('fails at once on a wrong header, naming the expected columns', async () => {
    for (const header of [
      'Song,Date,Plays',
      'song,date,number of plays',
      'Song,Date',
      'Song,Date,Number of Plays,X',
    ]) {
      const run = runProcessor(csvReport, `${header}\nA,2020-01-01,1\n`);
      await expect(run).rejects.toBeInstanceOf(ProcessorError);
      await expect(run).rejects.toMatchObject({
        code: 'ERR_CSV_HEADER',
        message: expect.stringContaining('Song,Date,Number of Plays'),
      });
    }
  });

  it('fails on an empty file (no header)', async () => {
    for (const input of ['', '\ufeff', '\n\n']) {
      await expect(runProcessor(csvReport, input)).rejects.toMatchObject({ code: 'ERR_CSV_EMPTY' });
    }
  });

  it('writes just the header for a header-only file', async () => {
    for (const input of ['Song,Date,Number of Plays', 'Song,Date,Number of Plays\r\n']) {
      const run = await runProcessor(csvReport, input);
      expect(run.output).toBe(HEADER_OUT);
      expect(run.result.rowsOut).toBe(0);
    }
  });

  it('turns every bad row into an error record and goes on', async () => {
    const long = 'x'.repeat(300);
    const input = [
      'Song,Date,Number of Plays',
      'A,2020-01-01', // 2 fields
      'A,2020-01-01,1,2', // 4 fields
      ',2020-01-01,1',
      'A,,1',
      'A,2020-01-01,',
      'A,2020-02-30,1', // not a calendar day
      'A,2021-02-29,1', // not a leap year
      'A,2020-1-01,1',
      'A,2020-13-01,1',
      'A,2020-01-01,-1',
      'A,2020-01-01,1.5',
      'A,2020-01-01, 1',
      'A,2020-01-01,1e3',
      'A"B,2020-01-01,1',
      '"A"B,2020-01-01,1',
      `${long},2020-01-01,x`,
      '"unterminated,2020-01-01,1',
    ].join('\n');
    const run = await runProcessor(csvReport, input);
    expect(run.output).toBe(HEADER_OUT);
    expect(run.result).toMatchObject({ rowsDone: 17, errorCount: 17, rowsOut: 0 });
    expect(run.errors.map((e) => [e.row, e.reason])).toEqual([
      [2, 'expected 3 fields (Song,Date,Number of Plays), got 2'],
      [3, 'expected 3 fields (Song,Date,Number of Plays), got 4'],
      [4, 'missing Song'],
      [5, 'missing Date'],
      [6, 'missing Number of Plays'],
      [7, 'Date is not a calendar date written YYYY-MM-DD'],
      [8, 'Date is not a calendar date written YYYY-MM-DD'],
      [9, 'Date is not a calendar date written YYYY-MM-DD'],
      [10, 'Date is not a calendar date written YYYY-MM-DD'],
      [11, 'Number of Plays is not a non-negative integer'],
      [12, 'Number of Plays is not a non-negative integer'],
      [13, 'Number of Plays is not a non-negative integer'],
      [14, 'Number of Plays is not a non-negative integer'],
      [15, 'quote inside an unquoted field'],
      [16, 'text after a closing quote'],
      [17, 'Number of Plays is not a non-negative integer'],
      [18, 'unterminated quoted field'],
    ]);
    expect(run.errors[1]!.raw).toBe('A,2020-01-01,1,2');
    expect(run.errors[15]!.raw).toBe(`${long},2020-01-01,x`.slice(0, 200));
  });

  it('keeps sums exact past 2^53', async () => {
    const max = Number.MAX_SAFE_INTEGER; // 2^53 - 1
    const input = [
      'Song,Date,Number of Plays',
      `A,2020-01-01,${max}`,
      'A,2020-01-01,1',
      'A,2020-01-01,1',
      `B,2020-01-01,${max}`,
      `B,2020-01-01,${max}`,
      'C,2020-01-01,123456789012345678901234567890',
      'C,2020-01-01,1',
      'D,2020-01-01,000000000000000000000000000007',
      'E,2020-01-01,1',
      'E,2020-01-01,10000000000000000000',
      'E,2020-01-01,10000000000000000000',
    ].join('\n');
    for (const memoryBudget of [256 << 20, 1]) {
      // A budget of one byte spills after every batch: the sums also go through the run files.
      const run = await runProcessor(csvReport, input, { memoryBudget, chunkSize: 20 });
      expect(run.output).toBe(
        HEADER_OUT +
          `A,2020-01-01,${2n ** 53n + 1n}\n` +
          `B,2020-01-01,${2n * BigInt(max)}\n` +
          'C,2020-01-01,123456789012345678901234567891\n' +
          'D,2020-01-01,7\n' +
          'E,2020-01-01,20000000000000000001\n',
      );
    }
  });

  it('sorts by song then date in UTF-8 byte order, and keeps the bytes it was given', async () => {
    const songs = ['b', 'B', 'a b', 'a', 'ab', 'é', 'z', '\uffff', '😀', 'a\u0000', 'a\u0000b', 'a\u0001'];
    const rows = songs.flatMap((s) => [`${s},2020-01-02,1`, `${s},2020-01-01,2`]);
    const run = await runProcessor(csvReport, ['Song,Date,Number of Plays', ...rows].join('\n'));
    const sorted = [...songs].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(sorted.slice(0, 5)).toEqual(['B', 'a', 'a\u0000', 'a\u0000b', 'a\u0001']);
    expect(run.output).toBe(
      HEADER_OUT + sorted.map((s) => `${s},2020-01-01,2\n${s},2020-01-02,1\n`).join(''),
    );
  });

  it('stops when aborted and removes its temp files', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await expect(
      runProcessor(csvReport, 'Song,Date,Number of Plays\nA,2020-01-01,1\n', { signal: ac.signal }),
    ).rejects.toThrow('cancelled');
  });

  it('fails when the output fails, and still removes its temp files', async () => {
    const tempDir = await mkdtemp(path.join(tmpdir(), 'depot-proc-test-'));
    try {
      const output = new Writable({
        write(_chunk, _enc, cb) {
          cb(new Error('disk full'));
        },
      });
      const run = csvReport({
        input: Readable.from([Buffer.from('Song,Date,Number of Plays\nA,2020-01-01,1\n')]),
        output,
        signal: new AbortController().signal,
        tempDir,
        memoryBudget: 1,
        progress() {},
        onError() {},
      });
      await expect(run).rejects.toThrow('disk full');
      expect(await readdir(tempDir)).toEqual([]);
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
  });
});
