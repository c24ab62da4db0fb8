import { afterEach, describe, expect, it, vi } from 'vitest';
import { JsonReporter } from '../src/report/json-reporter.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const summary = { ok: 3, failed: 0, bytes: 30, seconds: 1, interrupted: false };

describe('JsonReporter', () => {
  it('writes the lines of one event-loop turn in one write, each a JSON object, in order', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const reporter = new JsonReporter();
    for (const name of ['a', 'b', 'c']) reporter.done(name, `${name} done`, { id: `id-${name}`, size: 10 });
    expect(write).not.toHaveBeenCalled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(write).toHaveBeenCalledTimes(1);
    const lines = String(write.mock.calls[0]?.[0]).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(
      ['a', 'b', 'c'].map((name) => ({ file: name, ok: true, id: `id-${name}`, size: 10 })),
    );
  });

  it('writes what is pending, then the summary, as soon as it finishes', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const reporter = new JsonReporter();
    reporter.done('a', 'a done', { id: 'id-a' });
    reporter.finish('uploaded', summary);
    const out = write.mock.calls.map((c) => String(c[0])).join('');
    expect(
      out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ file: 'a', ok: true, id: 'id-a' }, { summary }]);
  });
});
