/**
 * Where uploads remember their upload URLs between processes, keyed by the source's fingerprint
 * and the server. Node: a JSON file in the config dir; browsers: localStorage.
 */
export interface ResumeStore {
  get(key: string): Promise<ResumeEntry | undefined>;
  set(key: string, entry: ResumeEntry): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * One unfinished transfer. An upload: its URL, or the URLs of its parts for a parallel upload.
 * A download: the file's URL and the ETag of the bytes already on disk (for If-Range).
 */
export interface ResumeEntry {
  readonly urls: readonly string[];
  readonly size: number;
  readonly createdAt: number;
  readonly etag?: string;
}

/** A store in localStorage (browsers), under `depot:` keys. */
export class LocalStorageStore implements ResumeStore {
  constructor(private readonly storage: Storage = globalThis.localStorage) {}

  async get(key: string): Promise<ResumeEntry | undefined> {
    const raw = this.storage.getItem(`depot:${key}`);
    return raw ? (JSON.parse(raw) as ResumeEntry) : undefined;
  }

  async set(key: string, entry: ResumeEntry): Promise<void> {
    this.storage.setItem(`depot:${key}`, JSON.stringify(entry));
  }

  async delete(key: string): Promise<void> {
    this.storage.removeItem(`depot:${key}`);
  }
}
