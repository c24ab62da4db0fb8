import { ask, type Capabilities, discover } from './capabilities.js';
import { DatasetsApi } from './datasets-api.js';
import { FilesApi } from './files-api.js';
import { JobsApi } from './jobs-api.js';
import { JsonApi } from './json-api.js';
import type { ResumeStore } from './resume-store.js';
import type { RetryPolicy } from './retry.js';
import type { UploadSource } from './source.js';
import { TokensApi } from './tokens-api.js';
import { Transport } from './transport.js';
import { type UploadOptions, type UploadResult, uploadSource } from './upload.js';
import { WebhooksApi } from './webhooks-api.js';

export interface DepotClientOptions {
  /** the server, e.g. http://127.0.0.1:8080 (the tus endpoint is URL/files/) */
  readonly url: string;
  /** bearer token */
  readonly token?: string;
  /** where unfinished uploads are remembered; false: nowhere (no resume across processes) */
  readonly store?: ResumeStore | false;
  readonly retry?: Partial<RetryPolicy>;
  /** a fetch to use instead of the global one */
  readonly fetch?: typeof fetch;
}

/** The platform-independent client; Node and browser entries add how to open their sources. */
export abstract class BaseClient<Source> {
  protected readonly transport: Transport;
  protected readonly store: ResumeStore | undefined;
  protected readonly retry: Partial<RetryPolicy> | undefined;
  /** the tus endpoint */
  readonly endpoint: string;
  /** your files: list, info, delete */
  readonly files: FilesApi;
  /** background jobs: create, list, get, pause, resume, cancel, errors, wait */
  readonly jobs: JobsApi;
  /** API tokens (admin): create, list, revoke */
  readonly tokens: TokensApi;
  /** webhooks: create, list, get, remove, deliveries */
  readonly webhooks: WebhooksApi;
  /** datasets for csv-import: declare, list, get, rows */
  readonly datasets: DatasetsApi;
  #caps: Promise<Capabilities> | undefined;

  constructor(options: DepotClientOptions, defaultStore: () => ResumeStore | undefined) {
    this.transport = new Transport(options);
    this.endpoint = `${this.transport.base}/files/`;
    this.store = options.store === false ? undefined : (options.store ?? defaultStore());
    this.retry = options.retry;
    const api = new JsonApi(this.transport);
    this.files = new FilesApi(api);
    this.jobs = new JobsApi(api);
    this.tokens = new TokensApi(api);
    this.webhooks = new WebhooksApi(api);
    this.datasets = new DatasetsApi(api);
  }

  /** What the server supports (asked once, with OPTIONS). */
  capabilities(): Promise<Capabilities> {
    this.#caps ??= discover(this.transport, this.endpoint);
    return this.#caps;
  }

  /**
   * Checks that the server answers at all (OPTIONS, no retries): a wrong URL or a server that is
   * down fails here at once with ERR_NETWORK instead of after a round of retries per file. Its
   * answer is the capabilities, so uploads after it do not ask again.
   */
  async probe(signal?: AbortSignal): Promise<Capabilities> {
    const caps = await ask(this.transport, this.endpoint, signal);
    this.#caps ??= Promise.resolve(caps);
    return this.#caps;
  }

  /** The download URL of a file id (a full URL passes through). */
  fileUrl(idOrUrl: string): string {
    return /^https?:\/\//i.test(idOrUrl) ? idOrUrl : `${this.endpoint}${encodeURIComponent(idOrUrl)}`;
  }

  /** Uploads `source`; resumes an unfinished upload of the same source when it can. */
  async upload(source: Source, options: UploadOptions = {}): Promise<UploadResult> {
    const opened = await this.open(source);
    try {
      return await uploadSource(
        {
          transport: this.transport,
          endpoint: this.endpoint,
          capabilities: () => this.capabilities(),
          store: this.store,
          sha256: this.sha256,
        },
        opened,
        { ...options, retry: { ...this.retry, ...options.retry } },
      );
    } finally {
      await opened.close();
    }
  }

  protected abstract open(source: Source): Promise<UploadSource>;

  /** How chunks are hashed for Upload-Checksum; undefined: WebCrypto. */
  protected readonly sha256: ((bytes: Uint8Array) => Promise<string>) | undefined = undefined;
}
