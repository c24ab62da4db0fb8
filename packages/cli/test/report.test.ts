import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DepotClient } from '@depot/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYS, REPORT } from './helpers/plays.js';
import { jsonLines, runCli } from './helpers/run-cli.js';
import { depotServer, type Started } from './helpers/servers.js';

let depot: Started;
let work: string;
let env: Record<string, string>;
let client: DepotClient;

beforeAll(async () => {
  depot = await depotServer();
  work = await mkdtemp(path.join(tmpdir(), 'depot-cli-report-'));
  env = { DEPOT_URL: depot.url, DEPOT_TOKEN: depot.token, XDG_CONFIG_HOME: path.join(work, 'config') };
  client = new DepotClient({ url: depot.url, token: depot.token, store: false });
  await writeFile(path.join(work, 'plays.csv'), `${PLAYS}Umbrella,yesterday,5\n`);
  await writeFile(path.join(work, 'wrong.csv'), 'Title,Day,Count\nx,2020-01-01,1\n');
});
afterAll(async () => {
  await depot.close();
  await rm(work, { recursive: true, force: true });
});

describe('depot report', () => {
  it('uploads, runs csv-report, waits and downloads exactly the report', async () => {
    const r = await runCli(['report', 'plays.csv', '-o', 'out/report.csv'], env, work);
    expect(r.code).toBe(0);
    expect(await readFile(path.join(work, 'out/report.csv'), 'utf8')).toBe(REPORT);
    expect(r.stdout).toMatch(/^plays\.csv -> \S+ \(/m);
    expect(r.stdout).toMatch(/^report \S+: (queued|running|completed) /m);
    expect(r.stdout).toMatch(
      /^out\/report\.csv: 8 rows read, 1 bad \(depot jobs errors \S+ lists them\); report /m,
    );
    expect(r.stderr).toBe('');
  });

  it('--json prints one result object', async () => {
    const r = await runCli(['report', 'plays.csv', '-o', 'r2.csv', '--json'], env, work);
    expect(r.code).toBe(0);
    const [result, ...more] = jsonLines(r.stdout);
    expect(more).toEqual([]);
    expect(result).toMatchObject({
      ok: true,
      input: 'plays.csv',
      job: { state: 'completed', type: 'csv-report' },
    });
    expect(await readFile(path.join(work, 'r2.csv'), 'utf8')).toBe(REPORT);
  });

  it('fails with one line when the job fails, the input is missing, or -o is not given', async () => {
    const failed = await runCli(['report', 'wrong.csv', '-o', 'never.csv'], env, work);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^depot: job \S+ failed: .*\(ERR_CSV_HEADER\)\n$/);
    await expect(readFile(path.join(work, 'never.csv'))).rejects.toThrow();
    const missing = await runCli(['report', 'nope.csv', '-o', 'x.csv'], env, work);
    expect(missing).toMatchObject({ code: 1, stderr: 'depot: nope.csv: no such file\n' });
    expect((await runCli(['report', 'plays.csv'], env, work)).code).toBe(2);
    const down = await runCli(
      ['report', 'plays.csv', '-o', 'x.csv'],
      { ...env, DEPOT_URL: 'http://127.0.0.1:9' },
      work,
    );
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toEqual([expect.stringContaining('cannot reach the server')]);
  });
});

describe('depot upload --process', () => {
  it('starts the job on the server, and --wait follows it to its end', async () => {
    const r = await runCli(['upload', 'plays.csv', '--process', 'csv-report', '--wait', '--json'], env, work);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const uploaded = lines.find((l) => l.file === 'plays.csv' && 'url' in l);
    const waited = lines.find((l) => l.file === 'plays.csv' && 'job' in l) as {
      fileId: string;
      job: { state: string; fileId: string; outputFileId: string };
    };
    expect(waited.fileId).toBe(uploaded?.id);
    expect(waited.job).toMatchObject({ state: 'completed', fileId: uploaded?.id });
    await client.download(waited.job.outputFileId, path.join(work, 'via-upload.csv'));
    expect(await readFile(path.join(work, 'via-upload.csv'), 'utf8')).toBe(REPORT);
  });

  it('passes --param to the job (csv-import into a dataset) and exits 1 when a job fails', async () => {
    await client.datasets.declare({
      name: 'songs',
      columns: [
        { name: 'Song', type: 'string', required: true },
        { name: 'Date', type: 'date' },
        { name: 'Number of Plays', type: 'integer' },
      ],
    });
    const ok = await runCli(
      ['upload', 'plays.csv', '--process', 'csv-import', '--param', 'dataset=songs', '--wait'],
      env,
      work,
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^plays\.csv: job \S+ completed: 8 rows, 1 bad$/m);
    expect((await client.datasets.rows('songs', { limit: 100 })).rows).toHaveLength(7);

    const bad = await runCli(['upload', 'wrong.csv', '--process', 'csv-report', '--wait'], env, work);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^depot: wrong\.csv: job \S+ failed: .*\(ERR_CSV_HEADER\)\n$/);
  });

  it('without --wait only uploads; the server runs the job', async () => {
    const r = await runCli(['upload', 'plays.csv', '--process', 'csv-report', '--json'], env, work);
    expect(r.code).toBe(0);
    const id = jsonLines(r.stdout).find((l) => l.ok === true)?.id;
    const file = await client.files.info(String(id));
    expect(file.metadata.process).toBe('csv-report');
    let jobs = await client.jobs.list({ type: 'csv-report' });
    while (!jobs.jobs.some((j) => j.fileId === id)) jobs = await client.jobs.list({ type: 'csv-report' });
    const job = jobs.jobs.find((j) => j.fileId === id);
    expect((await client.jobs.wait(String(job?.id))).state).toBe('completed');
  });

  it('refuses --wait or --param without --process', async () => {
    expect((await runCli(['upload', 'plays.csv', '--wait'], env, work)).code).toBe(2);
    expect((await runCli(['upload', 'plays.csv', '--param', 'a=b'], env, work)).code).toBe(2);
    expect(
      (await runCli(['upload', 'plays.csv', '--process', 'csv-import', '--param', 'nope'], env, work)).code,
    ).toBe(2);
  });

  it('refuses --process csv-import without --param dataset=NAME before uploading (exit 2)', async () => {
    for (const extra of [[], ['--wait'], ['--param', 'dataset=']]) {
      const r = await runCli(['upload', 'plays.csv', '--process', 'csv-import', ...extra], env, work);
      expect(r, extra.join(' ')).toMatchObject({
        code: 2,
        stdout: '',
        stderr: 'depot upload: --process csv-import needs --param dataset=NAME (see depot upload --help)\n',
      });
    }
  });
});
