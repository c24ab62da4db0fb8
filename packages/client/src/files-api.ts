import type { DownloadLink, FileInfo, FilePage, FileQuery } from './api-types.js';
import { type JsonApi, seg } from './json-api.js';

/** Your files: list (newest first, by pages), info, delete. */
export class FilesApi {
  constructor(private readonly api: JsonApi) {}

  /** One page; pass the page's `nextCursor` as `cursor` for the next. */
  list(query: FileQuery = {}, signal?: AbortSignal): Promise<FilePage> {
    return this.api.call('GET', '/api/files', { query: { ...query }, signal });
  }

  /** Every file that matches, page after page. */
  async *all(query: Omit<FileQuery, 'cursor'> = {}, signal?: AbortSignal): AsyncGenerator<FileInfo> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...query, cursor }, signal);
      yield* page.files;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  info(id: string, signal?: AbortSignal): Promise<FileInfo> {
    return this.api.call('GET', `/api/files/${seg(id)}`, { signal });
  }

  /**
   * A URL that downloads the file without a bearer header until it expires (`expiresIn` seconds:
   * 15 minutes by default, 7 days at most), for a browser or a tool that cannot send headers.
   * Revoking this client's token kills the link.
   */
  link(id: string, options: { expiresIn?: number } = {}, signal?: AbortSignal): Promise<DownloadLink> {
    return this.api.call('POST', `/api/files/${seg(id)}/link`, { body: { ...options }, signal });
  }

  /** Deletes a finished file, or terminates an unfinished upload; frees its storage. */
  async delete(id: string, signal?: AbortSignal): Promise<void> {
    await this.api.call('DELETE', `/files/${seg(id)}`, { signal });
  }
}
