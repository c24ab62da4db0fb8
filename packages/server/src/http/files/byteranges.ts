import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A multipart/byteranges body (RFC 9110 §14.6): each range with its own Content-Range. */
export function multipartByteranges(
  ranges: readonly ByteRange[],
  total: number,
  contentType: string,
  open: (range: ByteRange) => Promise<Readable>,
): { contentType: string; length: number; body: Readable } {
  const boundary = randomBytes(12).toString('hex');
  const heads = ranges.map(
    (r, i) =>
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${total}\r\n\r\n`,
  );
  const tail = `\r\n--${boundary}--\r\n`;
  const length =
    heads.reduce((n, h) => n + Buffer.byteLength(h), 0) +
    ranges.reduce((n, r) => n + r.end - r.start + 1, 0) +
    Buffer.byteLength(tail);
  // Lazy: nothing is opened until the body is read (a HEAD never reads it).
  const body = Readable.from(
    (async function* () {
      for (const [i, r] of ranges.entries()) {
        yield Buffer.from(heads[i] as string);
        yield* await open(r);
      }
      yield Buffer.from(tail);
    })(),
    { objectMode: false },
  );
  return { contentType: `multipart/byteranges; boundary=${boundary}`, length, body };
}
