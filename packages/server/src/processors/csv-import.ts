import { CsvParser, type CsvRecord } from './csv-parser.js';
import { feedSlices } from './feed-slices.js';
import { type Cell, type ImportColumn, isRejection, parseCell } from './import-values.js';
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
  /** Rows in the declared column order, and the checkpoint of the boundary after the last one. */
  write(rows: Cell[][], checkpoint: Checkpoint): Promise<void>;
}

export interface ImportContext extends Omit<ProcessorContext, 'output'> {
  readonly columns: readonly ImportColumn[];
  readonly rows: RowSink;
}

export type ImportProcessor = (ctx: ImportContext) => Promise<Progress>;

/** Rows per write: a transaction each, so big enough to amortise the commit. */
const BATCH_ROWS = 20_000;

/** The resume state: which CSV field feeds which column, and the line the input resumes on. */
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
  const counts: Progress = {
    bytesDone: from?.progress.bytesDone ?? 0,
    rowsDone: from?.progress.rowsDone ?? 0,
    errorCount: from?.progress.errorCount ?? 0,
  };
  let batch: Cell[][] = [];

  const onRecord = (rec: CsvRecord): void => {
    if (!order) {
      order = headerOrder(rec, columns);
      return;
    }
    counts.rowsDone++;
    const reason = rowProblem(rec, order, columns);
    if (typeof reason === 'string') {
      counts.errorCount++;
      ctx.onError({ row: rec.line, raw: rec.raw(RAW_LINE_MAX), reason });
    } else {
      batch.push(reason);
    }
  };
  const parser = new CsvParser({
    maxFields: columns.length + 1,
    maxRecordBytes: Math.max(1 << 16, Math.floor(ctx.memoryBudget / 8)),
    onRecord,
    from: state ? { offset: counts.bytesDone, line: state.line } : undefined,
  });
  let savedAt = Date.now();
  // One batch is written while the next is parsed: the database and this thread work at once.
  // Its failure surfaces at the next flush; nothing returns or throws before it has settled.
  let writing: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    counts.bytesDone = parser.bytesConsumed;
    const rows = batch;
    batch = [];
    const cp: Checkpoint = {
      progress: { ...counts },
      state: order ? ({ order, line: parser.nextLine } satisfies ImportState) : null,
    };
    await writing;
    writing = ctx.rows.write(rows, cp);
    writing.catch(() => {});
    savedAt = Date.now();
  };
  const saved = async (): Promise<void> => {
    await flush();
    await writing;
  };

  try {
    await feedSlices(ctx, parser, counts, saved, async () => {
      if (batch.length >= BATCH_ROWS || Date.now() - savedAt >= CHECKPOINT_MS) await flush();
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
    await writing.catch(() => {});
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

/** The row's values in column order, or why it is rejected. */
function rowProblem(rec: CsvRecord, order: number[], columns: readonly ImportColumn[]): Cell[] | string {
  if (rec.malformed) return rec.malformed;
  if (rec.count !== columns.length) return `expected ${columns.length} fields, got ${rec.count}`;
  const values: Cell[] = new Array(columns.length);
  for (let f = 0; f < order.length; f++) {
    const c = order[f]!;
    const col = columns[c]!;
    const start = rec.starts[f]!;
    const end = rec.ends[f]!;
    if (end === start) {
      if (col.required) return `missing ${col.name}`;
      values[c] = null;
      continue;
    }
    const v = parseCell(col.type, rec.buf, start, end);
    // Postgres text cannot hold NUL; refusing it on every store keeps imports portable
    if (typeof v === 'string' && v.includes('\0')) return `${col.name} contains a NUL character`;
    if (isRejection(col.type, v)) return `${col.name} ${v.slice(1)}`;
    values[c] = v;
  }
  return values;
}
