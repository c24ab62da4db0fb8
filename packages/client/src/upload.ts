import type { Capabilities } from './capabilities.js';
import { encodeMetadata, sha256Base64 } from './encoding.js';
import { ClientCodes, DepotError, isDepotError } from './errors.js';
import { type Progress, ProgressMeter } from './progress.js';
import type { ResumeEntry, ResumeStore } from './resume-store.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry.js';
import { sliceSource, type UploadSource } from './source.js';
import type { Transport } from './transport.js';
import { type PushContext, pushUpload, type ReadAhead, readAhead, readChunk } from './tus-push.js';
import { createUpload, deleteUpload, headUpload, type UploadState } from './tus-requests.js';

export interface UploadOptions {
  /**
   * bytes per PATCH. Default: 16 MiB, doubled after each chunk sent in under a second, up to
   * 64 MiB (a chunk cut off by a crash is sent again whole); given: always this size
   */
  readonly chunkSize?: number;
  /** split into N parts uploaded at once and concatenated (needs the server's concatenation) */
  readonly parallel?: number;
  /** extra Upload-Metadata; `filename` and `filetype` come from the source when it has them */
  readonly metadata?: Record<string, string>;
  /** abort = pause: the upload stays resumable (same source again → only the missing bytes) */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  /** sha256 Upload-Checksum per chunk when the server supports it (default true) */
  readonly checksum?: boolean;
  /** remember the upload URL to resume in another process (default true) */
  readonly resume?: boolean;
  readonly retry?: Partial<RetryPolicy>;
}

export interface UploadResult {
  /** the file's id on the server (the last segment of its URL) */
  readonly id: string;
  readonly url: string;
  readonly size: number;
  /** whether an earlier, unfinished upload of the same source was continued */
  readonly resumed: boolean;
  /** body bytes sent by this call, failed attempts included */
  readonly bytesSent: number;
}

export interface UploadDeps {
  readonly transport: Transport;
  readonly endpoint: string;
  readonly capabilities: () => Promise<Capabilities>;
  readonly store: ResumeStore | undefined;
  /** sha256 → base64 for Upload-Checksum (WebCrypto by default; Node passes a faster one) */
  readonly sha256?: (bytes: Uint8Array) => Promise<string>;
}

export const DEFAULT_CHUNK = 16 * 2 ** 20;
/** without a chunkSize option, fast chunks double the next ones' size up to this */
export const MAX_CHUNK = 64 * 2 ** 20;
/** parts smaller than this are not worth a request of their own */
const MIN_PART = 5 * 2 ** 20;

/** Uploads `source` over tus: resumes a remembered upload, else creates one (or N parts). */
export async function uploadSource(
  deps: UploadDeps,
  source: UploadSource,
  options: UploadOptions,
): Promise<UploadResult> {
  const { transport, endpoint, store } = deps;
  const signal = options.signal;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!(chunkSize >= 1)) throw new DepotError('ERR_BAD_OPTION', undefined, 'chunkSize must be ≥ 1 byte');
  const caps = await deps.capabilities();
  const checksum = options.checksum !== false && caps.checksums.has('sha256');
  const sha256 = checksum ? (deps.sha256 ?? sha256Base64) : undefined;
  const size = source.size;
  const n = partCount(options.parallel, size, caps);
  // small and known: one request does it all, and leaves nothing to resume
  const oneShot =
    n === 1 && size !== undefined && size <= chunkSize && caps.extensions.has('creation-with-upload');
  const key =
    !oneShot && options.resume !== false && store && source.fingerprint && size !== undefined
      ? `${source.fingerprint}@${endpoint}`
      : undefined;
  const meta = {
    ...(source.name ? { filename: source.name } : {}),
    ...(source.type ? { filetype: source.type } : {}),
  };
  const metadata = encodeMetadata({ ...meta, ...options.metadata });

  let sent = 0;
  const offsets: number[] = [];
  const meter = new ProgressMeter();
  const report = () => {
    const done = offsets.reduce((a, b) => a + b, 0);
    options.onProgress?.(meter.update(done, source.size));
  };
  const ctxFor = (part: number): PushContext => ({
    transport,
    retry,
    signal,
    chunkSize,
    maxChunkSize: options.chunkSize ?? MAX_CHUNK,
    sha256,
    onOffset: (o) => {
      offsets[part] = o;
      report();
    },
    onSent: (n) => {
      sent += n;
    },
  });

  // A one-shot upload has nothing to resume (no key): it is created with all its bytes, and when
  // the server kept them all, that is the whole upload (no PATCH loop to set up for it).
  let parts = oneShot ? undefined : await resumeParts(deps, key, size, signal);
  const resumed = parts !== undefined;
  let remembered = resumed;
  let first: ReadAhead | undefined;
  if (!parts) {
    if (oneShot && size !== undefined) {
      const first = await readChunk(source, 0, size, sha256);
      const created = await withRetry(retry, signal, () => {
        sent += first.bytes.byteLength;
        return createUpload(transport, endpoint, { length: size, metadata, first }, signal);
      });
      if (created.offset === size) {
        options.onProgress?.(meter.update(size, size));
        return { id: idOf(created.url), url: created.url, size, resumed: false, bytesSent: sent };
      }
      parts = [{ url: created.url, state: { offset: created.offset, length: size } }];
    } else {
      // the first chunk is read (and hashed) while the upload is being created
      if (n === 1 && !source.sequential) first = readAhead(source, 0, chunkSize, sha256);
      parts = await createParts(deps, n, size, n > 1 ? undefined : metadata, retry, signal);
      if (key && size !== undefined) {
        const entry: ResumeEntry = { urls: parts.map((p) => p.url), size, createdAt: Date.now() };
        await store?.set(key, entry);
        remembered = true;
      }
    }
  }

  const ranges = splitRanges(size, parts.length);
  await Promise.all(
    parts.map((p, i) => {
      const [start, length] = ranges[i] as [number, number | undefined];
      const view = parts.length === 1 ? source : sliceSource(source, start, length as number);
      return pushUpload(ctxFor(i), p.url, view, p.state, parts.length === 1 ? first : undefined);
    }),
  );

  let url = (parts[0] as { url: string }).url;
  if (parts.length > 1) {
    const urls = parts.map((p) => p.url);
    const final = await withRetry(retry, signal, () =>
      createUpload(transport, endpoint, { length: undefined, metadata, concat: urls }, signal),
    );
    url = final.url;
    // The final upload holds its own copy of the bytes: the parts would only fill the owner's
    // storage (and quota) until they expire. A part that cannot be removed now is left to expiry.
    if (caps.extensions.has('termination')) {
      await Promise.all(urls.map((u) => deleteUpload(transport, u, signal).catch(() => {})));
    }
  }
  if (key && remembered) await store?.delete(key);
  const total = source.size ?? offsets.reduce((a, b) => a + b, 0);
  return { id: idOf(url), url, size: total, resumed, bytesSent: sent };
}

interface Part {
  readonly url: string;
  readonly state: UploadState;
}

/** The remembered parts of this source, with their offsets; none if forgotten or gone. */
async function resumeParts(
  deps: UploadDeps,
  key: string | undefined,
  size: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Part[] | undefined> {
  const entry = key ? await deps.store?.get(key) : undefined;
  if (!key || !entry || entry.size !== size || entry.urls.length === 0) return undefined;
  try {
    return await Promise.all(
      entry.urls.map(async (url) => ({ url, state: await headUpload(deps.transport, url, signal) })),
    );
  } catch (err) {
    // expired, deleted, or another server's: start over. A network failure is the caller's problem.
    if (isDepotError(err) && err.status !== undefined && err.status >= 400 && err.status < 500) {
      await deps.store?.delete(key);
      return undefined;
    }
    throw err;
  }
}

function partCount(parallel: number | undefined, size: number | undefined, caps: Capabilities): number {
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1))
    throw new DepotError('ERR_BAD_OPTION', undefined, 'parallel must be a whole number ≥ 1');
  const want = parallel ?? 1;
  if (want === 1 || size === undefined || !caps.extensions.has('concatenation')) return 1;
  return Math.max(1, Math.min(want, Math.floor(size / MIN_PART)));
}

/** [start, length] of each part; the last takes the remainder. */
function splitRanges(size: number | undefined, n: number): [number, number | undefined][] {
  if (n === 1 || size === undefined) return [[0, size]];
  const each = Math.ceil(size / n);
  return Array.from({ length: n }, (_, i) => [i * each, Math.min(each, size - i * each)]);
}

async function createParts(
  deps: UploadDeps,
  n: number,
  size: number | undefined,
  metadata: string | undefined,
  retry: RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<Part[]> {
  const ranges = splitRanges(size, n);
  return Promise.all(
    ranges.map(async ([, length]) => {
      const created = await withRetry(retry, signal, () =>
        createUpload(
          deps.transport,
          deps.endpoint,
          { length, metadata: metadata || undefined, concat: n > 1 ? 'partial' : undefined },
          signal,
        ),
      );
      return { url: created.url, state: { offset: created.offset, length } };
    }),
  );
}

export function idOf(url: string): string {
  const id = new URL(url).pathname.split('/').filter(Boolean).pop();
  if (!id) throw new DepotError(ClientCodes.protocol, undefined, `no id in the upload URL ${url}`);
  return id;
}
