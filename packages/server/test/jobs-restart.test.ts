import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDepot } from './helpers/depot-process.js';
import {
  actOnRunning,
  api,
  createJob,
  download,
  reportInput,
  sha256,
  uploadFile,
  waitForJob,
} from './helpers/jobs.js';

const TOKEN = 'jobs-restart-admin-token-0123456789';
let dir: string;
let input: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-jobs-restart-'));
  input = reportInput(2_000_000);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/**
 * Starts a job on a fresh server, makes sure it has a checkpoint (a pause saves one, whatever the
 * machine's speed), lets it run again, and stops the server by `signal` while it runs.
 */
async function interrupted(signal: 'SIGKILL' | 'SIGTERM') {
  const env = { DEPOT_DATA_DIR: path.join(dir, signal), DEPOT_ADMIN_TOKEN: TOKEN, DEPOT_JOB_MEMORY: '8MiB' };
  const first = await spawnDepot(env);
  const fileId = await uploadFile(first.url, TOKEN, input);
  const { job, answer } = await actOnRunning(
    first.url,
    TOKEN,
    () => createJob(first.url, TOKEN, 'csv-report', fileId),
    (j) => j.progress.bytesDone > 0,
    'pause',
  );
  const checkpoint = answer.resumeFrom!;
  expect(checkpoint).toBeGreaterThan(0);
  expect(checkpoint).toBeLessThan(input.length);
  expect((await api(first.url, TOKEN, 'POST', `/api/jobs/${job.id}/resume`)).status).toBe(200);
  await waitForJob(first.url, TOKEN, job.id, (j) => j.state === 'running');
  first.child.kill(signal);
  const code = await first.exited;
  return { env, fileId, job, code, checkpoint };
}

describe('jobs across a server restart', { timeout: 180_000 }, () => {
  it('takes a job back from its checkpoint after SIGKILL, and completes it with identical output', async () => {
    const { env, fileId, job, checkpoint } = await interrupted('SIGKILL');
    const second = await spawnDepot(env);
    try {
      const seen: number[] = [];
      const done = await waitForJob(second.url, TOKEN, job.id, (j) => {
        seen.push(j.progress.bytesDone);
        return j.state === 'completed';
      });
      // Resumed, not restarted: progress never went back below the checkpoint seen before the kill.
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(checkpoint);
      const again = await createJob(second.url, TOKEN, 'csv-report', fileId);
      const reference = await waitForJob(second.url, TOKEN, again.id);
      expect(done.progress).toEqual(reference.progress);
      const out = await download(second.url, TOKEN, done.outputFileId!);
      expect(sha256(out)).toBe(sha256(await download(second.url, TOKEN, reference.outputFileId!)));
      const text = out.toString();
      expect(text.startsWith('Song,Date,Total Number of Plays for Date\nSong 1,2020-03-01,')).toBe(true);
      expect(text).toContain('\n"Song, ""0""",2020-03-01,');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('hands a running job back to the queue with a checkpoint on SIGTERM', async () => {
    const { env, job, code, checkpoint } = await interrupted('SIGTERM');
    expect(code).toBe(0);
    const second = await spawnDepot({ ...env, DEPOT_WORKERS: '0' });
    try {
      const back = await api(second.url, TOKEN, 'GET', `/api/jobs/${job.id}`);
      expect(back.json.state).toBe('queued');
      expect(back.json.resumeFrom).toBeGreaterThanOrEqual(checkpoint);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const third = await spawnDepot(env);
    try {
      const done = await waitForJob(third.url, TOKEN, job.id);
      expect(done.state).toBe('completed');
    } finally {
      third.child.kill('SIGTERM');
      await third.exited;
    }
  });
});
