import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
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

const EXAMPLE_IN = `Song,Date,Number of Plays
Umbrella,2020-01-02,200
Umbrella,2020-01-01,100
In The End,2020-01-01,500
Umbrella,2020-01-01,50
In The End,2020-01-01,1000
Umbrella,2020-01-02,50
In The End,2020-01-02,500
`;
const EXAMPLE_OUT = `Song,Date,Total Number of Plays for Date
In The End,2020-01-01,1500
In The End,2020-01-02,500
Umbrella,2020-01-01,150
Umbrella,2020-01-02,250
`;

let depot: TestDepot;
let alice: string;
let bob: string;
beforeAll(async () => {
  // A small memory budget: the larger inputs spill many runs, so resume crosses run files.
  depot = await startDepot({ DEPOT_WORKERS: '2', DEPOT_JOB_MEMORY: '4MiB' });
  alice = await depot.tokenFor('alice');
  bob = await depot.tokenFor('bob');
});
afterAll(async () => depot?.close());

async function report(input: string | Buffer, token = alice) {
  const fileId = await uploadFile(depot.url, token, Buffer.from(input));
  const job = await createJob(depot.url, token, 'csv-report', fileId);
  expect(job.state).toBe('queued');
  return waitForJob(depot.url, token, job.id);
}

describe('csv-report jobs', () => {
  it('turns the example of the issue into exactly its report, a file like any other', async () => {
    const job = await report(EXAMPLE_IN);
    expect(job.state).toBe('completed');
    expect(job.progress).toEqual({
      bytesDone: EXAMPLE_IN.length,
      bytesTotal: EXAMPLE_IN.length,
      rowsDone: 7,
      errorCount: 0,
    });
    const out = await download(depot.url, alice, job.outputFileId!);
    expect(out.toString()).toBe(EXAMPLE_OUT);
    const head = await fetch(`${depot.url}/files/${job.outputFileId}`, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${alice}`, 'Tus-Resumable': '1.0.0' },
    });
    expect(head.headers.get('upload-length')).toBe(String(EXAMPLE_OUT.length));
    // Someone else sees neither the job nor its output.
    expect((await api(depot.url, bob, 'GET', `/api/jobs/${job.id}`)).status).toBe(404);
    expect(
      (await fetch(`${depot.url}/files/${job.outputFileId}`, { headers: { Authorization: `Bearer ${bob}` } }))
        .status,
    ).toBe(404);
    expect(sha256(out)).toHaveLength(64);
  });

  it('reads quoted and multi-line fields, a BOM and CRLF', async () => {
    const input =
      '\ufeffSong,Date,Number of Plays\r\n"Hello, ""World""",2020-01-01,1\r\n"two\r\nlines",2020-01-01,2\r\n"Hello, ""World""",2020-01-01,3\r\n';
    const job = await report(input);
    expect(job.state).toBe('completed');
    expect((await download(depot.url, alice, job.outputFileId!)).toString()).toBe(
      'Song,Date,Total Number of Plays for Date\n"Hello, ""World""",2020-01-01,4\n"two\r\nlines",2020-01-01,2\n',
    );
  });

  it('fails at once on a wrong header or an empty file, naming the expected columns', async () => {
    const wrong = await report('Song,Day,Plays\nA,2020-01-01,1\n');
    expect(wrong.state).toBe('failed');
    expect(wrong.error?.code).toBe('ERR_CSV_HEADER');
    expect(wrong.error?.message).toContain('Song,Date,Number of Plays');
    expect(wrong.outputFileId).toBeNull();
    // Bad input never retries.
    expect((await api(depot.url, alice, 'GET', `/api/jobs/${wrong.id}`)).json.attempts).toBe(0);
    const empty = await report('');
    expect(empty.state).toBe('failed');
    expect(empty.error?.code).toBe('ERR_CSV_EMPTY');
  });

  it('reports a header-only file as an empty report, and a file of only bad rows with its errors', async () => {
    const headerOnly = await report('Song,Date,Number of Plays\n');
    expect(headerOnly.state).toBe('completed');
    expect((await download(depot.url, alice, headerOnly.outputFileId!)).toString()).toBe(
      'Song,Date,Total Number of Plays for Date\n',
    );
    const bad = await report(
      'Song,Date,Number of Plays\nA,2020-13-01,1\nB,2020-01-01,x\n,2020-01-01,1\n"C,2020-01-01,1\n',
    );
    expect(bad.state).toBe('completed');
    expect(bad.progress.errorCount).toBe(4);
    const page = await api(depot.url, alice, 'GET', `/api/jobs/${bad.id}/errors?limit=2`);
    expect(page.json.errors.map((e: { row: number }) => e.row)).toEqual([2, 3]);
    expect(page.json.errors[0].reason).toContain('Date');
    const rest = await api(depot.url, alice, 'GET', `/api/jobs/${bad.id}/errors?after=${page.json.next}`);
    expect(rest.json.errors.map((e: { row: number }) => e.row)).toEqual([4, 5]);
    expect(rest.json.next).toBeNull();
    const csv = await fetch(`${depot.url}/api/jobs/${bad.id}/errors`, {
      headers: { Authorization: `Bearer ${alice}`, Accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('row,raw,reason');
    expect(lines[1]).toMatch(/^2,"A,2020-13-01,1",Date/);
    expect(lines).toHaveLength(6); // header, 4 errors, the unterminated quote's raw line ends the file
    expect((await download(depot.url, alice, bad.outputFileId!)).toString()).toBe(
      'Song,Date,Total Number of Plays for Date\n',
    );
  });

  it('answers 409 ERR_JOB_STATE for a move the state does not allow, 404 to others, 400 for a bad request', async () => {
    const job = await report(EXAMPLE_IN);
    for (const action of ['pause', 'resume', 'cancel']) {
      const res = await api(depot.url, alice, 'POST', `/api/jobs/${job.id}/${action}`);
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe('ERR_JOB_STATE');
      expect((await api(depot.url, bob, 'POST', `/api/jobs/${job.id}/${action}`)).status).toBe(404);
    }
    const fileId = await uploadFile(depot.url, alice, Buffer.from(EXAMPLE_IN));
    expect((await api(depot.url, alice, 'POST', '/api/jobs', { type: 'nope', fileId })).status).toBe(400);
    expect((await api(depot.url, bob, 'POST', '/api/jobs', { type: 'csv-report', fileId })).status).toBe(404);
    const mine = await api(depot.url, bob, 'GET', '/api/jobs');
    expect(mine.json.jobs).toEqual([]);
    const done = await api(depot.url, alice, 'GET', '/api/jobs?state=completed&type=csv-report&limit=2');
    expect(done.json.jobs).toHaveLength(2);
    expect(done.json.jobs.every((j: { state: string }) => j.state === 'completed')).toBe(true);
    const next = await api(depot.url, alice, 'GET', `/api/jobs?state=completed&before=${done.json.next}`);
    expect(next.json.jobs.map((j: { id: string }) => j.id)).not.toContain(done.json.jobs[0].id);
    expect((await api(depot.url, alice, 'GET', '/api/jobs?state=bogus')).status).toBe(400);
    // names every object has are not job types, states or cursors
    const either = await api(depot.url, alice, 'GET', '/api/jobs?type=csv-report,csv-import&limit=500');
    expect(either.status).toBe(200);
    expect(either.json.jobs.length).toBe(
      (await api(depot.url, alice, 'GET', '/api/jobs?limit=500')).json.jobs.length,
    );
    for (const q of [
      'type=nope',
      'type=csv-report,nope',
      'type=constructor',
      'state=constructor',
      'before=nope',
    ]) {
      expect((await api(depot.url, alice, 'GET', `/api/jobs?${q}`)).status, q).toBe(400);
    }
    expect((await api(depot.url, alice, 'POST', '/api/jobs', { type: 'constructor', fileId })).status).toBe(
      400,
    );
    // another owner's job is no cursor either
    expect((await api(depot.url, bob, 'GET', `/api/jobs?before=${job.id}`)).status).toBe(400);
  });

  it(
    'pauses a running job with a checkpoint, and resumes it to the output of an uninterrupted run',
    { timeout: 180_000 },
    async () => {
      const input = reportInput(1_500_000);
      const fileId = await uploadFile(depot.url, alice, input);
      const whole = await createJob(depot.url, alice, 'csv-report', fileId);
      const uninterrupted = await waitForJob(depot.url, alice, whole.id);
      expect(uninterrupted.state).toBe('completed');
      const expected = await download(depot.url, alice, uninterrupted.outputFileId!);

      const { job, answer: paused } = await actOnRunning(
        depot.url,
        alice,
        () => createJob(depot.url, alice, 'csv-report', fileId),
        (j) => j.progress.bytesDone > 0,
        'pause',
      );
      expect(paused.state).toBe('paused');
      const at = paused.progress.bytesDone;
      expect(at).toBeGreaterThan(0);
      expect(paused.resumeFrom).toBe(at);
      expect(at).toBeLessThan(input.length);
      // Paused means stopped: nothing moves.
      await new Promise((r) => setTimeout(r, 300));
      expect((await api(depot.url, alice, 'GET', `/api/jobs/${job.id}`)).json.progress.bytesDone).toBe(at);
      const resumed = await api(depot.url, alice, 'POST', `/api/jobs/${job.id}/resume`);
      expect(resumed.status).toBe(200);
      // Resumed from the checkpoint, never from byte 0.
      const seen: number[] = [];
      const done = await waitForJob(depot.url, alice, job.id, (j) => {
        seen.push(j.progress.bytesDone);
        return j.state === 'completed';
      });
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(at);
      expect(done.progress).toEqual(uninterrupted.progress);
      expect(sha256(await download(depot.url, alice, done.outputFileId!))).toBe(sha256(expected));
      const errorsCsv = async (id: string) =>
        (
          await fetch(`${depot.url}/api/jobs/${id}/errors?format=csv`, {
            headers: { Authorization: `Bearer ${alice}` },
          })
        ).text();
      const errors = await errorsCsv(job.id);
      expect(errors).toBe(await errorsCsv(whole.id));
      expect(errors.trimEnd().split('\n')).toHaveLength(1 + done.progress.errorCount);
    },
  );

  it('cancels a running job: no output, no files left', { timeout: 180_000 }, async () => {
    const input = reportInput(1_500_000);
    const fileId = await uploadFile(depot.url, alice, input);
    const { job, answer: cancelled } = await actOnRunning(
      depot.url,
      alice,
      () => createJob(depot.url, alice, 'csv-report', fileId),
      (j) => j.progress.bytesDone > 0,
      'cancel',
    );
    expect(cancelled.state).toBe('cancelled');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(`${depot.dataDir}/jobs`)).not.toContain(job.id);
    expect((await api(depot.url, alice, 'POST', `/api/jobs/${job.id}/resume`)).status).toBe(409);
    const after = await waitForJob(depot.url, alice, job.id);
    expect(after.outputFileId).toBeNull();
  });

  it('starts the job an upload asks for with process=TYPE', async () => {
    const fileId = await uploadFile(depot.url, alice, Buffer.from(EXAMPLE_IN), {
      filename: 'plays.csv',
      process: 'csv-report',
    });
    let job: { id: string; fileId: string } | undefined;
    for (let i = 0; i < 200 && !job; i++) {
      const list = await api(depot.url, alice, 'GET', '/api/jobs?type=csv-report&limit=500');
      job = list.json.jobs.find((j: { fileId: string }) => j.fileId === fileId);
      if (!job) await new Promise((r) => setTimeout(r, 10));
    }
    const done = await waitForJob(depot.url, alice, job!.id);
    expect((await download(depot.url, alice, done.outputFileId!)).toString()).toBe(EXAMPLE_OUT);
  });
});
