import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../src/core/failure-throttle.js';

describe('FailureThrottle', () => {
  it('blocks a key after max failures until its window ends, other keys unaffected', () => {
    let now = 1_000;
    const t = new FailureThrottle({ max: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(t.blockedFor('a')).toBe(0);
      t.fail('a');
    }
    expect(t.blockedFor('a')).toBe(60_000);
    expect(t.blockedFor('b')).toBe(0);
    now += 59_999;
    expect(t.blockedFor('a')).toBe(1);
    now += 1;
    expect(t.blockedFor('a')).toBe(0);
    // a fresh window: one failure is not a burst
    t.fail('a');
    expect(t.blockedFor('a')).toBe(0);
  });

  it('stays bounded: past its capacity it evicts the oldest half of the windows', () => {
    const now = 0;
    const t = new FailureThrottle({ max: 1, windowMs: 60_000, now: () => now, capacity: 10 });
    for (let i = 0; i < 9; i++) t.fail(`k${i}`);
    t.fail('attacker');
    expect(t.blockedFor('attacker')).toBe(60_000);
    // the 11th key prunes the oldest half
    t.fail('k-new');
    expect(t.blockedFor('k0')).toBe(0);
    expect(t.blockedFor('attacker')).toBe(60_000);
    expect(t.blockedFor('k-new')).toBe(60_000);
  });
});
