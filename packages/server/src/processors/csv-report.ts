import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { CsvParser, type CsvRecord } from './csv-parser.js';
import { calendarDate, parsePlays } from './csv-report-fields.js';
import { CsvWriter } from './csv-writer.js';
import { feedSlices } from './feed-slices.js';
import { GroupAggregator } from './group-aggregator.js';
import {
  CHECKPOINT_MS,
  type Processor,
  type ProcessorContext,
  ProcessorError,
  type Progress,
  RAW_LINE_MAX,
  type RowError,
} from './processor.js';
import { FRESH, isReportState, type ReportState, removeStale } from './report-state.js';
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
/** Past this share of its budget, a checkpoint drains the groups into a run instead of a snapshot. */
const SNAPSHOT_SHARE = 0.25;
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
  const resumable = ctx.resumable;
  const dir = resumable ? resumable.workDir : await mkdtemp(path.join(ctx.tempDir, 'csv-report-'));
  try {
    const from = resumable?.from;
    const state = from && isReportState(from.state) ? from.state : FRESH;
    if (resumable) {
      await mkdir(dir, { recursive: true });
      await removeStale(dir, state.snapshot ? [...state.runs, state.snapshot] : state.runs);
    }
    const run = new ReportRun(ctx, dir, state, from?.progress);
    if (state.phase === 'aggregate') await run.aggregate();
    const cursors = await run.reduceRuns();
    const writer = new CsvWriter(ctx.output, ctx.signal, OUTPUT_HEADER);
    await mergeGroups(cursors, writer, ctx.signal);
    await writer.end();
    return { ...run.counts, rowsOut: writer.rows };
  } finally {
    // A resumable run's files are the job's until it ends; the runner removes them then.
    if (!resumable) await rm(dir, { recursive: true, force: true });
  }
};

/** One run of the report over its input: the aggregation phase and the merge's preparation. */
class ReportRun {
  readonly counts: Progress;
  private readonly groups: GroupAggregator;
  private runs: string[];
  /** the snapshot the last saved checkpoint names, if any */
  private snapshot: string | null = null;
  private seq: number;
  private line: number;
  private headerSeen: boolean;
  private last: GroupCursor | undefined;
  private readonly readerBytes: number;

  constructor(
    private readonly ctx: ProcessorContext,
    private readonly dir: string,
    state: ReportState,
    progress: Progress | undefined,
  ) {
    this.groups = new GroupAggregator(ctx.memoryBudget * GROUPS_SHARE);
    // A resumed snapshot holds groups no run has: from now on it is a run like the others.
    this.runs = state.snapshot ? [...state.runs, state.snapshot] : [...state.runs];
    this.seq = state.seq;
    this.line = state.line;
    this.headerSeen = state.headerSeen;
    this.counts = {
      bytesDone: progress?.bytesDone ?? 0,
      rowsDone: progress?.rowsDone ?? 0,
      errorCount: progress?.errorCount ?? 0,
    };
    this.readerBytes = clamp(
      Math.floor((ctx.memoryBudget * (1 - GROUPS_SHARE)) / 4 / MAX_FAN_IN),
      16 << 10,
      1 << 20,
    );
  }

  /** Phase 1: parse, validate and sum the input, spilling sorted runs past the budget. */
  async aggregate(): Promise<void> {
    const { ctx, counts, groups } = this;
    const reject = (rec: CsvRecord, reason: string): void => {
      counts.errorCount++;
      const e: RowError = { row: rec.line, raw: rec.raw(RAW_LINE_MAX), reason };
      ctx.onError(e);
    };
    const onRecord = (rec: CsvRecord): void => {
      if (!this.headerSeen) {
        checkHeader(rec);
        this.headerSeen = true;
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
      from: counts.bytesDone > 0 ? { offset: counts.bytesDone, line: this.line } : undefined,
    });
    let savedAt = Date.now();
    const checkpoint = async (): Promise<void> => {
      counts.bytesDone = parser.bytesConsumed;
      this.line = parser.nextLine;
      if (groups.bytes > groups.limit * SNAPSHOT_SHARE) await this.spill(true);
      await this.save('aggregate', await this.writeSnapshot());
      savedAt = Date.now();
    };

    await feedSlices(ctx, parser, counts, checkpoint, async () => {
      if (ctx.resumable && Date.now() - savedAt >= CHECKPOINT_MS) await checkpoint();
      else if (groups.full) await this.spill(false);
    });
    parser.end();
    if (!this.headerSeen) {
      throw new ProcessorError(
        'ERR_CSV_EMPTY',
        `the input is empty: expected the header ${INPUT_HEADER.join(',')}`,
      );
    }
    counts.bytesDone = parser.bytesConsumed;
    ctx.progress({ ...counts });
    if (ctx.resumable) {
      // The whole input is in runs now: a resume goes straight to the merge.
      await this.spill(true);
      await this.save('merge');
    } else {
      this.last = groups.drain();
    }
  }

  /** Phase 2 preparation: merges runs until one pass can take them all; returns that pass's inputs. */
  async reduceRuns(): Promise<GroupCursor[]> {
    const { ctx, dir } = this;
    while (this.runs.length >= MAX_FAN_IN) {
      // Too many runs to open at once: merge the oldest into one, until one pass can finish.
      const merged = this.nextRunName();
      const batch = this.runs.slice(0, MAX_FAN_IN);
      const w = await RunWriter.create(path.join(dir, merged));
      let ok = false;
      try {
        await mergeGroups(await openRuns(dir, batch, this.readerBytes), w, ctx.signal);
        ok = true;
      } finally {
        await w.close(ok && ctx.resumable !== undefined);
      }
      this.runs = [...this.runs.slice(MAX_FAN_IN), merged];
      if (ctx.resumable) await this.save('merge');
      await Promise.all(batch.map((f) => rm(path.join(dir, f))));
    }
    const cursors = await openRuns(dir, this.runs, this.readerBytes);
    return this.last ? [...cursors, this.last] : cursors;
  }

  /** Writes the groups in memory (kept there) to a new synced snapshot file; null if there are none. */
  private async writeSnapshot(): Promise<string | null> {
    if (this.groups.size === 0) return null;
    const name = `snapshot-${this.seq++}.run`;
    await writeRun(path.join(this.dir, name), this.groups.sorted(), new AbortController().signal, true);
    return name;
  }

  /**
   * Writes the groups in memory to a new run (if any); synced when a checkpoint may name it. A
   * spill for a checkpoint is not aborted: a pause waits for it (it holds at most half a second
   * of input, or the budget's share).
   */
  private async spill(forCheckpoint: boolean): Promise<void> {
    if (this.groups.size === 0) return;
    const name = this.nextRunName();
    const signal = forCheckpoint ? new AbortController().signal : this.ctx.signal;
    await writeRun(path.join(this.dir, name), this.groups.drain(), signal, this.ctx.resumable !== undefined);
    this.runs.push(name);
  }

  private nextRunName(): string {
    return `run-${this.seq++}.run`;
  }

  /** Saves a checkpoint naming the runs and `snapshot`; then the snapshot it replaces is garbage. */
  private async save(phase: ReportState['phase'], snapshot: string | null = null): Promise<void> {
    const state: ReportState = {
      phase,
      runs: [...this.runs],
      snapshot,
      line: this.line,
      headerSeen: this.headerSeen,
      seq: this.seq,
    };
    await this.ctx.resumable?.save({ progress: { ...this.counts }, state });
    const old = this.snapshot;
    this.snapshot = snapshot;
    if (old && old !== snapshot) await rm(path.join(this.dir, old), { force: true });
  }
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

async function openRuns(dir: string, files: readonly string[], bufferBytes: number): Promise<GroupCursor[]> {
  const readers: RunReader[] = [];
  try {
    for (const f of files) readers.push(await RunReader.open(path.join(dir, f), bufferBytes));
    return readers;
  } catch (err) {
    await Promise.all(readers.map((r) => r.close()));
    throw err;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
