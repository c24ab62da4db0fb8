import { Transform } from 'node:stream';
import { type JobProcessor, processors } from '../../src/processors/index.js';

/**
 * The built-in csv-report, reading its input at most `bytesPerSecond`: a job that stays running
 * long enough for a browser test to click its buttons, however fast the machine.
 */
export function slowReport(bytesPerSecond: number): JobProcessor {
  const report = processors['csv-report'];
  if (report?.kind !== 'file') throw new Error('csv-report is not a file processor');
  return {
    kind: 'file',
    run: (ctx) => {
      const slow = new Transform({
        transform(chunk: Buffer, _enc, done) {
          setTimeout(() => done(null, chunk), (chunk.length / bytesPerSecond) * 1000);
        },
      });
      ctx.input.pipe(slow);
      slow.once('close', () => ctx.input.destroy());
      return report.run({
        ...ctx,
        input: slow,
        progress: (p) => ctx.progress(p),
        onError: (e) => ctx.onError(e),
      });
    },
  };
}
