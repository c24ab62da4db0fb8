/**
 * Node's latin1 codec without `Buffer#toString`/`write`'s argument juggling, which costs more than
 * the copy itself for the short strings (keys) decoded millions of times here. `latin1Slice` and
 * `latin1Write` are long-standing Buffer methods that @types/node does not declare.
 */
interface Latin1Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
}

export const latin1Slice = (buf: Buffer, start: number, end: number): string =>
  (buf as unknown as Latin1Buffer).latin1Slice(start, end);

export const latin1Write = (buf: Buffer, s: string, offset: number): number =>
  (buf as unknown as Latin1Buffer).latin1Write(s, offset);
