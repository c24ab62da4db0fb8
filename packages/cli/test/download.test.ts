import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './helpers/run-cli.js';
import { depotServer, type Started } from './helpers/servers.js';

let depot: Started;
let work: string;
let env: Record<string, string>;
const body = randomBytes(3 * 2 ** 20 + 9);
let id: string;

beforeAll(async () => {
  depot = await depotServer();
  work = await mkdtemp(path.join(tmpdir(), 'depot-cli-dl-'));
  env = { DEPOT_URL: depot.url, DEPOT_TOKEN: depot.token, XDG_CONFIG_HOME: path.join(work, 'config') };
  await writeFile(path.join(work, 'src.bin'), body);
  const up = await runCli(['upload', 'src.bin', '--json'], env, work);
  id = String(jsonLines(up.stdout)[0]?.id);
});
afterAll(async () => {
  await depot.close();
  await rm(work, { recursive: true, force: true });
});

describe('depot download', () => {
  it('downloads to -o PATH and verifies the sha256', async () => {
    const r = await runCli(['download', id, '-o', 'out.bin'], env, work);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${id} -> out.bin (3.0 MiB, sha256 verified)`);
    expect((await readFile(path.join(work, 'out.bin'))).equals(body)).toBe(true);
  });

  it('resumes a partial PATH', async () => {
    await writeFile(path.join(work, 'part.bin'), body.subarray(0, 1_000_000));
    const r = await runCli(['download', id, '-o', 'part.bin', '--json'], env, work);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ resumed: true, bytesReceived: body.length - 1_000_000 });
    expect(
      createHash('sha256')
        .update(await readFile(path.join(work, 'part.bin')))
        .digest('hex'), // hex, as `depot info` and the files API write it
    ).toBe(jsonLines(r.stdout)[0]?.sha256);
  });

  it('reports an unknown id in one line (exit 1)', async () => {
    const r = await runCli(['download', 'nope', '-o', 'nope.bin'], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^depot: GET .*nope: .* \(ERR_NOT_FOUND\)\n$/);
  });

  it('fails at once on an unfinished upload, with no retries (exit 1)', async () => {
    const created = await fetch(`${depot.url}/files/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${depot.token}`, 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' },
    });
    const unfinished = String(created.headers.get('location')).split('/').pop() as string;
    const t0 = Date.now();
    const r = await runCli(['download', unfinished, '-o', 'unfinished.bin'], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^depot: GET .*\n$/);
    expect(Date.now() - t0).toBeLessThan(5_000); // the retries took ~25 s
  });

  it('saves into an existing directory given as -o, under the name the file was uploaded with', async () => {
    await mkdir(path.join(work, 'into'), { recursive: true });
    for (const o of ['into', 'into/']) {
      const r = await runCli(['download', id, '-o', o, '--json'], env, work);
      expect(r.code, o).toBe(0);
      expect(jsonLines(r.stdout)[0]?.path).toBe(path.join(work, 'into', 'src.bin'));
    }
    expect((await readFile(path.join(work, 'into', 'src.bin'))).equals(body)).toBe(true);
  });

  it('reduces a hostile name to its base name, and falls back to the id', async () => {
    const named = async (name: string) => {
      const res = await fetch(`${depot.url}/api/files`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${depot.token}`, 'X-File-Name': encodeURIComponent(name) },
        body: 'x',
      });
      return String(((await res.json()) as { id: string }).id);
    };
    await mkdir(path.join(work, 'safe'), { recursive: true });
    const evil = await named('../../escape.txt');
    const r = await runCli(['download', evil, '-o', 'safe', '--json'], env, work);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]?.path).toBe(path.join(work, 'safe', 'escape.txt'));
    const dots = await named('..');
    const r2 = await runCli(['download', dots, '-o', 'safe', '--json'], env, work);
    expect(r2.code).toBe(0);
    expect(jsonLines(r2.stdout)[0]?.path).toBe(path.join(work, 'safe', dots));
  });

  it('says in one line that the directory to write into is missing or read-only (exit 1)', async () => {
    const missing = await runCli(['download', id, '-o', 'nodir/x.bin'], env, work);
    expect(missing).toMatchObject({
      code: 1,
      stderr: `depot: ${path.join(work, 'nodir/x.bin')}: cannot write (no such directory)\n`,
    });
    const slash = await runCli(['download', id, '-o', 'nodir/'], env, work);
    expect(slash).toMatchObject({ code: 1, stderr: 'depot: nodir/: no such directory\n' });
    const dir = await mkdtemp(path.join(tmpdir(), 'depot-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir]);
    try {
      const ro = await runCli(['download', id, '-o', dir], env, work);
      expect(ro).toMatchObject({
        code: 1,
        stderr: `depot: ${path.join(dir, 'src.bin')}: cannot write (read-only file system)\n`,
      });
    } finally {
      execFileSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 without an ID', async () => {
    expect((await runCli(['download'], env, work)).code).toBe(2);
  });

  it('reports a full disk in one line (exit 1), and resumes once there is room', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'depot-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    try {
      const dest = path.join(dir, 'big.bin');
      const r = await runCli(['download', id, '-o', dest], env, work);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`depot: ${dest}: no space left on the device\n`);
      execFileSync('mount', ['-o', 'remount,size=8m', dir]);
      const again = await runCli(['download', id, '-o', dest, '--json'], env, work);
      expect(again.code).toBe(0);
      expect(jsonLines(again.stdout)[0]).toMatchObject({ resumed: true });
      expect((await readFile(dest)).equals(body)).toBe(true);
    } finally {
      execFileSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
