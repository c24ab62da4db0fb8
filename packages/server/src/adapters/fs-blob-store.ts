import { randomUUID } from 'node:crypto';
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { type FileHandle, mkdir, open, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  BlobNotFoundError,
  type BlobStore,
  type Concatenator,
  type Storage,
  StorageFullError,
  type WriteOptions,
  type WriteResult,
} from '../ports/blob-store.js';
import { DirSync } from './dir-sync.js';
import { closeFd, openFd, sizeOfFd, truncateFd } from './fd-io.js';
import { writeFromStream } from './fs-write-loop.js';
import { WriteBudget } from './write-budget.js';

/** Ids are made by the core; anything else never reaches the filesystem (no path tricks). */
const ID = /^[0-9a-f]{32}$/;
/** Bytes per read and write when joining parts (two such buffers: one read while the other is written). */
const COPY_BUFFER = 4 * 2 ** 20;
/**
 * A write of at most this many bytes opens its file with O_DSYNC (where the platform has it):
 * its one or few writes are then durable as they return, which saves the fdatasync call, a
 * thread-pool round trip that is a noticeable part of a small upload's cost. Larger writes
 * batch many writes under one fdatasync instead.
 */
const SYNCED_WRITES_UP_TO = 64 * 1024;
const { O_CREAT, O_DSYNC, O_RDWR, O_TRUNC, O_WRONLY } = fsConstants;

/**
 * Bytes per read when streaming a blob out. A lone download reads 4 MiB at a time: against 1 MiB
 * that cut the server's CPU per GiB sent by about 30 % (fewer syscalls and event-loop turns;
 * bench/RESULTS.md). The reads in flight share READ_BUDGET, so many downloads at once read less
 * each (at least READ_MIN) and their buffers stay within tens of MiB.
 */
const READ_MAX = 4 << 20;
const READ_MIN = 256 << 10;
const READ_BUDGET = 32 << 20;

/** Blobs as plain files in one directory, named by id. */

export class FsBlobStore implements BlobStore, Concatenator {
  readonly dir: string;
  readonly #dirSync: DirSync;
  /** blob reads streaming now (they share READ_BUDGET) */
  #reading = 0;
  /** what all writes to this store may hold in memory together */
  readonly budget: WriteBudget;

  private constructor(dir: string, budget: WriteBudget) {
    this.dir = dir;
    this.#dirSync = new DirSync(dir);
    this.budget = budget;
  }

  static async open(dir: string, budget = new WriteBudget()): Promise<FsBlobStore> {
    await mkdir(dir, { recursive: true });
    return new FsBlobStore(path.resolve(dir), budget);
  }

  async create(id: string): Promise<void> {
    const file = this.#path(id);
    try {
      await closeFd(await openFd(file, 'wx'));
      // A new name is durable only once its directory is synced.
      await this.#dirSync.sync();
    } catch (err) {
      throw mapError(err, id);
    }
  }

  async write(id: string, offset: number, source: Readable, options: WriteOptions): Promise<WriteResult> {
    // At offset 0 the blob may not exist yet: O_CREAT creates it, O_TRUNC empties it ("replaced"
    // means replaced), in one open, with no stat.
    const synced = O_DSYNC !== undefined && options.limit <= SYNCED_WRITES_UP_TO;
    const flags = (offset === 0 ? O_WRONLY | O_CREAT | O_TRUNC : O_RDWR) | (synced ? O_DSYNC : 0);
    // A small write opens and closes its file on the main thread: quick metadata calls on a small
    // file (this thread writes SQLite's pages the same way), each a thread-pool round trip saved —
    // and a wake-up of the event loop when uploads arrive one at a time.
    const fd = synced ? this.#openFdNow(id, flags) : await this.#openFd(id, flags);
    // A name that may be new is durable only once its directory is synced: that runs beside the
    // write and is awaited before any progress is reported, so no offset is ever committed for a
    // file whose directory entry a power loss could still take away.
    const named = offset === 0 ? this.#dirSync.sync() : undefined;
    named?.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    let result: WriteResult;
    try {
      if (offset > 0 && (await sizeOfFd(fd)) > offset) await truncateFd(fd, offset);
      const { onCheckpoint } = options;
      result = await writeFromStream(
        fd,
        offset,
        source,
        {
          ...options,
          onCheckpoint:
            onCheckpoint &&
            (async (durable) => {
              await named;
              await onCheckpoint(durable);
            }),
        },
        this.budget,
        synced,
      );
    } catch (err) {
      throw mapError(err, id);
    } finally {
      if (synced) closeSync(fd);
      else await closeFd(fd);
    }
    // (after the close, so that the two run side by side)
    await named;
    return result;
  }

  async truncate(id: string, size: number): Promise<void> {
    try {
      await truncate(this.#path(id), size);
    } catch (err) {
      throw mapError(err, id);
    }
  }

  async read(id: string, range?: { start: number; end: number }): Promise<Readable> {
    // Opened before the stream exists, so a missing blob fails here and not in the stream.
    const fh = await this.#open(id, 'r');
    const chunk = Math.max(READ_MIN, Math.min(READ_MAX, Math.floor(READ_BUDGET / (this.#reading + 1))));
    const stream = fh.createReadStream({
      highWaterMark: chunk,
      ...(range ? { start: range.start, end: range.end } : {}),
    });
    this.#reading++;
    stream.once('close', () => this.#reading--);
    return stream;
  }

  async size(id: string): Promise<number | undefined> {
    try {
      return (await stat(this.#path(id))).size;
    } catch (err) {
      if (err instanceof BlobNotFoundError || code(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await unlink(this.#path(id));
    } catch (err) {
      if (err instanceof BlobNotFoundError || code(err) === 'ENOENT') return;
      throw err;
    }
  }

  /** Copies the parts one after another into `target` (created or emptied first), then syncs it. */
  async concat(
    target: string,
    parts: readonly string[],
    onBytes?: (bytes: Uint8Array) => void | Promise<void>,
  ): Promise<void> {
    const out = await this.#open(target, 'w');
    try {
      const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(COPY_BUFFER), Buffer.allocUnsafe(COPY_BUFFER)];
      let at = 0;
      for (const part of parts) {
        const input = await this.#open(part, 'r');
        try {
          at += await copy(input, out, at, buffers, onBytes);
        } finally {
          await input.close();
        }
      }
      await out.datasync();
      await this.#dirSync.sync();
    } catch (err) {
      throw mapError(err, target);
    } finally {
      await out.close();
    }
  }

  /** Writes and removes a probe file: a full or read-only disk fails it. */
  async ping(): Promise<void> {
    const probe = path.join(this.dir, `.ping-${randomUUID()}`);
    try {
      await writeFile(probe, 'ok');
    } finally {
      await unlink(probe).catch(() => {});
    }
  }

  #path(id: string): string {
    if (!ID.test(id)) throw new BlobNotFoundError(id);
    return path.join(this.dir, id);
  }

  async #openFd(id: string, flags: number): Promise<number> {
    try {
      return await openFd(this.#path(id), flags);
    } catch (err) {
      throw mapError(err, id);
    }
  }

  #openFdNow(id: string, flags: number): number {
    try {
      return openSync(this.#path(id), flags);
    } catch (err) {
      throw mapError(err, id);
    }
  }

  async #open(id: string, flags: string): Promise<FileHandle> {
    try {
      return await open(this.#path(id), flags);
    } catch (err) {
      throw mapError(err, id);
    }
  }
}

/** The blob store and the capabilities a local directory offers. */
export function fsStorage(store: FsBlobStore): Storage {
  return { blobs: store, concat: store, ping: () => store.ping() };
}

/**
 * Copies all of `input` into `out` from `at` on, reading the next buffer while the last one is
 * written (and shown to `onBytes`), and returns the bytes copied.
 */
async function copy(
  input: FileHandle,
  out: FileHandle,
  at: number,
  buffers: [Buffer, Buffer],
  onBytes?: (bytes: Uint8Array) => void | Promise<void>,
): Promise<number> {
  let copied = 0;
  let [filling, spare] = buffers;
  let reading = input.read(filling, 0, COPY_BUFFER, 0);
  for (;;) {
    const { bytesRead } = await reading;
    if (bytesRead === 0) return copied;
    const bytes = filling.subarray(0, bytesRead);
    [filling, spare] = [spare, filling];
    reading = input.read(filling, 0, COPY_BUFFER, copied + bytesRead);
    try {
      await onBytes?.(bytes);
      let done = 0;
      while (done < bytesRead) {
        const { bytesWritten } = await out.write(bytes, done, bytesRead - done, at + copied + done);
        done += bytesWritten;
      }
    } catch (err) {
      // The read in flight must settle before its file is closed.
      await reading.catch(() => {});
      throw err;
    }
    copied += bytesRead;
  }
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

/** Outcomes the core understands; everything else stays an ordinary error. */
function mapError(err: unknown, id: string): unknown {
  switch (code(err)) {
    case 'ENOENT':
      return new BlobNotFoundError(id);
    case 'ENOSPC':
    case 'EDQUOT':
      return new StorageFullError(err);
    default:
      return err;
  }
}
