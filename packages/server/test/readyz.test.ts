import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../src/health-checks.js';
import { startDepot } from './helpers/depot.js';
import { createTestDatabase } from './helpers/postgres.js';

async function readyz(
  url: string,
): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe('/readyz', () => {
  it('is 200 while the database, storage and queue answer, and 503 naming the database once it is dropped', async () => {
    const db = await createTestDatabase();
    const depot = await startDepot({ DEPOT_DATABASE_URL: db.url });
    try {
      const up = await readyz(depot.url);
      expect(up).toEqual({
        status: 200,
        body: { status: 'ok', checks: { database: 'ok', storage: 'ok', queue: 'ok' } },
      });
      // WITH (FORCE) ends the server's open connections; new ones find no database.
      await db.drop();
      const down = await readyz(depot.url);
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unavailable');
      expect(down.body.checks.database).toMatch(/^failing: .*does not exist/);
      expect(down.body.checks.storage).toBe('ok');
      // the embedded queue is the jobs table: it fails with the database
      expect(down.body.checks.queue).toMatch(/^failing: /);
      // liveness is not readiness: the process itself is fine
      expect((await fetch(`${depot.url}/healthz`)).status).toBe(200);
    } finally {
      await depot.close();
      await db.drop();
    }
  });

  it('is 503 naming the storage when the blob directory is gone, and 200 again once it is back', async () => {
    const depot = await startDepot();
    try {
      expect((await readyz(depot.url)).status).toBe(200);
      const blobs = path.join(depot.dataDir, 'blobs');
      await rm(blobs, { recursive: true });
      const down = await readyz(depot.url);
      expect(down.status).toBe(503);
      expect(down.body.checks).toMatchObject({ database: 'ok', queue: 'ok' });
      expect(down.body.checks.storage).toMatch(/^failing: .*ENOENT/);
      await mkdir(blobs);
      expect((await readyz(depot.url)).status).toBe(200);
    } finally {
      await depot.close();
    }
  });
});

describe('runChecks', () => {
  it('reports a part that hangs as failing once its time is up, without waiting for it', async () => {
    const started = Date.now();
    const checks = await runChecks(
      {
        hung: () => new Promise<void>(() => {}),
        broken: async () => Promise.reject(new Error('refused')),
        fine: async () => {},
      },
      100,
    );
    expect(checks).toEqual({
      hung: 'failing: no answer within 100 ms',
      broken: 'failing: refused',
      fine: 'ok',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
