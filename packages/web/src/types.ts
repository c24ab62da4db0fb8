/** The shapes of Depot's API answers the UI reads (see the README's API table). */
export interface FileInfo {
  id: string;
  name: string | null;
  type: string | null;
  size: number | null;
  offset: number;
  status: 'uploading' | 'complete';
  sha256: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export type JobState = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  type: string;
  state: JobState;
  fileId: string;
  progress: { bytesDone: number; bytesTotal: number; rowsDone: number; errorCount: number };
  outputFileId: string | null;
  error: { code: string; message: string } | string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RowError {
  row: number;
  raw: string;
  reason: string;
}
