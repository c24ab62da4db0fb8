import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A fresh blob/upload id of the shape the core makes. */
export const newId = (): string => randomBytes(16).toString('hex');

/** A source that yields `data` in chunks of `size` bytes (uneven chunks find splitting bugs). */
export function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return Readable.from(chunks, { objectMode: false });
}

/** A source that yields `data` and then fails, like a client that went away. */
export function failingAfter(data: Buffer, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) return;
      sent = true;
      this.push(data);
      setTimeout(() => this.destroy(error), 20);
    },
  });
}

/** A source that yields `data` and then stalls (never ends), like a slow client. */
export function stallingAfter(data: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) return;
      sent = true;
      this.push(data);
    },
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
