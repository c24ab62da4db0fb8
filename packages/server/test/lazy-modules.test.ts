import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DepotProcess, spawnDepot } from './helpers/depot-process.js';
import { createJob, uploadFile, waitForJob } from './helpers/jobs.js';

const TOKEN = 'lazy-modules-admin-token-0123456789';
const PRELOAD = fileURLToPath(new URL('./helpers/loaded-modules.mjs', import.meta.url));
let dir: string;
let depot: DepotProcess;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-lazy-'));
  out = path.join(dir, 'modules.txt');
  depot = await spawnDepot({
    DEPOT_DATA_DIR: path.join(dir, 'data'),
    DEPOT_ADMIN_TOKEN: TOKEN,
    DEPOT_TEST_MODULES_OUT: out,
    NODE_OPTIONS: `--import ${PRELOAD}`,
  });
});
afterAll(async () => {
  depot?.child.kill('SIGTERM');
  await depot?.exited;
  await rm(dir, { recursive: true, force: true });
});

/** Every module the server has loaded so far (ES module URLs and CommonJS paths). */
async function loaded(): Promise<string> {
  const before = ((await readFile(out, 'utf8').catch(() => '')).match(/^done$/gm) ?? []).length;
  depot.child.kill('SIGUSR2');
  for (;;) {
    const text = await readFile(out, 'utf8');
    if ((text.match(/^done$/gm) ?? []).length > before) return text;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('what depot serve loads', () => {
  it('takes uploads without loading Ajv, fast-json-stringify or the CSV job code, and loads a processor for its first job', async () => {
    const csv = Buffer.from('Song,Date,Number of Plays\nUmbrella,2020-01-01,100\n');
    const fileId = await uploadFile(depot.url, TOKEN, csv);
    expect((await fetch(`${depot.url}/healthz`)).status).toBe(200);
    const atIdle = await loaded();
    expect(atIdle).toContain('/processors/index.js');
    for (const lazy of [
      '@fastify/ajv-compiler',
      'ajv/dist',
      '@fastify/fast-json-stringify-compiler',
      'fast-json-stringify/index.js',
      '/processors/csv-report.js',
      '/processors/csv-import.js',
    ]) {
      expect(atIdle).not.toContain(lazy);
    }

    const job = await createJob(depot.url, TOKEN, 'csv-report', fileId);
    expect((await waitForJob(depot.url, TOKEN, job.id)).state).toBe('completed');
    const afterJob = await loaded();
    expect(afterJob).toContain('/processors/csv-report.js');
    expect(afterJob).not.toContain('/processors/csv-import.js');
  });
});
