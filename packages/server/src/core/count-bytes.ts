import { type Readable, Transform, type TransformCallback } from 'node:stream';

/**
 * Passes `source` through, calling `count` with the size of each chunk as it is handed on. An
 * error of the source destroys the result with it (as `pipeline` would), so a reader sees it.
 */
export function countBytes(source: Readable, count: (bytes: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      count(chunk.length);
      done(null, chunk);
    },
  });
  source.once('error', (err) => counter.destroy(err));
  // A reader that gives up (a client gone) must not leave the source open.
  counter.once('close', () => source.destroy());
  return source.pipe(counter);
}
