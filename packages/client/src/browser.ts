// The browser entry: fetch, web streams, WebCrypto and localStorage only — nothing from node:.
import { BaseClient, type DepotClientOptions } from './base-client.js';
import { reprSha256, sha256Base64 } from './encoding.js';
import { ClientCodes, DepotError, errorFromResponse } from './errors.js';
import { LocalStorageStore } from './resume-store.js';
import { blobSource, bytesSource, type UploadSource } from './source.js';
import { type ByteStream, streamSource } from './stream-source.js';

export type * from './api-types.js';
export { FINAL_JOB_STATES } from './api-types.js';
export type { DepotClientOptions } from './base-client.js';
export type { Capabilities } from './capabilities.js';
export type { DatasetsApi } from './datasets-api.js';
export { ClientCodes, DepotError, isDepotError } from './errors.js';
export type { FilesApi } from './files-api.js';
export type { JobsApi, WaitOptions } from './jobs-api.js';
export type { Progress } from './progress.js';
export type { ResumeEntry, ResumeStore } from './resume-store.js';
export { LocalStorageStore } from './resume-store.js';
export type { RetryPolicy } from './retry.js';
export type { TokensApi } from './tokens-api.js';
export type { UploadOptions, UploadResult } from './upload.js';
// the webhook types and WEBHOOK_EVENTS
export * from './webhook-types.js';
export type { WebhooksApi } from './webhooks-api.js';

/** What a browser upload reads: a File/Blob, bytes, or a ReadableStream of unknown length. */
export type BrowserUploadInput = Blob | Uint8Array | ByteStream;

/** The Depot client for browsers: a File resumes across page loads through localStorage. */
export class DepotClient extends BaseClient<BrowserUploadInput> {
  constructor(options: DepotClientOptions) {
    super(options, () => (typeof localStorage === 'undefined' ? undefined : new LocalStorageStore()));
  }

  /** Fetches the file `id` as a Blob, checked against the server's Repr-Digest. */
  async download(id: string, options: { signal?: AbortSignal } = {}): Promise<Blob> {
    const url = this.fileUrl(id);
    const res = await this.transport.send('GET', url, {}, undefined, options.signal);
    if (res.status !== 200) throw await errorFromResponse(res, `GET ${url}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const want = reprSha256(res.headers.get('repr-digest'));
    if (want !== undefined && want !== (await sha256Base64(bytes))) {
      throw new DepotError(
        ClientCodes.digestMismatch,
        undefined,
        `${url}: the bytes do not match Repr-Digest`,
      );
    }
    return new Blob([bytes], { type: res.headers.get('content-type') ?? '' });
  }

  protected async open(input: BrowserUploadInput): Promise<UploadSource> {
    if (input instanceof Blob) return blobSource(input);
    if (input instanceof Uint8Array) return bytesSource(input);
    return streamSource(input);
  }
}
