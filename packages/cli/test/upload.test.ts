import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, jsonLines, runCli, startCli } from './helpers/run-cli.js';
import { depotServer, type Started, tusNodeServer } from './helpers/servers.js';

let depot: Started;
let work: string;
let env: Record<string, string>;
const MiB = 2 ** 20;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function stored(id: unknown): Promise<Buffer> {
  const res = await fetch(`${depot.url}/files/${id}`, {
    headers: { Authorization: `Bearer ${depot.token}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  depot = await depotServer();
  work = await mkdtemp(path.join(tmpdir(), 'depot-cli-up-'));
  env = { DEPOT_URL: depot.url, DEPOT_TOKEN: depot.token, XDG_CONFIG_HOME: path.join(work, 'config') };
  await mkdir(path.join(work, 'dir', 'sub'), { recursive: true });
  await writeFile(path.join(work, 'a.bin'), randomBytes(3 * MiB + 5));
  await writeFile(path.join(work, 'dir', 'x.csv'), 'x\n1\n');
  await writeFile(path.join(work, 'dir', 'sub', 'y.csv'), 'y\n2\n');
  await writeFile(path.join(work, 'dir', 'sub', 'z.txt'), 'z');
});
afterAll(async () => {
  await depot.close();
  await rm(work, { recursive: true, force: true });
});

describe('depot upload', () => {
  it('uploads files, directories with -r and globs; one missing file fails alone', async () => {
    const r = await runCli(
      ['upload', 'a.bin', '-r', 'dir/sub', 'dir/*.csv', 'missing.bin', '--json'],
      env,
      work,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['depot: missing.bin: no such file']);
    const lines = jsonLines(r.stdout);
    const ok = lines.filter((l) => l.ok === true);
    expect(ok.map((l) => l.file).sort()).toEqual(['a.bin', 'dir/sub/y.csv', 'dir/sub/z.txt', 'dir/x.csv']);
    for (const l of ok) {
      expect(sha(await stored(l.id))).toBe(sha(await readFile(path.join(work, String(l.file)))));
    }
    expect(lines.at(-1)?.summary).toMatchObject({ ok: 4, failed: 1, interrupted: false });
  });

  it('refuses a directory without -r, with one line and exit 1', async () => {
    const r = await runCli(['upload', 'dir'], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('depot: dir: is a directory (use -r to upload what is in it)\n');
  });

  it('counts a file whose name is not UTF-8 as failed, never skips it silently', async () => {
    const dir = path.join(work, 'odd');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'ok.txt'), 'a');
    await writeFile(
      Buffer.concat([Buffer.from(`${dir}/bad`), Buffer.from([0xff]), Buffer.from('.txt')]),
      'b',
    );
    for (const input of [['-r', 'odd'], ['odd/*']]) {
      const r = await runCli(['upload', ...input, '--json'], env, work);
      expect(r.code, input.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^depot: odd\/bad\uFFFD\.txt: the name is not valid UTF-8/);
      const summary = jsonLines(r.stdout).at(-1)?.summary;
      expect(summary).toMatchObject({ ok: 1, failed: 1 });
    }
  });

  it('says a directory with no files in it fails (exit 1), in every output mode', async () => {
    await mkdir(path.join(work, 'empty', 'sub'), { recursive: true });
    const r = await runCli(['upload', '-r', 'empty'], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('depot: empty: no files in it\n');
    const json = await runCli(['upload', '-r', 'empty', '--json'], env, work);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('depot: empty: no files in it\n');
    expect(jsonLines(json.stdout)).toEqual([
      { file: 'empty', ok: false, error: { code: 'ERR_INPUT', message: 'empty: no files in it' } },
      { summary: expect.objectContaining({ ok: 0, failed: 1, interrupted: false }) },
    ]);
  });

  it('ends a --json run with its summary when no file could be read', async () => {
    const r = await runCli(['upload', 'nosuch', '--json'], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('depot: nosuch: no such file\n');
    expect(jsonLines(r.stdout).at(-1)?.summary).toMatchObject({ ok: 0, failed: 1, interrupted: false });
  });

  it('names an unreadable file once in its line', async () => {
    // root reads any file: run the command as nobody, in a directory nobody may enter
    const dir = await mkdtemp(path.join(tmpdir(), 'depot-noread-'));
    try {
      await chmod(dir, 0o777);
      const file = path.join(dir, 'noread.txt');
      await writeFile(file, 'secret', { mode: 0o000 });
      const stderr = await new Promise<string>((resolve) =>
        execFile(
          'setpriv',
          ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'upload', file],
          { env: { ...process.env, ...env, XDG_CONFIG_HOME: dir } },
          (_err, _stdout, stderr) => resolve(stderr),
        ),
      );
      expect(stderr).toBe(`depot: ${file}: permission denied\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends a media type from the extension, so ls --type finds CLI uploads', async () => {
    await writeFile(path.join(work, 'types.JSON'), '{}');
    const r = await runCli(['upload', 'dir/x.csv', 'types.JSON', 'a.bin', '--json'], env, work);
    expect(r.code).toBe(0);
    const id = Object.fromEntries(jsonLines(r.stdout).map((l) => [l.file, String(l.id)]));
    const csv = await runCli(['ls', '--type', 'text/csv', '--quiet', '--limit', '1000'], env, work);
    expect(csv.stdout.split('\n')).toContain(id['dir/x.csv']);
    const info = async (file: string) =>
      (
        jsonLines((await runCli(['info', String(id[file]), '--json'], env, work)).stdout)[0] as {
          type: unknown;
        }
      ).type;
    expect(await info('types.JSON')).toBe('application/json');
    expect(await info('a.bin')).toBe(null);
  });

  it('splits a file into parallel parts with --parallel and --chunk-size', async () => {
    const big = randomBytes(12 * MiB + 1);
    await writeFile(path.join(work, 'big.bin'), big);
    const r = await runCli(
      ['upload', 'big.bin', '--parallel', '2', '--chunk-size', '1MiB', '--json'],
      env,
      work,
    );
    expect(r.code).toBe(0);
    const [line] = jsonLines(r.stdout);
    expect(sha(await stored(line?.id))).toBe(sha(big));
  });

  it('prints plain lines and a summary when stdout is not a terminal', async () => {
    const r = await runCli(['upload', 'dir/x.csv'], env, work);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dir\/x\.csv -> \w+ \(4 B\)\n1 uploaded; 4 B in [\d.]+ s/);
    const quiet = await runCli(['upload', 'dir/x.csv', '--quiet'], env, work);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      ['upload'],
      ['upload', 'a.bin', '--bogus'],
      ['upload', 'a.bin', '--parallel', '0'],
      ['nope'],
    ]) {
      const r = await runCli(args, env, work);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses a chunk size under 64KiB, or negative, saying the minimum (exit 2)', async () => {
    for (const [args, says] of [
      [['--chunk-size', '1'], '--chunk-size must be at least 64KiB, got 1'],
      [['--chunk-size', '65535'], '--chunk-size must be at least 64KiB, got 65535'],
      [['--chunk-size=-5'], '--chunk-size must be at least 64KiB, got -5'],
      [
        ['--chunk-size', '-5'],
        "--chunk-size needs a value (one starting with '-' goes as --chunk-size=VALUE)",
      ],
    ] as const) {
      const r = await runCli(['upload', 'dir/x.csv', ...args], env, work);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`depot upload: ${says} (see depot upload --help)\n`);
    }
    expect((await runCli(['upload', 'dir/x.csv', '--chunk-size', '64KiB'], env, work)).code).toBe(0);
  });

  it('says in one line that the server cannot be reached (exit 1)', async () => {
    const r = await runCli(['upload', 'a.bin', '--url', 'http://127.0.0.1:9'], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^depot: cannot reach the server at http:\/\/127\.0\.0\.1:9 .*\n$/);
  });

  it('with --json, says so in an error line and the summary when the server cannot be reached', async () => {
    const r = await runCli(
      ['upload', 'dir/x.csv', 'a.bin', '--json', '--url', 'http://127.0.0.1:1'],
      env,
      work,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^depot: cannot reach the server at http:\/\/127\.0\.0\.1:1 .*\n$/);
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toEqual({
      ok: false,
      error: { code: 'ERR_NETWORK', message: r.stderr.slice('depot: '.length, -1) },
    });
    expect(lines[1]?.summary).toMatchObject({ ok: 0, failed: 2, interrupted: false });
    expect(lines).toHaveLength(2);
  });

  it('says in one line that the token is refused (exit 1), however many files', async () => {
    const r = await runCli(['upload', 'a.bin', 'dir/x.csv', '--token', 'wrong-token'], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^depot: the server at .* refused the token \(401 ERR_UNAUTHORIZED\).*\n$/);
  });

  it('stops on Ctrl-C with exit 130; the same command again sends only the rest', async () => {
    const body = randomBytes(64 * MiB);
    await writeFile(path.join(work, 'slow.bin'), body);
    const args = ['upload', 'slow.bin', '--chunk-size', '256KiB', '--json'];
    const run = startCli(args, env, work);
    const storeFile = path.join(work, 'config', 'depot', 'uploads.json');
    const url = await waitFor(async () => {
      const entries = Object.values(JSON.parse(await readFile(storeFile, 'utf8').catch(() => '{}')));
      return (entries[0] as { urls: string[] } | undefined)?.urls[0];
    });
    const offsetNow = async () => {
      const head = await fetch(url, {
        method: 'HEAD',
        headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${depot.token}` },
      });
      return Number(head.headers.get('upload-offset'));
    };
    await waitFor(async () => ((await offsetNow()) >= MiB ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGINT');
    const first = await run.done;
    expect(first.code).toBe(130);
    const stopped = jsonLines(first.stdout).at(-1)?.summary as { bytes: number };
    expect(stopped).toMatchObject({ ok: 0, interrupted: true });
    const offset = await offsetNow();
    // the summary counts what the server confirmed before the stop (it was 0)
    expect(stopped.bytes).toBeGreaterThan(0);
    expect(stopped.bytes).toBeLessThanOrEqual(offset);

    const again = await runCli(args, env, work);
    expect(again.code).toBe(0);
    const lines = jsonLines(again.stdout);
    const [line] = lines;
    expect(line).toMatchObject({ ok: true, resumed: true });
    expect(line?.bytesSent).toBeLessThanOrEqual(body.length - offset);
    // ...and a resumed file counts what this run sent, not its whole size
    expect((lines.at(-1)?.summary as { bytes: number }).bytes).toBe(line?.bytesSent);
    expect(sha(await stored(line?.id))).toBe(sha(body));
  });

  it('uploads to another tus 1.0 server: @tus/server with its FileStore', async () => {
    const tus = await tusNodeServer();
    try {
      const body = randomBytes(5 * MiB + 3);
      await writeFile(path.join(work, 'tus.bin'), body);
      const r = await runCli(
        [
          'upload',
          'tus.bin',
          'dir/x.csv',
          '--url',
          tus.url,
          '--chunk-size',
          '1MiB',
          '--parallel',
          '2',
          '--json',
        ],
        { ...env, DEPOT_TOKEN: '' },
        work,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const [line] = jsonLines(r.stdout).filter((l) => l.file === 'tus.bin');
      expect((await readFile(path.join(tus.dir, String(line?.id)))).equals(body)).toBe(true);
    } finally {
      await tus.close();
    }
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}
