import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDepot } from './helpers/depot-process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-cli-process-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('depot process csv-report INPUT -o OUTPUT runs the report with no server', async () => {
  const input = path.join(dir, 'plays.csv');
  await writeFile(
    input,
    'Song,Date,Number of Plays\nUmbrella,2020-01-02,200\nUmbrella,2020-01-01,100\nIn The End,2020-01-01,500\nUmbrella,2020-01-01,50\nIn The End,2020-01-01,1000\nUmbrella,2020-01-02,50\nIn The End,2020-01-02,500\nBad,2020-02-30,1\n',
  );
  const out = path.join(dir, 'report.csv');
  const run = await runDepot(['process', 'csv-report', input, '-o', out]);
  expect(run.code).toBe(0);
  expect(await readFile(out, 'utf8')).toBe(
    'Song,Date,Total Number of Plays for Date\nIn The End,2020-01-01,1500\nIn The End,2020-01-02,500\nUmbrella,2020-01-01,150\nUmbrella,2020-01-02,250\n',
  );
  expect(run.stderr).toContain('row 9: Date is not a calendar date');
  const stdout = await runDepot(['process', 'csv-report', input]);
  expect(stdout.stdout).toBe(await readFile(out, 'utf8'));
});

it('exits 1 on a wrong header and 2 on a usage error', async () => {
  const input = path.join(dir, 'wrong.csv');
  await writeFile(input, 'a,b,c\n1,2,3\n');
  const wrong = await runDepot(['process', 'csv-report', input, '-o', path.join(dir, 'x.csv')]);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain('Song,Date,Number of Plays');
  expect((await runDepot(['process', 'csv-nope', input])).code).toBe(2);
  expect((await runDepot(['process', 'csv-report'])).code).toBe(2);
});

it('depot process csv-import validates against a schema and writes the good rows as JSON lines', async () => {
  const input = path.join(dir, 'people.csv');
  await writeFile(input, 'id,name\n1,Ann\nx,Bob\n2,"Carl, Jr"\n');
  const schema = path.join(dir, 'people.json');
  await writeFile(
    schema,
    JSON.stringify({
      columns: [
        { name: 'id', type: 'integer', required: true },
        { name: 'name', type: 'string', required: true },
      ],
    }),
  );
  const run = await runDepot(['process', 'csv-import', input, '--schema', schema]);
  expect(run.code).toBe(0);
  expect(run.stdout).toBe('{"id":1,"name":"Ann"}\n{"id":2,"name":"Carl, Jr"}\n');
  expect(run.stderr).toContain('row 3: id is not an integer');
});
