import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const ADMIN = 'cli-test-admin-token-0123456789';
let url: string;
let dataDir: string;
let server: ReturnType<typeof spawn>;

/** Runs `depot ARGS` and returns its exit code and output. */
function depot(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, DEPOT_URL: '', DEPOT_TOKEN: '', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'depot-cli-'));
  server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, DEPOT_ADMIN_TOKEN: ADMIN, DEPOT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    server.once('exit', (code) => reject(new Error(`depot serve exited ${code}: ${out}`)));
  });
});
afterAll(async () => {
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
  await rm(dataDir, { recursive: true, force: true });
});

const files = (token: string) => fetch(`${url}/api/files`, { headers: { Authorization: `Bearer ${token}` } });

describe('depot token', () => {
  it('creates a token shown once, lists it without its secret, and revokes it at once', async () => {
    const env = { DEPOT_URL: url, DEPOT_TOKEN: ADMIN };
    const created = await depot(['token', 'create', 'ci-bot', '--quota', '1MiB', '--owner', 'team-a'], env);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^dpt_[\w-]{40,}$/);
    expect(created.stderr).toMatch(/owner team-a, quota 1048576 B/);
    expect((await files(secret)).status).toBe(200);

    // flags instead of the environment
    const ls = await depot(['token', 'ls', '--url', url, '--token', ADMIN]);
    expect(ls.code).toBe(0);
    const line = ls.stdout.split('\n').find((l) => l.includes('ci-bot'));
    expect(line).toMatch(/team-a\s+1048576 B\s+\S+\s+live/);
    expect(ls.stdout).not.toContain(secret);
    const id = line!.split(/\s+/)[0]!;

    const revoked = await depot(['token', 'revoke', id], env);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${id}\n` });
    expect((await files(secret)).status).toBe(401);
    expect((await depot(['token', 'ls'], env)).stdout).toMatch(new RegExp(`${id}.*revoked`));
    const again = await depot(['token', 'revoke', id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('ERR_NOT_FOUND');
  });

  it('fails with 1 for a non-admin token or an unreachable server, and 2 for a usage error', async () => {
    const made = await depot(['token', 'create', 'plain'], { DEPOT_URL: url, DEPOT_TOKEN: ADMIN });
    const plain = made.stdout.trim();
    const denied = await depot(['token', 'ls'], { DEPOT_URL: url, DEPOT_TOKEN: plain });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('ERR_FORBIDDEN');
    const down = await depot(['token', 'ls', '--url', 'http://127.0.0.1:9', '--token', ADMIN]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach');
    expect((await depot(['token', 'ls'], { DEPOT_URL: url })).code).toBe(2);
    expect((await depot(['token', 'create'], { DEPOT_TOKEN: ADMIN })).code).toBe(2);
    expect((await depot(['token', 'create', 'x', '--quota', 'lots'], { DEPOT_TOKEN: ADMIN })).code).toBe(2);
    expect((await depot(['token', 'frob'], { DEPOT_TOKEN: ADMIN })).code).toBe(2);
  });

  it('--json prints the new token, the list and the revocation as JSON lines', async () => {
    const env = { DEPOT_URL: url, DEPOT_TOKEN: ADMIN };
    const made = await depot(['token', 'create', 'json-bot', '--json'], env);
    expect(made.code).toBe(0);
    const t = JSON.parse(made.stdout) as { id: string; token: string; owner: string };
    expect(t).toMatchObject({ owner: 'json-bot', token: expect.stringMatching(/^dpt_/) });
    const ls = await depot(['token', 'ls', '--json'], env);
    const listed = ls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(listed.find((x) => x.id === t.id)).toMatchObject({ name: 'json-bot', revokedAt: null });
    expect(ls.stdout).not.toContain(t.token);
    const revoked = await depot(['token', 'revoke', t.id, '--json'], env);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: t.id, revoked: true });
  });
});
