import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src/processors/csv-parser.js';
import { feedSlices, SLICE_BYTES } from '../../src/processors/feed-slices.js';

describe('feedSlices', () => {
  it('gives the event loop a turn between slices, even when all the input is buffered already', async () => {
    const input = Buffer.from('a,1\n'.repeat((4 * SLICE_BYTES) / 4));
    const parser = new CsvParser({ maxFields: 3, maxRecordBytes: 1 << 16, onRecord: () => {} });
    let turns = 0;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    let done = false;
    setImmediate(tick);
    const seen: number[] = [];
    await feedSlices(
      {
        input: Readable.from([input]),
        signal: new AbortController().signal,
        resumable: undefined,
        progress: () => {},
      },
      parser,
      { bytesDone: 0, rowsDone: 0, errorCount: 0 },
      async () => {},
      async () => {
        seen.push(turns);
      },
    );
    done = true;
    expect(seen).toHaveLength(4);
    // an I/O-phase callback (what a request's handler is) ran between every two slices
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number);
  });
});
