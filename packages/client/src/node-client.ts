import { Readable } from 'node:stream';
import { BaseClient, type DepotClientOptions } from './base-client.js';
import { type DownloadOptions, type DownloadResult, downloadFile } from './download-file.js';
import { FileResumeStore } from './file-resume-store.js';
import { nodeFetch } from './node-fetch.js';
import { fileSource } from './node-file-source.js';
import { sha256Sliced } from './node-sha256.js';
import { blobSource, bytesSource, type UploadSource } from './source.js';
import { type ByteStream, streamSource } from './stream-source.js';

/** What a Node upload reads: a file path, bytes, a Blob, or a stream of unknown length. */
export type NodeUploadInput = string | Uint8Array | Blob | ByteStream | Readable;

/** The Depot client for Node: uploads files by path and downloads to files, resuming both. */
export class DepotClient extends BaseClient<NodeUploadInput> {
  constructor(options: DepotClientOptions) {
    super({ ...options, fetch: options.fetch ?? nodeFetch }, () => new FileResumeStore());
  }

  protected override readonly sha256 = sha256Sliced;

  /** Downloads the file `id` (or a full URL) to `dest`, continuing a partial `dest`. */
  download(id: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadFile(this.transport, this.fileUrl(id), dest, this.store, {
      ...options,
      retry: { ...this.retry, ...options.retry },
    });
  }

  protected async open(input: NodeUploadInput): Promise<UploadSource> {
    if (typeof input === 'string') return fileSource(input);
    if (input instanceof Uint8Array) return bytesSource(input);
    if (input instanceof Blob) return blobSource(input);
    if (input instanceof Readable) return streamSource(input as AsyncIterable<Uint8Array>);
    return streamSource(input);
  }
}
