import { randomUUID } from 'node:crypto';
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
import { writeFromStream } from './fs-write-loop.js';

/** Ids are made by the core; anything else never reaches the filesystem (no path tricks). */
const ID = /^[0-9a-f]{32}$/;
const COPY_BUFFER = 2 ** 20;

/** Blobs as plain files in one directory, named by id. */
/** Bytes per read when streaming a blob out. */
const READ_CHUNK = 1 << 20;

export class FsBlobStore implements BlobStore, Concatenator {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async open(dir: string): Promise<FsBlobStore> {
    await mkdir(dir, { recursive: true });
    return new FsBlobStore(path.resolve(dir));
  }

  async create(id: string): Promise<void> {
    const file = this.#path(id);
    try {
      await (await open(file, 'wx')).close();
      // A new name is durable only once its directory is synced.
      await this.#syncDir();
    } catch (err) {
      throw mapError(err, id);
    }
  }

  async write(id: string, offset: number, source: Readable, options: WriteOptions): Promise<WriteResult> {
    const fh = await this.#open(id, 'r+');
    try {
      // "Replaced" means replaced: a longer stale tail must not survive a shorter write.
      if ((await fh.stat()).size > offset) await fh.truncate(offset);
      return await writeFromStream(fh, offset, source, options);
    } catch (err) {
      throw mapError(err, id);
    } finally {
      await fh.close();
    }
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
    // 1 MiB reads: a 64 KiB default means 16× the syscalls and event-loop turns on a big download.
    return fh.createReadStream({
      highWaterMark: READ_CHUNK,
      ...(range ? { start: range.start, end: range.end } : {}),
    });
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
  async concat(target: string, parts: readonly string[]): Promise<void> {
    const out = await this.#open(target, 'w');
    try {
      const buffer = Buffer.allocUnsafe(COPY_BUFFER);
      let at = 0;
      for (const part of parts) {
        const input = await this.#open(part, 'r');
        try {
          at += await copy(input, out, at, buffer);
        } finally {
          await input.close();
        }
      }
      await out.datasync();
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

  async #open(id: string, flags: string): Promise<FileHandle> {
    try {
      return await open(this.#path(id), flags);
    } catch (err) {
      throw mapError(err, id);
    }
  }

  async #syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** The blob store and the capabilities a local directory offers. */
export function fsStorage(store: FsBlobStore): Storage {
  return { blobs: store, concat: store, ping: () => store.ping() };
}

async function copy(input: FileHandle, out: FileHandle, at: number, buffer: Buffer): Promise<number> {
  let copied = 0;
  for (;;) {
    const { bytesRead } = await input.read(buffer, 0, buffer.length, copied);
    if (bytesRead === 0) return copied;
    let done = 0;
    while (done < bytesRead) {
      const { bytesWritten } = await out.write(buffer, done, bytesRead - done, at + copied + done);
      done += bytesWritten;
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
