import { DepotClient } from '@depot/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './helpers/run-cli.js';
import { depotServer, type Started } from './helpers/servers.js';

let depot: Started;
let env: Record<string, string>;
let ids: { a: string; b: string; notes: string };

beforeAll(async () => {
  depot = await depotServer();
  const admin = new DepotClient({ url: depot.url, token: depot.token, store: false });
  const { token } = await admin.tokens.create({ name: 'files-cli' });
  env = { DEPOT_URL: depot.url, DEPOT_TOKEN: token };
  const c = new DepotClient({ url: depot.url, token, store: false });
  const put = async (name: string, text: string, type: string) =>
    (await c.upload(new TextEncoder().encode(text), { metadata: { filename: name, filetype: type } })).id;
  ids = {
    a: await put('a.csv', 'x\n1\n', 'text/csv'),
    b: await put('b.csv', 'x\n22\n', 'text/csv'),
    notes: await put('notes.txt', 'hello', 'text/plain'),
  };
});
afterAll(async () => {
  await depot.close();
});

describe('depot ls', () => {
  it('lists files newest first as a table, with filters and a limit', async () => {
    const r = await runCli(['ls'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+SIZE\s+STATUS\s+CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([ids.notes, ids.b, ids.a]);
    expect(lines[2]).toMatch(/b\.csv\s+5 B\s+complete/);

    const csv = await runCli(['ls', '--type', 'text/csv', '--quiet'], env);
    expect(csv.stdout).toBe(`${ids.b}\n${ids.a}\n`);
    const named = await runCli(['ls', '--name', 'no', '--json'], env);
    expect(jsonLines(named.stdout).map((f) => [f.id, f.name, f.size])).toEqual([[ids.notes, 'notes.txt', 5]]);
    const two = await runCli(['ls', '--limit', '2', '--quiet'], env);
    expect(two.stdout).toBe(`${ids.notes}\n${ids.b}\n`);
    expect((await runCli(['ls', '--name', 'zzz'], env)).stdout).toBe('no files\n');
  });

  it('exits 2 on a usage error and 1 with one line when the server refuses the token', async () => {
    const bad = await runCli(['ls', '--status', 'done'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'depot ls: --status must be uploading or complete, got done (see depot ls --help)\n',
    );
    expect((await runCli(['ls', 'extra'], env)).code).toBe(2);
    expect((await runCli(['ls'], { DEPOT_URL: depot.url })).code).toBe(2);
    const refused = await runCli(['ls'], { ...env, DEPOT_TOKEN: 'dpt_nonsense' });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('refused the token');
  });
});

describe('depot info', () => {
  it('shows a file as fields, or as JSON', async () => {
    const r = await runCli(['info', ids.b], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^id:\\s+${ids.b}$`, 'm'));
    expect(r.stdout).toMatch(/^name:\s+b\.csv$/m);
    expect(r.stdout).toMatch(/^size:\s+5 \(5 B\)$/m);
    expect(r.stdout).toMatch(/^sha256:\s+[0-9a-f]{64}$/m);
    const j = await runCli(['info', ids.a, '--json'], env);
    expect(jsonLines(j.stdout)).toEqual([
      expect.objectContaining({ id: ids.a, name: 'a.csv', status: 'complete' }),
    ]);
  });

  it('fails with one line and exit 1 for an unknown id', async () => {
    const r = await runCli(['info', 'nope'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^depot: .*ERR_NOT_FOUND.*\n$/);
    expect((await runCli(['info'], env)).code).toBe(2);
  });
});

describe('depot rm', () => {
  it('deletes files; an unknown id fails alone with exit 1', async () => {
    const r = await runCli(['rm', ids.a, 'missing-id', ids.notes], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`removed ${ids.a}\nremoved ${ids.notes}\n`);
    expect(r.stderr).toMatch(/^depot: missing-id: .*ERR_NOT_FOUND.*\n$/);
    expect((await runCli(['ls', '--quiet'], env)).stdout).toBe(`${ids.b}\n`);
    const j = await runCli(['rm', ids.b, '--json'], env);
    expect(j.code).toBe(0);
    expect(jsonLines(j.stdout)).toEqual([{ id: ids.b, ok: true }]);
    expect((await runCli(['ls'], env)).stdout).toBe('no files\n');
  });

  it('stops at once when the server cannot be reached', async () => {
    const r = await runCli(['rm', 'x', 'y'], { ...env, DEPOT_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('cannot reach the server')]);
  });
});

describe('depot link', () => {
  let id: string;
  beforeAll(async () => {
    const c = new DepotClient({ url: depot.url, token: env.DEPOT_TOKEN, store: false });
    id = (await c.upload(new TextEncoder().encode('hello'), { metadata: { filename: 'l.txt' } })).id;
  });

  it('prints a URL that downloads the file with no token, and its expiry with --json', async () => {
    const r = await runCli(['link', id], env);
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(new RegExp(`^${depot.url}/files/${id}\\?link=`));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');

    const json = await runCli(['link', id, '--expires', '2h', '--json'], env);
    const [made] = jsonLines(json.stdout);
    const ttl = Date.parse(made!.expiresAt as string) - Date.now();
    expect(ttl).toBeGreaterThan(7100_000);
    expect(ttl).toBeLessThanOrEqual(7200_000);
    expect(await (await fetch(made!.url as string)).text()).toBe('hello');
  });

  it('refuses a bad duration (exit 2) and an unknown file (exit 1, one line)', async () => {
    expect((await runCli(['link', id, '--expires', 'soon'], env)).code).toBe(2);
    for (const expires of ['8d', '30d', '604801']) {
      const tooLong = await runCli(['link', id, '--expires', expires], env);
      expect(tooLong).toMatchObject({
        code: 2,
        stderr: `depot link: --expires must be from 1s to 7d, got ${expires} (see depot link --help)\n`,
      });
    }
    expect((await runCli(['link', id, '--expires', '7d'], env)).code).toBe(0);
    const missing = await runCli(['link', 'nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
