import { expect, it } from 'vitest';
import { csvReport } from '../../src/processors/csv-report.js';
import { runProcessor } from './run-processor.js';

/** Small seeded PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

it('matches an in-memory reference on 1M random rows, spilling many runs', async () => {
  const rand = prng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const odd = [
    'Hello, World',
    'Say "Hi"',
    'two\nlines',
    'crlf\r\nlines',
    'Café',
    'ß',
    '日本',
    '😀',
    'a b',
    '',
  ];
  const songs = Array.from(
    { length: 3000 },
    (_, i) => `${pick(odd)}${i % 7 === 0 ? '' : ' '}${i.toString(36)}`,
  );
  const dates = Array.from(
    { length: 40 },
    (_, i) =>
      `20${19 + (i % 3)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + ((i * 7) % 28)).padStart(2, '0')}`,
  );

  const lines = ['Song,Date,Number of Plays'];
  const sums = new Map<string, Map<string, bigint>>();
  let bad = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const r = rand();
    if (r < 0.005) {
      lines.push(pick(['x,2020-02-30,1', 'x,2020-01-01', 'x,2020-01-01,-4', '"x",2020-01-01,1,1']));
      bad++;
      continue;
    }
    const song = pick(songs);
    const date = pick(dates);
    const plays =
      r > 0.9999 ? 2n ** 52n + BigInt(Math.floor(rand() * 1000)) : BigInt(Math.floor(rand() * 100_000));
    const cells = [quote(song), date, String(plays)];
    if (r > 0.95) cells[1] = `"${date}"`; // quoted even though it need not be
    lines.push(cells.join(','));
    const byDate = sums.get(song) ?? new Map<string, bigint>();
    sums.set(song, byDate);
    byDate.set(date, (byDate.get(date) ?? 0n) + plays);
  }
  const input = lines.join(rand() < 0.5 ? '\n' : '\r\n') + '\n';

  const byBytes = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
  let expected = 'Song,Date,Total Number of Plays for Date\n';
  let groups = 0;
  for (const song of [...sums.keys()].sort(byBytes)) {
    const byDate = sums.get(song)!;
    for (const date of [...byDate.keys()].sort(byBytes)) {
      // An empty song is a bad row ("missing Song"), not a group.
      if (song === '') continue;
      expected += `${quote(song)},${date},${byDate.get(date)}\n`;
      groups++;
    }
  }
  const emptySongRows = lines.filter((l) => l.startsWith(',')).length;

  // 64 KiB budget and 64 KiB chunks: a run per chunk, hundreds of runs, so the merge takes passes.
  const run = await runProcessor(csvReport, input, { memoryBudget: 64 * 1024, chunkSize: 64 * 1024 });
  expect(run.result).toMatchObject({ rowsDone: 1_000_000, errorCount: bad + emptySongRows, rowsOut: groups });
  expect(run.output === expected).toBe(true);
  expect(run.leftovers).toEqual([]);
  const done = run.progress.map((p) => p.bytesDone);
  expect(done).toEqual([...done].sort((a, b) => a - b));
  expect(done.at(-1)).toBe(Buffer.byteLength(input));
}, 120_000);
