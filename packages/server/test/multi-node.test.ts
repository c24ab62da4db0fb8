import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../src/adapters/sql/migrations.js';
import { SCALED_OUT } from './helpers/backends.js';
import { chunkHeaders, tus } from './helpers/depot.js';
import { type DepotProcess, spawnDepot } from './helpers/depot-process.js';
import { slowPatch } from './helpers/slow-patch.js';

// Two real `depot serve` processes on two ports over one Postgres, one Redis and one S3 bucket:
// what a load balancer without sticky sessions does to a client.
const TOKEN = 'multi-node-test-admin-token-0123456789';
const MiB = 2 ** 20;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let nodes: DepotProcess[] = [];
let databaseUrl: string;
let cleanup: () => Promise<void>;
const dirs: string[] = [];

/** Node `i`'s URL for the upload at `url` (same path, other host). */
const on = (i: number, url: string) => url.replace(/^http:\/\/[^/]+/, nodes[i]!.url);

async function create(node: number, length: number): Promise<string> {
  const res = await fetch(`${nodes[node]!.url}/files/`, {
    method: 'POST',
    headers: tus(TOKEN, { 'Upload-Length': String(length) }),
  });
  expect(res.status).toBe(201);
  return new URL(res.headers.get('location') as string, nodes[node]!.url).href;
}

async function offsetOn(node: number, url: string): Promise<number> {
  const res = await fetch(on(node, url), { method: 'HEAD', headers: tus(TOKEN) });
  expect(res.status).toBe(200);
  return Number(res.headers.get('upload-offset'));
}

async function patchOn(node: number, url: string, offset: number, body: Uint8Array): Promise<void> {
  const res = await fetch(on(node, url), { method: 'PATCH', headers: chunkHeaders(TOKEN, offset), body });
  expect(res.status, await res.text()).toBe(204);
  expect(Number(res.headers.get('upload-offset'))).toBe(offset + body.length);
}

async function downloadOn(node: number, url: string): Promise<Buffer> {
  const res = await fetch(on(node, url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** A 40 MiB upload made on node A, whose one PATCH to A has sent 21 MiB of its body so far. */
async function partlySentToA() {
  const data = randomBytes(40 * MiB);
  const url = await create(0, data.length);
  const p = slowPatch(on(0, url), chunkHeaders(TOKEN, 0), data.length);
  let sent = 0;
  while (sent < 21 * MiB) {
    await p.write(data.subarray(sent, sent + MiB));
    sent += MiB;
  }
  return { data, url, p, sent };
}

describe('two Depot nodes sharing Postgres, Redis and S3', () => {
  beforeAll(async () => {
    const backend = await SCALED_OUT.start();
    cleanup = backend.cleanup;
    databaseUrl = backend.env.DEPOT_DATABASE_URL!;
    for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(path.join(tmpdir(), `depot-node${i}-`)));
    // Both started at the same instant on the empty database: each runs `migrate` at start.
    nodes = await Promise.all(
      dirs.map((dir) => spawnDepot({ ...backend.env, DEPOT_DATA_DIR: dir, DEPOT_ADMIN_TOKEN: TOKEN })),
    );
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) {
      if (n.child.exitCode === null) {
        n.child.kill('SIGTERM');
        await n.exited;
      }
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await cleanup?.();
  });

  it('migrates the empty database once when both nodes start at the same instant, and both serve', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        'select name from kysely_migration order by name',
      );
      const all = Object.keys(await migrationProvider.getMigrations()).sort();
      expect(rows.map((r) => r.name)).toEqual(all);
    } finally {
      await client.end();
    }
    for (const n of nodes) {
      const ready = await fetch(`${n.url}/readyz`);
      expect(ready.status, await ready.text()).toBe(200);
    }
    expect(nodes[0]!.url).not.toBe(nodes[1]!.url);
    // One upload made on A is the same upload on B.
    const url = await create(0, 5);
    await patchOn(1, url, 0, Buffer.from('hello'));
    expect((await downloadOn(0, url)).toString()).toBe('hello');
  });

  it('takes one upload whose PATCHes alternate between the nodes, byte-identical on both', async () => {
    // 44 MiB in 11 PATCHes of 4 MiB: S3 parts (16 MiB) fill across PATCHes sent to both nodes,
    // and the tail left by one node is picked up by the other.
    const data = randomBytes(44 * MiB);
    const url = await create(0, data.length);
    const chunk = 4 * MiB;
    for (let at = 0, i = 0; at < data.length; at += chunk, i++) {
      const node = i % 2;
      expect(await offsetOn(node, url)).toBe(at);
      await patchOn(node, url, at, data.subarray(at, at + chunk));
    }
    expect(sha(await downloadOn(0, url))).toBe(sha(data));
    expect(sha(await downloadOn(1, url))).toBe(sha(data));
  }, 120_000);

  it('resumes on node B an upload whose PATCH to node A was cut mid-body', async () => {
    // More than one whole S3 part (16 MiB), then the connection drops without the rest.
    const { data, url, p, sent } = await partlySentToA();
    // Node A has all it was sent before the cut (the bytes are in flight until then).
    await new Promise((r) => setTimeout(r, 500));
    p.cut();
    // B answers once A has saved what it had and let the upload go.
    const offset = await offsetOn(1, url);
    expect(offset).toBeGreaterThan(16 * MiB);
    expect(offset).toBeLessThanOrEqual(sent);
    await patchOn(1, url, offset, data.subarray(offset));
    expect(sha(await downloadOn(1, url))).toBe(sha(data));
    expect(sha(await downloadOn(0, url))).toBe(sha(data));
  }, 120_000);

  // Last: it leaves node A dead.
  it('resumes on node B an upload whose node A was SIGKILLed mid-PATCH', async () => {
    const { data, url, p } = await partlySentToA();
    await new Promise((r) => setTimeout(r, 1000));
    nodes[0]!.child.kill('SIGKILL');
    await nodes[0]!.exited;
    p.cut();
    // A's lock lapses in Redis; B takes the upload from its last durable point: a whole part
    // (16 MiB, for this length) if it reached S3 before the kill, else the start.
    const offset = await offsetOn(1, url);
    expect([0, 16 * MiB]).toContain(offset);
    await patchOn(1, url, offset, data.subarray(offset));
    expect(sha(await downloadOn(1, url))).toBe(sha(data));
  }, 120_000);
});
