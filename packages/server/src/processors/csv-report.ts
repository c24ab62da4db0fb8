import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { CsvParser, type CsvRecord } from './csv-parser.js';
import { calendarDate, parsePlays } from './csv-report-fields.js';
import { CsvWriter } from './csv-writer.js';
import { GroupAggregator } from './group-aggregator.js';
import {
  type Processor,
  type ProcessorContext,
  ProcessorError,
  RAW_LINE_MAX,
  type RowError,
} from './processor.js';
import { RunReader, RunWriter, writeRun } from './run-file.js';
import { type GroupCursor, mergeGroups } from './run-merge.js';

export const INPUT_HEADER = ['Song', 'Date', 'Number of Plays'] as const;
export const OUTPUT_HEADER = 'Song,Date,Total Number of Plays for Date';

/**
 * Share of the memory budget for the groups in use. The table's capacity runs up to twice that;
 * the rest covers input chunks, run buffers, garbage awaiting GC and the runtime's slack (measured:
 * 5M distinct groups in a 128 MiB budget peak at ~200 MiB RSS, Node itself included).
 */
const GROUPS_SHARE = 0.3;
/** Input is fed to the parser in slices this big, so a batch boundary comes at least this often. */
const SLICE_BYTES = 256 * 1024;
/** Runs merged at once; more take extra passes (each run needs an open file and a buffer). */
const MAX_FAN_IN = 64;

/**
 * csv-report: `Song,Date,Number of Plays` rows in any order → `Song,Date,Total Number of Plays for
 * Date`, one row per (Song, Date) with the exact sum, sorted by Song then Date in UTF-8 byte order.
 *
 * Two phases, memory bounded in both:
 * 1. aggregate: parse, validate and sum per group in a hash table; when its size passes its share
 *    of the budget, drain it sorted into a run file (at an input slice boundary, so that
 *    "spilled runs + input offset" is a consistent checkpoint for pause/resume later);
 * 2. merge: k-way merge of the runs and the last in-memory batch, summing equal groups, into CSV.
 */
export const csvReport: Processor = async (ctx) => {
  const dir = await mkdtemp(path.join(ctx.tempDir, 'csv-report-'));
  try {
    const { runs, last, counts } = await aggregate(ctx, dir);
    const readerBytes = clamp(
      Math.floor((ctx.memoryBudget * (1 - GROUPS_SHARE)) / 4 / MAX_FAN_IN),
      16 << 10,
      1 << 20,
    );
    while (runs.length >= MAX_FAN_IN) {
      // Too many runs to open at once: merge the oldest into one, until one pass can finish.
      const merged = path.join(dir, `merged-${runs.length}.run`);
      const batch = runs.splice(0, MAX_FAN_IN);
      const w = await RunWriter.create(merged);
      try {
        await mergeGroups(await openRuns(batch, readerBytes), w, ctx.signal);
      } finally {
        await w.close();
      }
      await Promise.all(batch.map((f) => rm(f)));
      runs.push(merged);
    }
    const writer = new CsvWriter(ctx.output, ctx.signal, OUTPUT_HEADER);
    await mergeGroups([...(await openRuns(runs, readerBytes)), last], writer, ctx.signal);
    await writer.end();
    return { ...counts, rowsOut: writer.rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

async function aggregate(ctx: ProcessorContext, dir: string) {
  const groups = new GroupAggregator(ctx.memoryBudget * GROUPS_SHARE);
  const runs: string[] = [];
  const counts = { bytesDone: 0, rowsDone: 0, errorCount: 0 };
  let headerSeen = false;

  const reject = (rec: CsvRecord, reason: string): void => {
    counts.errorCount++;
    const e: RowError = { row: rec.line, raw: rec.raw(RAW_LINE_MAX), reason };
    ctx.onError(e);
  };

  const onRecord = (rec: CsvRecord): void => {
    if (!headerSeen) {
      checkHeader(rec);
      headerSeen = true;
      return;
    }
    counts.rowsDone++;
    const { buf, starts, ends } = rec;
    const problem = rowProblem(rec);
    const date = problem ? -1 : calendarDate(buf, starts[1]!, ends[1]!);
    const plays = date < 0 ? -1 : parsePlays(buf, starts[2]!, ends[2]!);
    if (plays !== -1) groups.add(buf, starts[0]!, ends[0]!, starts[1]!, date, plays);
    else if (problem) reject(rec, problem);
    else if (date < 0) reject(rec, 'Date is not a calendar date written YYYY-MM-DD');
    else reject(rec, 'Number of Plays is not a non-negative integer');
  };

  const parser = new CsvParser({
    maxFields: 3,
    // A row needs its bytes twice at most (input + unescaped copy); keep that well inside the budget.
    maxRecordBytes: Math.max(1 << 16, Math.floor(ctx.memoryBudget / 8)),
    onRecord,
  });

  const batchDone = async (): Promise<void> => {
    counts.bytesDone = parser.bytesConsumed;
    if (groups.full) {
      const file = path.join(dir, `run-${runs.length}.run`);
      await writeRun(file, groups.drain(), ctx.signal);
      runs.push(file);
    }
  };

  for await (const chunk of ctx.input) {
    const bytes: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
      ctx.signal.throwIfAborted();
      parser.push(bytes.subarray(at, at + SLICE_BYTES));
      await batchDone();
    }
    ctx.progress({ ...counts });
  }
  parser.end();
  if (!headerSeen) {
    throw new ProcessorError(
      'ERR_CSV_EMPTY',
      `the input is empty: expected the header ${INPUT_HEADER.join(',')}`,
    );
  }
  counts.bytesDone = parser.bytesConsumed;
  ctx.progress({ ...counts });
  return { runs, last: groups.drain(), counts };
}

/** Why a data row is rejected, or '' if it may be (the values are checked as they are parsed). */
function rowProblem(rec: CsvRecord): string {
  if (rec.malformed) return rec.malformed;
  if (rec.count !== 3) return `expected 3 fields (${INPUT_HEADER.join(',')}), got ${rec.count}`;
  const { starts, ends } = rec;
  for (let f = 0; f < 3; f++) if (ends[f] === starts[f]) return `missing ${INPUT_HEADER[f]}`;
  return '';
}

function checkHeader(rec: CsvRecord): void {
  const ok = rec.count === 3 && !rec.malformed && INPUT_HEADER.every((name, i) => rec.latin1(i) === name);
  if (!ok) {
    throw new ProcessorError(
      'ERR_CSV_HEADER',
      `wrong header: expected the columns ${INPUT_HEADER.join(',')}, got ${JSON.stringify(rec.raw(RAW_LINE_MAX))}`,
    );
  }
}

async function openRuns(files: string[], bufferBytes: number): Promise<GroupCursor[]> {
  const readers: RunReader[] = [];
  try {
    for (const f of files) readers.push(await RunReader.open(f, bufferBytes));
    return readers;
  } catch (err) {
    await Promise.all(readers.map((r) => r.close()));
    throw err;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
