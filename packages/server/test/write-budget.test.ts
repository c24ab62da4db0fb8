import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FsBlobStore } from '../src/adapters/fs-blob-store.js';
import { WriteBudget } from '../src/adapters/write-budget.js';
import { StorageFullError } from '../src/ports/blob-store.js';
import { chunked, newId } from './contract/streams.js';

const KiB = 1024;
const MiB = 1024 * KiB;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'depot-budget-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const write = (store: FsBlobStore, id: string, data: Buffer, chunk = 64 * KiB) =>
  store.write(id, 0, chunked(data, chunk), { limit: Number.MAX_SAFE_INTEGER });

it('lets a write finish even when other writes hold the whole budget', async () => {
  const budget = new WriteBudget(MiB, 128 * KiB);
  budget.take(budget.total); // the others, which never let go while this runs
  const store = await FsBlobStore.open(dir, budget);
  const id = newId();
  const data = randomBytes(6 * MiB);
  expect(await write(store, id, data)).toEqual({ bytes: data.length });
  expect((await readFile(path.join(store.dir, id))).equals(data)).toBe(true);
  // it held no more than its minimum plus the chunk that crossed it, and gave it all back
  expect(budget.peak - budget.total).toBeLessThanOrEqual(128 * KiB + 64 * KiB);
  expect(budget.used).toBe(budget.total);
});

it('bounds what many concurrent writes hold together, and every file is right', async () => {
  const budget = new WriteBudget(2 * MiB, 128 * KiB);
  const store = await FsBlobStore.open(dir, budget);
  const uploads = Array.from({ length: 20 }, () => ({ id: newId(), data: randomBytes(3 * MiB) }));
  const results = await Promise.all(uploads.map((u) => write(store, u.id, u.data)));
  for (const [i, u] of uploads.entries()) {
    expect(results[i]).toEqual({ bytes: u.data.length });
    expect((await readFile(path.join(store.dir, u.id))).equals(u.data)).toBe(true);
  }
  // without the budget each would read up to 8 MiB ahead: 20 × 3 MiB, all of it, at once
  expect(budget.peak).toBeLessThanOrEqual(budget.total + 20 * (128 + 64) * KiB);
  expect(budget.used).toBe(0);
});

it('lets one write alone read far ahead of the disk', async () => {
  const budget = new WriteBudget(32 * MiB, 128 * KiB);
  const store = await FsBlobStore.open(dir, budget);
  const data = randomBytes(12 * MiB);
  expect(await write(store, newId(), data, 256 * KiB)).toEqual({ bytes: data.length });
  expect(budget.used).toBe(0);
  expect(budget.peak).toBeGreaterThan(128 * KiB + 256 * KiB);
});

it('gives back the bytes of a write that failed (a full disk)', async () => {
  const mount = path.join(dir, 'tiny');
  await mkdir(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', mount]);
  try {
    const budget = new WriteBudget(MiB, 128 * KiB);
    const store = await FsBlobStore.open(mount, budget);
    await expect(write(store, newId(), randomBytes(4 * MiB))).rejects.toBeInstanceOf(StorageFullError);
    expect(budget.peak).toBeGreaterThan(0);
    expect(budget.used).toBe(0);
  } finally {
    execFileSync('umount', ['-l', mount]);
  }
});
