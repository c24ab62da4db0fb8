import { expect, it } from 'vitest';
import { EventBus } from '../src/core/events.js';
import { ProgressBoard } from '../src/core/jobs/progress-board.js';
import { jobRecord } from './contract/job-records.js';

it("keeps another node's live job progress while it runs, and forgets it once it ends or goes stale", () => {
  const feed = new EventBus();
  let now = 1_000;
  const board = new ProgressBoard(feed, () => now);
  const job = jobRecord({ state: 'running' });
  const progress = { ...job.progress, bytesDone: 42, rowsDone: 7 };
  expect(board.get(job.id)).toBeUndefined();
  feed.emit('job.progress', { ...job, progress });
  expect(board.get(job.id)).toEqual(progress);
  feed.emit('job.changed', { ...job, state: 'paused' });
  expect(board.get(job.id)).toBeUndefined();

  feed.emit('job.progress', { ...job, progress });
  now += 5_001;
  expect(board.get(job.id)).toBeUndefined();

  feed.emit('job.progress', { ...job, progress });
  board.stop();
  expect(board.get(job.id)).toBeUndefined();
  feed.emit('job.progress', { ...job, progress });
  expect(board.get(job.id)).toBeUndefined();
});
