import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * The checkpoint state of a resumable csv-report run. Sound because a spill happens only at an
 * input slice boundary, where every record before `bytesDone` has been added to a group and every
 * group has been written to a run: the runs named here plus the input from `bytesDone` on hold
 * exactly the rows of the file, each once. Runs are synced to disk before the checkpoint names them.
 *
 * A checkpoint while the groups in memory are few does not drain them into a new run (that would
 * make a run per checkpoint, and the merge would read every group that many times): it writes a
 * snapshot of them and keeps them. The snapshot is a run of the groups added since the last spill;
 * it is replaced by the next snapshot, and dropped once a spill has drained those groups.
 */
export interface ReportState {
  /** `aggregate`: reading the input; `merge`: the input is all in `runs`, only the merge is left */
  readonly phase: 'aggregate' | 'merge';
  /** run files in the work dir, oldest first */
  readonly runs: readonly string[];
  /** the snapshot of the groups in memory at the checkpoint (a run once resumed), if any */
  readonly snapshot?: string | null;
  /** the line the input from `bytesDone` starts on */
  readonly line: number;
  readonly headerSeen: boolean;
  /** the next run file number (names are never reused, so a stale file is never taken for a run) */
  readonly seq: number;
}

export const FRESH: ReportState = { phase: 'aggregate', runs: [], line: 1, headerSeen: false, seq: 0 };

export function isReportState(v: unknown): v is ReportState {
  const s = v as ReportState | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    (s.phase === 'aggregate' || s.phase === 'merge') &&
    Array.isArray(s.runs) &&
    typeof s.line === 'number' &&
    typeof s.seq === 'number'
  );
}

/** Removes what a run that stopped after the last checkpoint left in the work dir. */
export async function removeStale(dir: string, keep: readonly string[]): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => !keep.includes(n))
      .map((n) => rm(path.join(dir, n), { recursive: true, force: true })),
  );
}
