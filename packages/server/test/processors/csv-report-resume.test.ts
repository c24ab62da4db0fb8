import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { csvReport } from '../../src/processors/csv-report.js';
import type { Checkpoint, RowError } from '../../src/processors/processor.js';
import { runProcessor } from './run-processor.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-resume-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** A file of `rows` rows over 50 songs, quoted and multi-line names, and a bad row every 97. */
function input(rows: number): Buffer {
  const lines = ['Song,Date,Number of Plays'];
  for (let i = 0; i < rows; i++) {
    if (i % 97 === 5) lines.push(`Bad ${i},2020-13-01,1`);
    else lines.push(`"Song ""${i % 50}""\nline two",2020-01-${String(1 + (i % 28)).padStart(2, '0')},${i}`);
  }
  return Buffer.from('\ufeff' + lines.join('\r\n') + '\r\n');
}

interface Leg {
  saves: Checkpoint[];
  errors: RowError[];
  output?: string;
  stopped: boolean;
}

/** One run from `from`, stopped (as a pause) when `stopAtChunk` chunks of 4 KiB have been read. */
async function leg(
  bytes: Buffer,
  from: Checkpoint | null,
  stopAtChunk?: number,
  memoryBudget = 16 * 1024,
): Promise<Leg> {
  const ac = new AbortController();
  const start = from?.progress.bytesDone ?? 0;
  const chunks: Buffer[] = [];
  for (let at = start; at < bytes.length; at += 4096) chunks.push(bytes.subarray(at, at + 4096));
  let pulled = 0;
  const source = Readable.from(
    (function* () {
      for (const c of chunks) {
        if (++pulled === stopAtChunk) ac.abort(new Error('paused'));
        yield c;
      }
    })(),
  );
  const out: Buffer[] = [];
  const result: Leg = { saves: [], errors: [], stopped: false };
  try {
    await csvReport({
      input: source,
      output: new Writable({
        write(c: Buffer, _e, cb) {
          out.push(c);
          cb();
        },
      }),
      signal: ac.signal,
      tempDir: dir,
      memoryBudget,
      progress() {},
      onError: (e) => result.errors.push(e),
      resumable: {
        workDir: path.join(dir, 'work'),
        from,
        save: async (cp) => {
          result.saves.push(JSON.parse(JSON.stringify(cp)) as Checkpoint);
        },
        keepOnStop: () => true,
      },
    });
    result.output = Buffer.concat(out).toString('utf8');
  } catch (err) {
    if ((err as Error).message !== 'paused') throw err;
    result.stopped = true;
  }
  return result;
}

// 16 KiB: every checkpoint drains the groups into a run; 1 MiB: checkpoints write snapshots.
it.each([16 * 1024, 1024 * 1024])(
  'gives the output of an uninterrupted run after pauses, and after a crash back to an older checkpoint (budget %i)',
  async (budget) => {
    const bytes = input(20_000);
    const whole = await runProcessor(csvReport, bytes, { memoryBudget: budget });
    expect(whole.errors.length).toBeGreaterThan(100);

    const errors = new Map<number, RowError>();
    const first = await leg(bytes, null, 40, budget);
    expect(first.stopped).toBe(true);
    const paused = first.saves.at(-1)!;
    expect(paused.progress.bytesDone).toBeGreaterThan(0);

    const second = await leg(bytes, paused, 30, budget);
    expect(second.stopped).toBe(true);
    // A crash: the last checkpoint of `second` never made it; resume from the pause's one. The run
    // files `second` wrote since are stale and must not be taken for runs.
    expect((await readdir(path.join(dir, 'work'))).length).toBeGreaterThan(
      (paused.state as { runs: [] }).runs.length,
    );
    const third = await leg(bytes, paused, undefined, budget);
    expect(third.stopped).toBe(false);
    expect(third.output).toBe(whole.output);

    for (const e of [...first.errors, ...third.errors]) errors.set(e.row, e);
    expect([...errors.values()].sort((a, b) => a.row - b.row)).toEqual(whole.errors);
    const last = third.saves.at(-1)!;
    expect(last.progress).toEqual({
      bytesDone: bytes.length,
      rowsDone: whole.result.rowsDone,
      errorCount: whole.result.errorCount,
    });
  },
);

it('resumes in the merge phase without reading the input again', async () => {
  const bytes = input(3_000);
  const whole = await runProcessor(csvReport, bytes, { memoryBudget: 16 * 1024 });
  const first = await leg(bytes, null);
  const merge = first.saves.find((s) => (s.state as { phase: string }).phase === 'merge')!;
  expect(merge.progress.bytesDone).toBe(bytes.length);
  const again = await leg(bytes, merge);
  expect(again.output).toBe(whole.output);
  expect(again.errors).toEqual([]);
});
