import { rm } from 'node:fs/promises';
import { afterEach, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { api, uploadFile } from './helpers/jobs.js';
import { createTestDatabase } from './helpers/postgres.js';
import { startReceiver } from './helpers/receiver.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

it('sends each delivery from one node when several share the Postgres store', async () => {
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  const receiver = await startReceiver(() => 200);
  cleanup.push(() => receiver.close());
  const sent = { a: 0, b: 0 };
  const node = async (name: 'a' | 'b', concurrency: number): Promise<TestDepot> => {
    const d = await startDepot(
      { DEPOT_DATABASE_URL: db.url },
      {
        webhooks: {
          pollMs: 10,
          concurrency,
          retry: { baseMs: 20, maxMs: 40, windowMs: 60_000 },
          onDelivery: (_e, outcome) => {
            if (outcome === 'delivered') sent[name]++;
          },
        },
      },
    );
    cleanup.push(async () => {
      await d.server.close();
      await rm(d.dataDir, { recursive: true, force: true });
    });
    return d;
  };
  // A, where the events happen, sends one delivery at a time; B, polling the store, takes a share
  const a = await node('a', 1);
  await node('b', 8);
  const hooks = [];
  for (let i = 0; i < 3; i++) {
    const res = await api(a.url, a.token, 'POST', '/api/webhooks', {
      url: receiver.url,
      events: ['upload.finished'],
    });
    expect(res.status).toBe(201);
    hooks.push(res.json.id);
  }
  for (let i = 0; i < 8; i++) await uploadFile(a.url, a.token, new TextEncoder().encode(`file ${i}`));
  const got = await receiver.waitFor(24);
  // a little longer: a second send of any delivery would show up now
  await new Promise((r) => setTimeout(r, 300));
  expect(got).toHaveLength(24);
  expect(new Set(got.map((g) => g.headers['depot-delivery'])).size).toBe(24);
  expect(sent.a + sent.b).toBe(24);
  expect(sent.b).toBeGreaterThan(0);
  for (const id of hooks) {
    const log = await api(a.url, a.token, 'GET', `/api/webhooks/${id}/deliveries`);
    expect(log.json.deliveries.map((d: { attempts: number }) => d.attempts)).toEqual(Array(8).fill(1));
  }
});
