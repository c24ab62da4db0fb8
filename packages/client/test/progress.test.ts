import { describe, expect, it } from 'vitest';
import { ProgressMeter } from '../src/index.js';

describe('ProgressMeter', () => {
  it('reports the rate over the last seconds and the time left at that rate', () => {
    let now = 0;
    const meter = new ProgressMeter(() => now);
    expect(meter.update(0, 1000)).toEqual({ bytesSent: 0, bytesTotal: 1000, rate: 0, eta: undefined });
    now = 1000;
    expect(meter.update(100, 1000)).toMatchObject({ rate: 100, eta: 9 });
    now = 2000;
    expect(meter.update(300, 1000)).toMatchObject({ rate: 150, eta: 700 / 150 });
  });

  it('forgets samples older than its window, so a stall shows as a falling rate', () => {
    let now = 0;
    const meter = new ProgressMeter(() => now);
    meter.update(0, undefined);
    now = 1000;
    meter.update(1000, undefined);
    for (now = 2000; now <= 10_000; now += 1000) meter.update(1000, undefined);
    expect(meter.update(1000, undefined)).toEqual({
      bytesSent: 1000,
      bytesTotal: undefined,
      rate: 0,
      eta: undefined,
    });
  });
});
