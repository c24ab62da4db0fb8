import type { Readable } from 'node:stream';
import type { Storage } from '../ports/blob-store.js';
import type { UploadRecord } from '../ports/metadata-store.js';
import type { Actor } from './actor.js';
import { countBytes } from './count-bytes.js';
import { errors } from './errors.js';
import type { CoreObserver } from './observer.js';
import type { UploadService } from './upload-service.js';
import { isFinished } from './upload-state.js';

/** Reading finished files back. An upload still in progress is not a file yet. */
export class DownloadService {
  readonly #uploads: UploadService;
  readonly #storage: Storage;
  readonly #observer: CoreObserver | undefined;

  constructor(uploads: UploadService, storage: Storage, observer?: CoreObserver) {
    this.#uploads = uploads;
    this.#storage = storage;
    this.#observer = observer;
  }

  /** The finished upload `actor` may read; 404 if not theirs, 409 while unfinished. */
  async find(actor: Actor, id: string): Promise<UploadRecord> {
    const upload = await this.#uploads.get(actor, id);
    if (!isFinished(upload)) {
      throw errors.uploadIncomplete(
        `upload ${id} is not finished (${upload.offset} of ${upload.length ?? '?'} bytes)`,
      );
    }
    return upload;
  }

  /** Bytes `start`..`end` inclusive of a finished upload. */
  async open(upload: UploadRecord, range?: { start: number; end: number }): Promise<Readable> {
    const blob = await this.#storage.blobs.read(upload.id, range);
    const observer = this.#observer;
    // Counted as the response takes the bytes; without an observer, no stream in between.
    return observer ? countBytes(blob, (n) => observer.downloadBytes(n)) : blob;
  }
}
