import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepotClient, type DepotError, isDepotError, type Job } from '../src/index.js';
import { scratch, startDepot, type TestDepot } from './helpers/depot.js';

const PLAYS = `Song,Date,Number of Plays
Umbrella,2020-01-02,200
Umbrella,2020-01-01,100
In The End,2020-01-01,500
Umbrella,2020-01-01,50
In The End,2020-01-01,1000
Umbrella,2020-01-02,50
In The End,2020-01-02,500
`;
const REPORT = `Song,Date,Total Number of Plays for Date
In The End,2020-01-01,1500
In The End,2020-01-02,500
Umbrella,2020-01-01,150
Umbrella,2020-01-02,250
`;

let depot: TestDepot;
let idle: TestDepot;
let client: DepotClient;
let work: { dir: string; remove: () => Promise<void> };

const put = (c: DepotClient, name: string, text: string, type = 'text/csv') =>
  c.upload(new TextEncoder().encode(text), { metadata: { filename: name, filetype: type } });

/** The DepotError a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<DepotError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDepotError(err)) throw new Error(`expected a DepotError, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  depot = await startDepot();
  idle = await startDepot({ DEPOT_WORKERS: '0' });
  client = new DepotClient({ url: depot.url, token: depot.token, store: false });
  work = await scratch('depot-api-');
});
afterAll(async () => {
  await depot.close();
  await idle.close();
  await work.remove();
});

describe('files', () => {
  it('lists by pages and filters, shows one file, and deletes it', async () => {
    const owner = await client.tokens.create({ name: 'files-owner' });
    const c = new DepotClient({ url: depot.url, token: owner.token, store: false });
    const a = await put(c, 'a.csv', 'x\n1\n');
    const b = await put(c, 'b.csv', 'x\n2\n');
    const n = await put(c, 'notes.txt', 'hello', 'text/plain');

    const first = await c.files.list({ limit: 2 });
    expect(first.files.map((f) => f.id)).toEqual([n.id, b.id]);
    expect(first.nextCursor).not.toBeNull();
    const second = await c.files.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toEqual({ files: [expect.objectContaining({ id: a.id })], nextCursor: null });
    const all: string[] = [];
    for await (const f of c.files.all({ limit: 1 })) all.push(f.id);
    expect(all).toEqual([n.id, b.id, a.id]);
    expect((await c.files.list({ type: 'text/csv' })).files.map((f) => f.name)).toEqual(['b.csv', 'a.csv']);
    expect((await c.files.list({ name: 'no' })).files.map((f) => f.id)).toEqual([n.id]);

    const info = await c.files.info(a.id);
    expect(info).toMatchObject({ id: a.id, name: 'a.csv', size: 4, status: 'complete', type: 'text/csv' });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);

    await c.files.delete(a.id);
    const gone = await failure(c.files.info(a.id));
    expect([gone.status, gone.code]).toEqual([404, 'ERR_NOT_FOUND']);
    expect((await failure(c.files.delete(a.id))).status).toBe(404);
    // another owner sees none of them
    const other = await client.tokens.create({ name: 'files-other' });
    const o = new DepotClient({ url: depot.url, token: other.token, store: false });
    expect((await failure(o.files.info(b.id))).status).toBe(404);
    expect((await o.files.list()).files).toEqual([]);
  });
});

describe('jobs', () => {
  it('runs a csv-report, waits for it with progress, and downloads the output', async () => {
    const input = await put(client, 'plays.csv', PLAYS);
    const job = await client.jobs.create({ type: 'csv-report', fileId: input.id });
    expect(job).toMatchObject({ type: 'csv-report', fileId: input.id });
    expect(['queued', 'running', 'completed']).toContain(job.state);
    const seen: Job[] = [];
    const done = await client.jobs.wait(job.id, { interval: 50, onProgress: (j) => seen.push(j) });
    expect(done.state).toBe('completed');
    expect(seen.at(-1)).toEqual(done);
    expect(done.progress).toMatchObject({ rowsDone: 7, errorCount: 0 });
    const out = path.join(work.dir, 'report.csv');
    await client.download(done.outputFileId as string, out);
    expect(await readFile(out, 'utf8')).toBe(REPORT);
    expect((await client.jobs.get(job.id)).state).toBe('completed');
    const list = await client.jobs.list({ state: ['completed'], type: 'csv-report' });
    expect(list.jobs.map((j) => j.id)).toContain(job.id);
  });

  it('pages through the bad rows of a job', async () => {
    const input = await put(client, 'bad.csv', `${PLAYS}Umbrella,not-a-date,1\nUmbrella,2020-01-01,many\n`);
    const job = await client.jobs.wait(
      (await client.jobs.create({ type: 'csv-report', fileId: input.id })).id,
      {
        interval: 50,
      },
    );
    expect(job.progress.errorCount).toBe(2);
    const first = await client.jobs.errors(job.id, { limit: 1 });
    expect(first.errors).toEqual([expect.objectContaining({ row: 9, raw: 'Umbrella,not-a-date,1' })]);
    expect(first.next).toBe(9);
    const second = await client.jobs.errors(job.id, { after: 9, limit: 1 });
    expect(second.errors.map((e) => e.row)).toEqual([10]);
    expect((await client.jobs.errors(job.id, { after: 10 })).errors).toEqual([]);
  });

  it('pauses, resumes and cancels a queued job; a move the state forbids is 409', async () => {
    const c = new DepotClient({ url: idle.url, token: idle.token, store: false });
    const input = await put(c, 'plays.csv', PLAYS);
    const job = await c.jobs.create({ type: 'csv-report', fileId: input.id });
    expect(job.state).toBe('queued');
    expect((await c.jobs.pause(job.id)).state).toBe('paused');
    expect((await c.jobs.list({ state: 'paused' })).jobs.map((j) => j.id)).toEqual([job.id]);
    expect((await c.jobs.resume(job.id)).state).toBe('queued');
    expect((await c.jobs.cancel(job.id)).state).toBe('cancelled');
    const refused = await failure(c.jobs.resume(job.id));
    expect([refused.status, refused.code]).toEqual([409, 'ERR_JOB_STATE']);
    expect((await c.jobs.wait(job.id)).state).toBe('cancelled');
    expect((await failure(c.jobs.get('no-such-job'))).status).toBe(404);
    expect((await failure(c.jobs.create({ type: 'frobnicate', fileId: input.id }))).status).toBe(400);
  });

  it('stops waiting when its signal aborts, and the job goes on', async () => {
    const c = new DepotClient({ url: idle.url, token: idle.token, store: false });
    const input = await put(c, 'plays.csv', PLAYS);
    const job = await c.jobs.create({ type: 'csv-report', fileId: input.id });
    const stop = new AbortController();
    let polls = 0;
    const err = await failure(
      c.jobs.wait(job.id, {
        interval: 10,
        signal: stop.signal,
        onProgress: () => {
          if (++polls === 3) stop.abort();
        },
      }),
    );
    expect(err.code).toBe('ERR_ABORTED');
    expect(polls).toBe(3);
    expect((await c.jobs.get(job.id)).state).toBe('queued');
  });
});

describe('tokens', () => {
  it('creates, lists and revokes tokens; a non-admin is refused', async () => {
    const t = await client.tokens.create({ name: 'bot', owner: 'team', quota: 1024 });
    expect(t).toMatchObject({ name: 'bot', owner: 'team', quota: 1024, admin: false, revokedAt: null });
    expect(t.token).toMatch(/^dpt_/);
    const listed = (await client.tokens.list()).find((x) => x.id === t.id);
    expect(listed).toMatchObject({ name: 'bot', owner: 'team' });
    expect(listed).not.toHaveProperty('token');
    const bot = new DepotClient({ url: depot.url, token: t.token, store: false });
    const denied = await failure(bot.tokens.list());
    expect([denied.status, denied.code]).toEqual([403, 'ERR_FORBIDDEN']);
    await client.tokens.revoke(t.id);
    expect((await client.tokens.list()).find((x) => x.id === t.id)?.revokedAt).not.toBeNull();
    expect((await failure(bot.files.list())).status).toBe(401);
  });
});

describe('datasets', () => {
  it('declares a dataset, imports into it with a job, and pages through its rows', async () => {
    const d = await client.datasets.declare({
      name: 'people',
      columns: [
        { name: 'id', type: 'integer', required: true },
        { name: 'name', type: 'string' },
      ],
      keys: ['id'],
    });
    expect(d).toMatchObject({ name: 'people', keys: ['id'] });
    expect(d.columns[1]).toEqual({ name: 'name', type: 'string', required: false });
    expect((await client.datasets.list()).map((x) => x.name)).toContain('people');
    expect((await client.datasets.get('people')).columns).toHaveLength(2);
    const input = await put(client, 'people.csv', 'id,name\n1,Ann\n2,Bob\nx,Bad\n3,Cy\n');
    const job = await client.jobs.create({
      type: 'csv-import',
      fileId: input.id,
      params: { dataset: 'people' },
    });
    expect((await client.jobs.wait(job.id, { interval: 50 })).state).toBe('completed');
    const first = await client.datasets.rows('people', { limit: 2 });
    expect(first.rows).toEqual([
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bob' },
    ]);
    expect(first.next).not.toBeNull();
    const rest = await client.datasets.rows('people', { after: first.next ?? 0 });
    expect(rest).toEqual({ rows: [{ id: 3, name: 'Cy' }], next: null });
    expect((await failure(client.datasets.get('nobody'))).status).toBe(404);
  });
});
