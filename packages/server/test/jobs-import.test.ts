import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/backends.js';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { actOnRunning, api, createJob, uploadFile, waitForJob } from './helpers/jobs.js';

// The same tests on SQLite (prepared INSERTs) and on Postgres (COPY): one behaviour.
describe.each(BACKENDS)('csv-import jobs on $name', (backend) => {
  let depot: TestDepot;
  let alice: string;
  let bob: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const started = await backend.start();
    cleanup = started.cleanup;
    depot = await startDepot({ ...started.env, DEPOT_WORKERS: '2' });
    alice = await depot.tokenFor('alice');
    bob = await depot.tokenFor('bob');
  });
  afterAll(async () => {
    await depot?.close();
    await cleanup?.();
  });

  const PEOPLE = {
    columns: [
      { name: 'id', type: 'integer', required: true },
      { name: 'name', type: 'string', required: true },
      { name: 'score', type: 'number', required: false },
      { name: 'born', type: 'date', required: false },
      { name: 'active', type: 'boolean', required: false },
    ],
    keys: ['id'],
  };

  async function declare(name: string, token = alice) {
    const res = await api(depot.url, token, 'POST', '/api/datasets', { name, ...PEOPLE });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
  }

  async function importCsv(dataset: string, csv: string | Buffer, token = alice) {
    const fileId = await uploadFile(depot.url, token, Buffer.from(csv));
    const job = await createJob(depot.url, token, 'csv-import', fileId, { dataset });
    return waitForJob(depot.url, token, job.id);
  }

  async function allRows(dataset: string, token = alice) {
    const rows: unknown[] = [];
    let after = 0;
    for (;;) {
      const page = await api(
        depot.url,
        token,
        'GET',
        `/api/datasets/${dataset}/rows?after=${after}&limit=10000`,
      );
      expect(page.status).toBe(200);
      rows.push(...page.json.rows);
      if (page.json.next === null) return rows;
      after = page.json.next;
    }
  }

  it('validates rows, upserts on the key, records bad rows, and pages through the dataset', async () => {
    await declare('people');
    const first = await importCsv(
      'people',
      'name,id,score,born,active\r\n"Smith, Ann",1,2.5,1990-02-28,true\r\nBob,2,,,0\r\nBad,x,1,,\r\nCarl,3,1e3,1990-02-30,\r\n"multi\nline",4,-1,2000-02-29,FALSE\r\n,5,,,\r\nAnn again,1,3,,\r\nNul\0char,6,,,\r\n',
    );
    expect(first.state).toBe('completed');
    expect(first.progress.rowsDone).toBe(8);
    expect(first.progress.errorCount).toBe(4);
    const errors = await api(depot.url, alice, 'GET', `/api/jobs/${first.id}/errors`);
    expect(errors.json.errors.map((e: { row: number; reason: string }) => [e.row, e.reason])).toEqual([
      [4, 'id is not an integer'],
      [5, 'born is not a calendar date written YYYY-MM-DD'],
      [8, 'missing name'],
      [10, 'name contains a NUL character'],
    ]);
    expect(errors.json.errors[0].raw).toBe('Bad,x,1,,');
    expect(errors.json.errors[3].raw).toBe('Nul\uFFFDchar,6,,,');
    expect(await allRows('people')).toEqual([
      { id: 1, name: 'Ann again', score: 3, born: null, active: null },
      { id: 2, name: 'Bob', score: null, born: null, active: false },
      { id: 4, name: 'multi\nline', score: -1, born: '2000-02-29', active: false },
    ]);
    const page = await api(depot.url, alice, 'GET', '/api/datasets/people/rows?limit=2');
    expect(page.json.rows).toHaveLength(2);
    expect(
      (await api(depot.url, alice, 'GET', `/api/datasets/people/rows?after=${page.json.next}`)).json.rows,
    ).toEqual([{ id: 4, name: 'multi\nline', score: -1, born: '2000-02-29', active: false }]);
    // Datasets are their owner's: another owner has none of that name.
    expect((await api(depot.url, bob, 'GET', '/api/datasets/people/rows')).status).toBe(404);
    expect((await api(depot.url, alice, 'POST', '/api/datasets', { name: 'people', ...PEOPLE })).status).toBe(
      409,
    );
    expect((await api(depot.url, alice, 'POST', '/api/datasets', { name: 'x', columns: [] })).status).toBe(
      400,
    );
    // a column JSON rows could not carry is refused when declared, not lost on import
    const proto = await api(depot.url, alice, 'POST', '/api/datasets', {
      name: 'proto',
      columns: [
        { name: 'id', type: 'integer', required: true },
        { name: '__proto__', type: 'string' },
      ],
    });
    expect(proto.status).toBe(400);
    expect(proto.json.error.message).toContain('__proto__');
  });

  it('fails at once on a wrong header or an empty file; a header-only file or only bad rows change nothing', async () => {
    await declare('strict');
    const wrong = await importCsv('strict', 'id,name,score,born\n1,a,1,2020-01-01\n');
    expect(wrong.state).toBe('failed');
    expect(wrong.error?.code).toBe('ERR_CSV_HEADER');
    expect(wrong.error?.message).toContain('id,name,score,born,active');
    const empty = await importCsv('strict', '');
    expect(empty.error?.code).toBe('ERR_CSV_EMPTY');
    const headerOnly = await importCsv('strict', 'id,name,score,born,active\n');
    expect(headerOnly.state).toBe('completed');
    const bad = await importCsv('strict', 'id,name,score,born,active\nx,a,,,\n1,,,,\n2,b,zz,,\n');
    expect(bad.state).toBe('completed');
    expect(bad.progress.errorCount).toBe(3);
    expect(await allRows('strict')).toEqual([]);
    const missing = await api(depot.url, alice, 'POST', '/api/jobs', {
      type: 'csv-import',
      fileId: wrong.fileId,
      params: { dataset: 'nope' },
    });
    expect(missing.status).toBe(404);
  });

  it(
    'leaves the dataset exactly as it was when a running import is cancelled',
    { timeout: 180_000 },
    async () => {
      await declare('big');
      const base = await importCsv('big', 'id,name,score,born,active\n1,one,1,,\n2,two,2,,\n');
      expect(base.state).toBe('completed');
      const before = await allRows('big');
      const lines = ['id,name,score,born,active'];
      for (let i = 0; i < 1_500_000; i++)
        lines.push(`${i % 700_000},name ${i},${i / 4},2020-01-0${1 + (i % 9)},${i % 2}`);
      const fileId = await uploadFile(depot.url, alice, Buffer.from(lines.join('\n') + '\n'));
      // Some batches are staged (a checkpoint saved) before the cancel.
      const { answer } = await actOnRunning(
        depot.url,
        alice,
        () => createJob(depot.url, alice, 'csv-import', fileId, { dataset: 'big' }),
        (j) => j.resumeFrom !== null,
        'cancel',
      );
      expect(answer.state).toBe('cancelled');
      expect(await allRows('big')).toEqual(before);
    },
  );

  it(
    'pauses a running import and resumes it to the rows of an uninterrupted one',
    { timeout: 180_000 },
    async () => {
      const lines = ['active,born,score,name,id'];
      for (let i = 0; i < 600_000; i++)
        lines.push(`${i % 3 === 0},,${i % 1000},"n ${i}",${(i * 7) % 250_000}`);
      const fileId = await uploadFile(depot.url, alice, Buffer.from(lines.join('\n') + '\n'));
      await declare('whole');
      await declare('halves');
      const whole = await createJob(depot.url, alice, 'csv-import', fileId, { dataset: 'whole' });
      expect((await waitForJob(depot.url, alice, whole.id)).state).toBe('completed');
      const { job, answer } = await actOnRunning(
        depot.url,
        alice,
        () => createJob(depot.url, alice, 'csv-import', fileId, { dataset: 'halves' }),
        (j) => j.resumeFrom !== null,
        'pause',
      );
      expect(answer.state).toBe('paused');
      expect(answer.resumeFrom).toBeGreaterThan(0);
      // Nothing is visible before the import completes.
      expect(await allRows('halves')).toEqual([]);
      expect((await api(depot.url, alice, 'POST', `/api/jobs/${job.id}/resume`)).status).toBe(200);
      const done = await waitForJob(depot.url, alice, job.id);
      expect(done.state).toBe('completed');
      const rows = await allRows('halves');
      expect(rows).toHaveLength(250_000);
      expect(rows).toEqual(await allRows('whole'));
      // The last row of each key wins, also where its rows are far apart (more rows than the
      // completion moves in one statement).
      const last = new Map<number, number>();
      for (let i = 0; i < 600_000; i++) last.set((i * 7) % 250_000, i);
      for (const row of rows as { id: number; name: string; score: number; active: boolean }[]) {
        const i = last.get(row.id) as number;
        expect(row).toMatchObject({ name: `n ${i}`, score: i % 1000, active: i % 3 === 0 });
      }
    },
  );
});
