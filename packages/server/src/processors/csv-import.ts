import { RowBatchWriter } from '../core/row-batch-writer.js';
import type { RowBatch } from '../ports/dataset-repository.js';
import { CsvParser, type CsvRecord } from './csv-parser.js';
import { feedSlices } from './feed-slices.js';
import { type ImportColumn, writeCell } from './import-values.js';
import {
  CHECKPOINT_MS,
  type Checkpoint,
  type ProcessorContext,
  ProcessorError,
  type Progress,
  RAW_LINE_MAX,
} from './processor.js';

/** Where validated rows go: the job stages them and stores the checkpoint in one transaction. */
export interface RowSink {
  /**
   * Rows in the declared column order, each at the line of the input it starts on (its
   * position), and the checkpoint of the boundary after the last one. Up to WRITES_IN_FLIGHT
   * calls overlap: the sink applies them in call order, none after one that failed.
   */
  write(rows: RowBatch, checkpoint: Checkpoint): Promise<void>;
}

export interface ImportContext extends Omit<ProcessorContext, 'output'> {
  readonly columns: readonly ImportColumn[];
  readonly rows: RowSink;
}

export type ImportProcessor = (ctx: ImportContext) => Promise<Progress>;

/** Rows per write: a transaction each, so big enough to amortise the commit. */
const BATCH_ROWS = 20_000;
/**
 * Writes handed to the sink before the oldest has ended: Postgres loads two batches at once on two
 * backends (its COPY of one batch is slower than this thread's parsing of it) while this thread
 * parses the next.
 */
const WRITES_IN_FLIGHT = 2;

/** The resume state: which column each CSV field feeds, and the line the input resumes on. */
interface ImportState {
  readonly order: number[];
  readonly line: number;
}

/**
 * csv-import: validates every row against the declared columns and hands good rows on in batches;
 * a bad row becomes an error record (row, raw line, reason) and the import goes on. The header must
 * name exactly the declared columns (in any order), else the run fails at once.
 */
export const csvImport: ImportProcessor = async (ctx) => {
  const { columns } = ctx;
  const from = ctx.resumable?.from;
  const state = from?.state as ImportState | undefined;
  let order: number[] | undefined = state?.order;
  // for each column, the CSV field that feeds it
  let fieldOf = order && fieldsOf(order);
  const counts: Progress = {
    bytesDone: from?.progress.bytesDone ?? 0,
    rowsDone: from?.progress.rowsDone ?? 0,
    errorCount: from?.progress.errorCount ?? 0,
  };
  const batch = new RowBatchWriter(1 << 20);

  const onRecord = (rec: CsvRecord): void => {
    if (!fieldOf) {
      order = headerOrder(rec, columns);
      fieldOf = fieldsOf(order);
      return;
    }
    counts.rowsDone++;
    const reason = writeRow(rec, fieldOf, columns, batch);
    if (reason) {
      counts.errorCount++;
      ctx.onError({ row: rec.line, raw: rec.raw(RAW_LINE_MAX), reason });
    }
  };
  const parser = new CsvParser({
    maxFields: columns.length + 1,
    maxRecordBytes: Math.max(1 << 16, Math.floor(ctx.memoryBudget / 8)),
    onRecord,
    from: state ? { offset: counts.bytesDone, line: state.line } : undefined,
  });
  let savedAt = Date.now();
  // Batches are written while the next is parsed: the database and this thread work at once.
  // A failure surfaces when its write is awaited; nothing returns or throws before all have settled.
  const writing: Promise<void>[] = [];
  const flush = async (): Promise<void> => {
    counts.bytesDone = parser.bytesConsumed;
    const rows = batch.take();
    const cp: Checkpoint = {
      progress: { ...counts },
      state: order ? ({ order, line: parser.nextLine } satisfies ImportState) : null,
    };
    if (writing.length >= WRITES_IN_FLIGHT) await writing.shift();
    const write = ctx.rows.write(rows, cp);
    write.catch(() => {});
    writing.push(write);
    savedAt = Date.now();
  };
  const saved = async (): Promise<void> => {
    await flush();
    while (writing.length > 0) await writing.shift();
  };

  try {
    await feedSlices(ctx, parser, counts, saved, async () => {
      if (batch.count >= BATCH_ROWS || Date.now() - savedAt >= CHECKPOINT_MS) await flush();
    });
    parser.end();
    if (!order) {
      throw new ProcessorError(
        'ERR_CSV_EMPTY',
        `the input is empty: expected the header ${columns.map((c) => c.name).join(',')}`,
      );
    }
    await saved();
  } finally {
    // A write still running when the run stops (cancel, failure) must end before the job's
    // staged rows are dropped, or it would stage them again after the drop.
    await Promise.allSettled(writing);
  }
  ctx.progress({ ...counts });
  return { ...counts };
};

/** For each CSV field, the column it feeds; a header that is not exactly the columns fails the run. */
function headerOrder(rec: CsvRecord, columns: readonly ImportColumn[]): number[] {
  const names = Array.from({ length: Math.min(rec.count, rec.starts.length) }, (_, i) =>
    rec.buf.toString('utf8', rec.starts[i], rec.ends[i]),
  );
  const order = names.map((n) => columns.findIndex((c) => c.name === n));
  const ok =
    !rec.malformed &&
    rec.count === columns.length &&
    order.every((c) => c >= 0) &&
    new Set(order).size === columns.length;
  if (!ok) {
    throw new ProcessorError(
      'ERR_CSV_HEADER',
      `wrong header: expected the columns ${columns.map((c) => c.name).join(',')}, got ${JSON.stringify(rec.raw(RAW_LINE_MAX))}`,
    );
  }
  return order;
}

/** The inverse of a header order: for each column, the CSV field that feeds it. */
function fieldsOf(order: readonly number[]): number[] {
  const fields = new Array<number>(order.length);
  order.forEach((c, f) => {
    fields[c] = f;
  });
  return fields;
}

/** Writes the row to `out` in column order, or says why it is rejected (nothing written then). */
function writeRow(
  rec: CsvRecord,
  fieldOf: readonly number[],
  columns: readonly ImportColumn[],
  out: RowBatchWriter,
): string {
  if (rec.malformed) return rec.malformed;
  if (rec.count !== columns.length) return `expected ${columns.length} fields, got ${rec.count}`;
  out.startRow(rec.line);
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c]!;
    const f = fieldOf[c]!;
    const start = rec.starts[f]!;
    const end = rec.ends[f]!;
    let problem = '';
    if (end === start) {
      if (col.required) problem = `missing ${col.name}`;
      else out.null();
    } else {
      problem = writeCell(col.type, rec.buf, start, end, out);
      if (problem) problem = `${col.name} ${problem}`;
    }
    if (problem) {
      out.dropRow();
      return problem;
    }
  }
  out.endRow();
  return '';
}
