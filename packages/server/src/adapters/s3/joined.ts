import { Readable } from 'node:stream';

/** One stream of several, opened one after another as the previous ends (so at most one is open). */
export function joined(sources: readonly (() => Promise<Readable | undefined>)[]): Readable {
  return Readable.from(
    (async function* () {
      for (const open of sources) {
        const stream = await open();
        if (!stream) throw new Error('a piece of the part is missing from the object store');
        yield* stream;
      }
    })(),
    { objectMode: false },
  );
}
