import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunkHeaders, tus } from './helpers/depot.js';
import { runDepot, spawnDepot } from './helpers/depot-process.js';
import { s3Env } from './helpers/s3.js';
import { sleep, slowPatch } from './helpers/slow-patch.js';

const TOKEN = 'process-test-admin-token-0123456789';
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'depot-proc-'));
  dirs.push(dir);
  return dir;
}

async function create(url: string, length: number): Promise<string> {
  const res = await fetch(`${url}/files/`, {
    method: 'POST',
    headers: tus(TOKEN, { 'Upload-Length': String(length) }),
  });
  expect(res.status).toBe(201);
  return res.headers.get('location') as string;
}

const offsetOf = async (url: string) =>
  Number((await fetch(url, { method: 'HEAD', headers: tus(TOKEN) })).headers.get('upload-offset'));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('depot serve as a process', () => {
  it('survives SIGKILL mid-PATCH: the offset after restart is resumable and the file byte-identical', async () => {
    const dir = await dataDir();
    const env = { DEPOT_DATA_DIR: dir, DEPOT_ADMIN_TOKEN: TOKEN };
    const data = randomBytes(48 * 2 ** 20);
    let depot = await spawnDepot(env);
    const url = await create(depot.url, data.length);
    const p = slowPatch(url, chunkHeaders(TOKEN, 0), data.length);
    const step = 2 ** 20;
    let sent = 0;
    // Send until at least one checkpoint (16 MiB) is committed, then kill without warning.
    while (sent < 40 * step) {
      await p.write(data.subarray(sent, sent + step));
      sent += step;
    }
    await sleep(300);
    depot.child.kill('SIGKILL');
    await depot.exited;
    p.cut();

    depot = await spawnDepot(env);
    try {
      const offset = await offsetOf(url.replace(/^http:\/\/[^/]+/, depot.url));
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThanOrEqual(sent);
      const resumeUrl = url.replace(/^http:\/\/[^/]+/, depot.url);
      const res = await fetch(resumeUrl, {
        method: 'PATCH',
        headers: chunkHeaders(TOKEN, offset),
        body: data.subarray(offset),
      });
      expect(res.status).toBe(204);
      const stored = await readFile(path.join(dir, 'blobs', url.split('/').pop() as string));
      expect(sha(stored)).toBe(sha(data));
    } finally {
      depot.child.kill('SIGTERM');
      await depot.exited;
    }
  });

  it('on SIGTERM lets an in-flight PATCH save its bytes, then exits 0', async () => {
    const dir = await dataDir();
    const env = { DEPOT_DATA_DIR: dir, DEPOT_ADMIN_TOKEN: TOKEN };
    const data = randomBytes(3 * 2 ** 20);
    let depot = await spawnDepot(env);
    const url = await create(depot.url, data.length);
    const p = slowPatch(url, chunkHeaders(TOKEN, 0), data.length);
    await p.write(data.subarray(0, 2 ** 20));
    await sleep(300);
    depot.child.kill('SIGTERM');
    expect(await depot.exited).toBe(0);
    expect((await p.response).status).toBe(503);
    depot = await spawnDepot(env);
    try {
      const resumeUrl = url.replace(/^http:\/\/[^/]+/, depot.url);
      expect(await offsetOf(resumeUrl)).toBe(2 ** 20);
    } finally {
      depot.child.kill('SIGINT');
      expect(await depot.exited).toBe(0);
    }
  });

  it('prints the URL, a generated admin token and its web UI link on first start, and never again', async () => {
    const dir = await dataDir();
    const first = await spawnDepot({ DEPOT_DATA_DIR: dir, DEPOT_ADMIN_TOKEN: '' });
    const token = /Admin token \(shown once; keep it\): (\S+)/.exec(first.stdout())?.[1];
    expect(token).toMatch(/^dpt_/);
    // Beside it, a link that signs the web UI in with it.
    expect(first.stdout()).toContain(`Web UI (signs in as admin): ${first.url}/?token=${token}\n`);
    const ok = await fetch(`${first.url}/files/`, {
      method: 'POST',
      headers: tus(token as string, { 'Upload-Length': '1' }),
    });
    expect(ok.status).toBe(201);
    first.child.kill('SIGTERM');
    await first.exited;
    const db = await readFile(path.join(dir, 'depot.sqlite'));
    expect(db.includes(Buffer.from(token as string))).toBe(false);
    const second = await spawnDepot({ DEPOT_DATA_DIR: dir, DEPOT_ADMIN_TOKEN: '' });
    expect(second.stdout()).not.toContain(token);
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('exits 2 with one clear line for a bad setting', async () => {
    for (const [name, value] of [
      ['DEPOT_PORT', 'eighty'],
      ['DEPOT_MAX_UPLOAD_SIZE', '12 parsecs'],
      ['DEPOT_UPLOAD_EXPIRY', 'soon'],
      ['DEPOT_DATABASE_URL', 'mysql://x'],
    ] as const) {
      const r = await runDepot(['serve'], { [name]: value });
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(name);
    }
    const flag = await runDepot(['serve', '--port', 'x']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('DEPOT_PORT');
    const unknown = await runDepot(['serve', '--colour', 'blue']);
    expect(unknown.code).toBe(2);
  });

  it('exits 1 with one line naming the problem when the S3 bucket is missing', async () => {
    const { endpoint, region, accessKeyId, secretAccessKey } = s3Env();
    const r = await runDepot(['serve'], {
      DEPOT_DATA_DIR: await dataDir(),
      DEPOT_PORT: '0',
      DEPOT_STORAGE: 's3://depot-test-no-such-bucket/x',
      DEPOT_S3_ENDPOINT: endpoint,
      DEPOT_S3_REGION: region ?? '',
      DEPOT_S3_ACCESS_KEY_ID: accessKeyId ?? '',
      DEPOT_S3_SECRET_ACCESS_KEY: secretAccessKey ?? '',
    });
    expect(r.code).toBe(1);
    // (the AWS SDK may print its own notice about Node 20 first)
    expect(r.stderr.split('\n').filter((l) => l.startsWith('depot:'))).toEqual([
      'depot: cannot start: S3: the bucket depot-test-no-such-bucket does not exist (HTTP 404)',
    ]);
  });
});
