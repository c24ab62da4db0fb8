import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { DirSync } from '../src/adapters/dir-sync.js';

/** A directory whose syncs only end when the test says so; counts opens and closes. */
function controlledSync() {
  const runs: { end: () => void; fail: (e: Error) => void }[] = [];
  const counts = { opens: 0, closes: 0 };
  const io = {
    open: async () => {
      counts.opens++;
      return 7;
    },
    sync: () =>
      new Promise<void>((resolve, reject) => {
        runs.push({ end: resolve, fail: reject });
      }),
    close: async () => {
      counts.closes++;
    },
  };
  return { runs, counts, io };
}
const tick = () => new Promise((r) => setImmediate(r));
/** how long the directory stays open with no sync (short here) */
const IDLE_MS = 30;
const idle = () => new Promise((r) => setTimeout(r, IDLE_MS * 3));

it('serves every caller that arrives before a sync starts with that one sync', async () => {
  const { runs, counts, io } = controlledSync();
  const dirs = new DirSync('/unused', io, IDLE_MS);
  const done: number[] = [];
  const waits = [1, 2, 3].map((i) => dirs.sync().then(() => done.push(i)));
  await tick();
  expect(runs).toHaveLength(1);
  runs[0]?.end();
  await Promise.all(waits);
  expect(done.sort()).toEqual([1, 2, 3]);
  expect(runs).toHaveLength(1);
  expect(counts).toEqual({ opens: 1, closes: 0 });
  await idle();
  expect(counts).toEqual({ opens: 1, closes: 1 });
});

it('keeps the directory open for syncs that follow within the idle time, one at a time', async () => {
  const { runs, counts, io } = controlledSync();
  const dirs = new DirSync('/unused', io, IDLE_MS);
  for (let i = 0; i < 3; i++) {
    const s = dirs.sync();
    await tick();
    runs[i]?.end();
    await s;
  }
  expect(runs).toHaveLength(3);
  expect(counts).toEqual({ opens: 1, closes: 0 });
  await idle();
  expect(counts).toEqual({ opens: 1, closes: 1 });
  const again = dirs.sync();
  await tick();
  runs[3]?.end();
  await again;
  expect(counts).toEqual({ opens: 2, closes: 1 });
});

it('makes a caller that arrives during a sync wait for the next one, shared by all such callers', async () => {
  const { runs, counts, io } = controlledSync();
  const dirs = new DirSync('/unused', io, IDLE_MS);
  const first = dirs.sync();
  await tick();
  let laterDone = false;
  const later = [dirs.sync(), dirs.sync()];
  void Promise.all(later).then(() => {
    laterDone = true;
  });
  runs[0]?.end();
  await first;
  await tick();
  // The running sync may have started before the later callers' files: it does not count for them.
  expect(laterDone).toBe(false);
  expect(runs).toHaveLength(2);
  runs[1]?.end();
  await Promise.all(later);
  expect(runs).toHaveLength(2);
  // the directory stayed open from one sync to the one waiting behind it
  expect(counts).toEqual({ opens: 1, closes: 0 });
});

it('fails the callers of a failed sync, and the next callers get a fresh one', async () => {
  const { runs, counts, io } = controlledSync();
  const dirs = new DirSync('/unused', io, IDLE_MS);
  const failing = dirs.sync();
  await tick();
  runs[0]?.fail(new Error('EIO'));
  await expect(failing).rejects.toThrow('EIO');
  const next = dirs.sync();
  await tick();
  runs[1]?.end();
  await expect(next).resolves.toBeUndefined();
  // the failed sync closed its descriptor at once; the next one opened a fresh one
  expect(counts).toEqual({ opens: 2, closes: 1 });
  await idle();
  expect(counts).toEqual({ opens: 2, closes: 2 });
});

it('syncs a real directory', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'depot-dirsync-'));
  try {
    await Promise.all([new DirSync(dir).sync(), new DirSync(dir).sync()]);
    await expect(new DirSync(path.join(dir, 'missing')).sync()).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
