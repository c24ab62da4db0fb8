import { Readable } from 'node:stream';
import type { MetadataStore, UploadRecord } from '../ports/metadata-store.js';
import type { Actor } from './actor.js';
import { errors } from './errors.js';
import type { UploadService } from './upload-service.js';
import { isFinished } from './upload-state.js';

export interface FileQuery {
  /** from the previous page's `nextCursor` */
  readonly cursor?: string;
  readonly limit: number;
  readonly namePrefix?: string;
  readonly status?: 'uploading' | 'complete';
  readonly type?: string;
}

export interface FilePage {
  readonly files: UploadRecord[];
  /** null on the last page */
  readonly nextCursor: string | null;
}

export interface SimpleUpload {
  readonly name: string | null;
  readonly type: string | null;
  /** the body's length when the client said it; unknown for a multipart part or a chunked body */
  readonly length?: number;
  readonly body: Readable;
}

/** Files as a user manages them: listing, metadata, and uploads in one request. */
export class FileService {
  readonly #uploads: UploadService;
  readonly #store: MetadataStore;
  readonly #now: () => number;

  constructor(uploads: UploadService, store: MetadataStore, now: () => number) {
    this.#uploads = uploads;
    this.#store = store;
    this.#now = now;
  }

  /** The actor's files (an admin's: everyone's), newest first. */
  async list(actor: Actor, q: FileQuery): Promise<FilePage> {
    const rows = await this.#store.uploads.list({
      owner: actor.admin ? undefined : actor.owner,
      limit: q.limit + 1,
      after: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
      namePrefix: q.namePrefix,
      status: q.status,
      type: q.type,
      // a part of a parallel upload is no file of its own: its final upload is
      withoutPartials: true,
      now: this.#now(),
    });
    const files = rows.slice(0, q.limit);
    const last = files.at(-1);
    return { files, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
  }

  info(actor: Actor, id: string): Promise<UploadRecord> {
    return this.#uploads.get(actor, id);
  }

  /**
   * Stores a whole file from one request body, streamed (never held in memory). With a known
   * length the size limit and quota are checked before a byte is read; without one, the upload is
   * deferred and the writer stops at whichever limit comes first. Any failure removes the upload:
   * nothing half-stored is left behind.
   */
  async upload(actor: Actor, input: SimpleUpload): Promise<UploadRecord> {
    const metadata: Record<string, string> = {};
    if (input.name) metadata.filename = input.name;
    if (input.type) metadata.filetype = input.type;
    const created = await this.#uploads.create(actor, { length: input.length ?? null, metadata });
    try {
      let upload = created;
      if (!isFinished(upload)) {
        upload = await this.#uploads.append(actor, upload.id, {
          offset: 0,
          body: input.body,
          contentLength: input.length,
        });
      }
      if (upload.length === null) {
        // the body has ended: what arrived is the file
        upload = await this.#uploads.append(actor, upload.id, {
          offset: upload.offset,
          length: upload.offset,
          contentLength: 0,
          body: Readable.from([]),
        });
      }
      if (!isFinished(upload)) throw errors.requestAborted('the body ended before its Content-Length');
      return upload;
    } catch (err) {
      await this.#uploads.terminate(actor, created.id).catch(() => {});
      throw err;
    }
  }
}

/** Opaque to clients: the position after the last file of a page. */
function encodeCursor(u: UploadRecord): string {
  return Buffer.from(`${u.createdAt}.${u.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const m = /^(\d{1,16})\.([0-9a-f]{32})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw errors.badRequest('cursor is not one this server gave out');
  return { createdAt: Number(m[1]), id: m[2] as string };
}
