import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYS } from './helpers/plays.js';
import { runCli } from './helpers/run-cli.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'depot-cli-process-'));
  await writeFile(path.join(work, 'plays.csv'), PLAYS);
  await writeFile(path.join(work, 's.json'), JSON.stringify({ columns: [{ name: 'Song', type: 'string' }] }));
  await writeFile(path.join(work, 'bad.json'), '{nope');
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('depot process with files it cannot use', () => {
  it.each([
    [['csv-report', 'nosuch.csv'], 'depot process: nosuch.csv: no such file\n'],
    [['csv-import', 'nosuch.csv', '--schema', 's.json'], 'depot process: nosuch.csv: no such file\n'],
    [['csv-import', 'plays.csv', '--schema', 'nosuch.json'], 'depot process: nosuch.json: no such file\n'],
    [['csv-import', 'plays.csv', '--schema', 'bad.json'], 'depot process: bad.json: not valid JSON\n'],
    [
      ['csv-report', 'plays.csv', '-o', '/nonexist/x.csv'],
      'depot process: /nonexist/x.csv: cannot write (no such file or directory)\n',
    ],
    [['csv-report', 'plays.csv', '-o', '.'], 'depot process: .: cannot write (is a directory)\n'],
    [['csv-report', '.'], 'depot process: .: is a directory\n'],
  ])('depot process %j: one line naming the file, exit 1', async (args, stderr) => {
    const r = await runCli(['process', ...args], {}, work);
    expect(r).toMatchObject({ code: 1, stderr, stdout: '' });
  });

  it('leaves no empty output behind when the input is missing', async () => {
    const r = await runCli(['process', 'csv-report', 'nosuch.csv', '-o', 'out.csv'], {}, work);
    expect(r.code).toBe(1);
    expect(await readdir(work)).not.toContain('out.csv');
  });

  it('still says a missing --schema is a usage error (exit 2)', async () => {
    const r = await runCli(['process', 'csv-import', 'plays.csv'], {}, work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^depot process: csv-import needs --schema DATASET.json\n/);
  });
});
