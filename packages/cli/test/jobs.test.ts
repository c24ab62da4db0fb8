import { DepotClient } from '@depot/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYS } from './helpers/plays.js';
import { jsonLines, runCli, startCli } from './helpers/run-cli.js';
import { depotServer, type Started } from './helpers/servers.js';

let depot: Started;
let idle: Started;
let env: Record<string, string>;
let idleEnv: Record<string, string>;

const client = (s: Started) => new DepotClient({ url: s.url, token: s.token, store: false });
async function startJob(s: Started, text: string): Promise<string> {
  const c = client(s);
  const file = await c.upload(new TextEncoder().encode(text), { metadata: { filename: 'in.csv' } });
  return (await c.jobs.create({ type: 'csv-report', fileId: file.id })).id;
}

beforeAll(async () => {
  depot = await depotServer();
  idle = await depotServer({ DEPOT_WORKERS: '0' }); // jobs stay queued
  env = { DEPOT_URL: depot.url, DEPOT_TOKEN: depot.token };
  idleEnv = { DEPOT_URL: idle.url, DEPOT_TOKEN: idle.token };
});
afterAll(async () => {
  await depot.close();
  await idle.close();
});

describe('depot jobs', () => {
  it('waits for a job, then lists its bad rows as lines, CSV or JSON', async () => {
    const id = await startJob(depot, `${PLAYS}Umbrella,2020-13-45,1\n"Quoted, song",2020-01-01,lots\n`);
    const r = await runCli(['jobs', 'wait', id], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^job ${id} completed: 9 rows, 2 bad, output \\S+\\n$`, 'm'));
    const lines = await runCli(['jobs', 'errors', id], env);
    expect(lines.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^9: .+: Umbrella,2020-13-45,1$/),
      expect.stringMatching(/^10: .+: "Quoted, song",2020-01-01,lots$/),
    ]);
    const csv = await runCli(['jobs', 'errors', id, '--csv'], env);
    expect(csv.stdout.split('\n').slice(0, 2)).toEqual([
      'row,raw,reason',
      expect.stringMatching(/^9,"Umbrella,2020-13-45,1",\S/),
    ]);
    expect(csv.stdout).toContain('10,"""Quoted, song"",2020-01-01,lots",');
    const json = await runCli(['jobs', 'errors', id, '--json'], env);
    expect(jsonLines(json.stdout).map((e) => e.row)).toEqual([9, 10]);
  });

  it('stops quietly when the reader of its output goes away (| head)', async () => {
    const bad = Array.from({ length: 20_000 }, (_, i) => `Song ${i},2020-13-45,1\n`).join('');
    const id = await startJob(depot, `${PLAYS}${bad}`);
    expect((await runCli(['jobs', 'wait', id], env)).code).toBe(0);
    for (const extra of [[], ['--csv']]) {
      const run = startCli(['jobs', 'errors', id, ...extra], env);
      // read the first lines, then close the pipe as `head` does
      await new Promise<void>((resolve) => run.child.stdout?.once('data', () => resolve()));
      run.child.stdout?.destroy();
      const { code, stderr } = await run.done;
      expect(stderr).toBe('');
      expect(code).toBe(0);
    }
  });

  it('exits 1 with the reason when the job fails', async () => {
    const id = await startJob(depot, 'Song,When,Plays\nx,2020-01-01,1\n');
    const r = await runCli(['jobs', 'wait', id, '--json'], env);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ id, state: 'failed' })]);
    expect(r.stderr).toMatch(new RegExp(`^depot: job ${id} failed: .*\\(ERR_CSV_HEADER\\)\\n$`));
    const show = await runCli(['jobs', 'show', id], env);
    expect(show.stdout).toMatch(/^state:\s+failed$/m);
    expect(show.stdout).toMatch(/^error:\s+.*ERR_CSV_HEADER/m);
  });

  it('lists, shows, pauses, resumes and cancels jobs; a forbidden move fails with one line', async () => {
    const a = await startJob(idle, PLAYS);
    const b = await startJob(idle, PLAYS);
    const ls = await runCli(['jobs'], idleEnv);
    expect(ls.code).toBe(0);
    const rows = ls.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+TYPE\s+STATE\s+DONE\s+ROWS\s+BAD\s+FILE\s+CREATED$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      [b, 'csv-report', 'queued'],
      [a, 'csv-report', 'queued'],
    ]);
    expect(await runCli(['jobs', 'pause', a], idleEnv)).toMatchObject({
      code: 0,
      stdout: `job ${a} paused\n`,
    });
    expect((await runCli(['jobs', 'ls', '--state', 'paused', '--quiet'], idleEnv)).stdout).toBe(`${a}\n`);
    expect((await runCli(['jobs', 'ls', '--limit', '1', '--quiet'], idleEnv)).stdout).toBe(`${b}\n`);
    expect((await runCli(['jobs', 'show', a, '--json'], idleEnv)).stdout).toContain('"state":"paused"');
    expect((await runCli(['jobs', 'resume', a], idleEnv)).stdout).toBe(`job ${a} queued\n`);
    expect((await runCli(['jobs', 'cancel', a], idleEnv)).stdout).toBe(`job ${a} cancelled\n`);
    const again = await runCli(['jobs', 'pause', a], idleEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^depot: .*\(ERR_JOB_STATE\)\n$/);
    const gone = await runCli(['jobs', 'show', 'no-such-job'], idleEnv);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('ERR_NOT_FOUND');
  });

  it('Ctrl-C stops waiting with 130 and leaves the job running', async () => {
    const id = await startJob(idle, PLAYS);
    const run = startCli(['jobs', 'wait', id], idleEnv);
    while (!run.out().stdout.includes(`job ${id}: queued`)) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toBe(
      `depot: interrupted; the job goes on on the server (depot jobs wait ${id} to follow it again)\n`,
    );
    expect((await client(idle).jobs.get(id)).state).toBe('queued');
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      ['jobs', 'show'],
      ['jobs', 'frob', 'x'],
      ['jobs', '--state', 'done'],
      ['jobs', 'ls', 'x'],
    ]) {
      const r = await runCli(args, env);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
