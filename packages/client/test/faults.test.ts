import { createHash, randomFillSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepotClient } from '../src/index.js';
import { type ChaosProxy, chaosProxy } from './helpers/chaos-proxy.js';
import { scratch, startDepot, type TestDepot } from './helpers/depot.js';

const MiB = 2 ** 20;
const SIZE = 100 * MiB;
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1e6);
let depot: TestDepot;
let proxy: ChaosProxy;
let work: { dir: string; remove: () => Promise<void> };
let source: string;
let digest: string;

beforeAll(async () => {
  depot = await startDepot();
  work = await scratch('depot-chaos-');
  source = path.join(work.dir, 'source.bin');
  const data = randomFillSync(Buffer.allocUnsafe(SIZE));
  digest = createHash('sha256').update(data).digest('hex');
  await writeFile(source, data);
  proxy = await chaosProxy(depot.url, { errorRate: 0.15, cutWithin: 32 * MiB, seed: SEED });
});
afterAll(async () => {
  await proxy.close();
  await depot.close();
  await work.remove();
});

const client = () =>
  new DepotClient({
    url: proxy.url,
    token: depot.token,
    store: false,
    retry: { retries: 30, minDelay: 20, maxDelay: 500 },
  });

describe(`through a proxy that cuts connections and answers 500 (CHAOS_SEED=${SEED})`, () => {
  let id: string;

  it('uploads 100 MiB byte-identical', async () => {
    const res = await client().upload(source, { chunkSize: 8 * MiB });
    id = res.id;
    expect(proxy.stats.cuts + proxy.stats.errors).toBeGreaterThan(0);
    const stored = await fetch(`${depot.url}/files/${id}`, {
      headers: { Authorization: `Bearer ${depot.token}` },
    });
    const hash = createHash('sha256');
    for await (const chunk of stored.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('hex')).toBe(digest);
  });

  it('downloads 100 MiB byte-identical, resuming after every cut', async () => {
    const before = proxy.stats.cuts + proxy.stats.errors;
    const dest = path.join(work.dir, 'dest.bin');
    const res = await client().download(id, dest);
    expect(proxy.stats.cuts + proxy.stats.errors).toBeGreaterThan(before);
    expect(res.size).toBe(SIZE);
    expect(
      createHash('sha256')
        .update(await readFile(dest))
        .digest('hex'),
    ).toBe(digest);
  });
});
