import type { Selectable } from 'kysely';
import type { JobPatch, JobProgress, JobRecord, JobState } from '../../ports/job-repository.js';
import { num, numOrNull } from './rows.js';
import type { JobsTable } from './schema.js';

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function toJob(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    owner: row.owner,
    type: row.type,
    inputFileId: row.input_file_id,
    params: JSON.parse(row.params) as Record<string, unknown>,
    state: row.state as JobState,
    progress: JSON.parse(row.progress) as JobProgress,
    checkpoint: row.checkpoint === null ? null : (JSON.parse(row.checkpoint) as unknown),
    outputFileId: row.output_file_id,
    error: row.error === null ? null : (JSON.parse(row.error) as JobRecord['error']),
    attempts: num(row.attempts),
    runAfter: num(row.run_after),
    lease: row.lease,
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    startedAt: numOrNull(row.started_at),
    finishedAt: numOrNull(row.finished_at),
  };
}

export function fromJob(j: JobRecord): Selectable<JobsTable> {
  return {
    id: j.id,
    owner: j.owner,
    type: j.type,
    input_file_id: j.inputFileId,
    params: JSON.stringify(j.params),
    state: j.state,
    progress: JSON.stringify(j.progress),
    checkpoint: json(j.checkpoint),
    output_file_id: j.outputFileId,
    error: json(j.error),
    attempts: j.attempts,
    run_after: j.runAfter,
    lease: j.lease,
    lease_expires_at: j.leaseExpiresAt ?? null,
    created_at: j.createdAt,
    updated_at: j.updatedAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
  };
}

export function jobColumns(p: JobPatch): Partial<Selectable<JobsTable>> {
  const set: Partial<Selectable<JobsTable>> = {};
  if (p.state !== undefined) set.state = p.state;
  if (p.progress !== undefined) set.progress = JSON.stringify(p.progress);
  if (p.checkpoint !== undefined) set.checkpoint = json(p.checkpoint);
  if (p.outputFileId !== undefined) set.output_file_id = p.outputFileId;
  if (p.error !== undefined) set.error = json(p.error);
  if (p.attempts !== undefined) set.attempts = p.attempts;
  if (p.runAfter !== undefined) set.run_after = p.runAfter;
  if (p.lease !== undefined) set.lease = p.lease;
  if (p.leaseExpiresAt !== undefined) set.lease_expires_at = p.leaseExpiresAt;
  if (p.updatedAt !== undefined) set.updated_at = p.updatedAt;
  if (p.startedAt !== undefined) set.started_at = p.startedAt;
  if (p.finishedAt !== undefined) set.finished_at = p.finishedAt;
  return set;
}
