import { expect, it } from 'vitest';
import { MemoryLocker } from '../src/adapters/memory-locker.js';
import { lockerContract } from './contract/locker-contract.js';

lockerContract('MemoryLocker', async () => {
  const locker = new MemoryLocker();
  return { locker, cleanup: () => locker.close() };
});

it('asks the next holder to let go when more waiters queue behind it', async () => {
  const locker = new MemoryLocker();
  const asked: string[] = [];
  const first = await locker.acquire('k', { waitMs: 1000, onReleaseRequested: () => asked.push('first') });
  const second = locker.acquire('k', { waitMs: 1000, onReleaseRequested: () => asked.push('second') });
  const third = locker.acquire('k', { waitMs: 1000, onReleaseRequested: () => asked.push('third') });
  await first.release();
  await (await second).release();
  await (await third).release();
  expect(asked).toEqual(['first', 'second']);
});
