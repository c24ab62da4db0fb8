import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { OffThreadHash } from '../src/core/offthread-hash.js';
import { UploadGuard } from '../src/core/upload-guard.js';

const KiB = 1024;

/** Everything the guard emits, once it ends. */
async function drain(guard: UploadGuard): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of guard) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('UploadGuard', () => {
  it('passes the body through and hashes what it passed', async () => {
    const body = new PassThrough();
    const hash = new OffThreadHash('sha256', 300 * KiB);
    const guard = new UploadGuard(body, 1024 * KiB, [hash]);
    const data = randomBytes(300 * KiB);
    for (let at = 0; at < data.length; at += 64 * KiB) body.write(data.subarray(at, at + 64 * KiB));
    body.end();
    const out = await drain(guard);
    expect(out.equals(data)).toBe(true);
    expect(guard.passed).toBe(data.length);
    expect(guard.overflow).toBe(false);
    expect((await hash.digest()).equals(createHash('sha256').update(data).digest())).toBe(true);
  });

  it('stops at its limit, flags the overflow and keeps reading the rest of the body unused', async () => {
    const body = new PassThrough();
    const guard = new UploadGuard(body, 100 * KiB);
    const data = randomBytes(256 * KiB);
    const ended = new Promise((resolve) => body.once('end', resolve));
    for (let at = 0; at < data.length; at += 64 * KiB) body.write(data.subarray(at, at + 64 * KiB));
    body.end();
    const out = await drain(guard);
    expect(out.equals(data.subarray(0, 100 * KiB))).toBe(true);
    expect(guard.overflow).toBe(true);
    // the client's extra bytes are consumed (so its request can be answered), not left unread
    await ended;
  });

  it('holds at most one chunk while its reader is paused, and pauses the body instead', async () => {
    const body = new PassThrough({ highWaterMark: 16 * KiB });
    const guard = new UploadGuard(body, 10 * 1024 * KiB);
    const seen: Buffer[] = [];
    guard.on('data', (c: Buffer) => {
      seen.push(c);
      if (seen.length === 1) guard.pause();
    });
    const chunk = randomBytes(64 * KiB);
    for (let i = 0; i < 10; i++) body.write(chunk);
    for (let i = 0; i < 5; i++) await tick();
    expect(seen).toHaveLength(1);
    // The rest waits in the body (in a server: in the socket), not in the guard: as a Transform
    // piped into, it held up to 144 KiB more per upload.
    const held =
      guard.readableLength + ((guard as unknown as { writableLength?: number }).writableLength ?? 0);
    expect(held).toBeLessThanOrEqual(64 * KiB);
    expect(body.isPaused()).toBe(true);
    guard.resume();
    body.end();
    await new Promise((resolve) => guard.once('end', resolve));
    expect(guard.passed).toBe(10 * 64 * KiB);
  });

  it('ends at once for a body already read to its end, and stops reading it once destroyed', async () => {
    const empty = new PassThrough();
    empty.end();
    empty.resume();
    await new Promise((resolve) => empty.once('end', resolve));
    expect(await drain(new UploadGuard(empty, 10))).toHaveLength(0);

    const body = new PassThrough();
    const guard = new UploadGuard(body, 1024 * KiB);
    guard.on('error', () => {});
    guard.destroy(new Error('cut off'));
    await tick();
    expect(body.listenerCount('data')).toBe(0);
  });
});
