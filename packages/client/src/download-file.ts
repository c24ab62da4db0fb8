import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { reprSha256 } from './encoding.js';
import { errnoReason } from './errno-reason.js';
import { ClientCodes, DepotError, errorFromResponse } from './errors.js';
import { type Progress, ProgressMeter } from './progress.js';
import type { ResumeStore } from './resume-store.js';
import { backoff, DEFAULT_RETRY, isRetryable, type RetryPolicy, sleep } from './retry.js';
import { networkError, type Transport } from './transport.js';

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  readonly retry?: Partial<RetryPolicy>;
}

export interface DownloadResult {
  readonly path: string;
  readonly size: number;
  /** whether bytes already in the destination were kept */
  readonly resumed: boolean;
  /** body bytes received by this call */
  readonly bytesReceived: number;
  /** base64 sha256 checked against Repr-Digest (undefined when the server sent none) */
  readonly sha256: string | undefined;
}

interface Fetched {
  etag: string | undefined;
  digest: string | undefined;
  total: number;
}

/**
 * GET url into `dest`, continuing a partial `dest` with Range (+ If-Range on the ETag remembered
 * for it), retrying cut connections from where they stopped. At the end the whole file's sha256
 * must match the server's Repr-Digest, else the file is removed and ERR_DIGEST_MISMATCH thrown.
 */
export async function downloadFile(
  transport: Transport,
  url: string,
  dest: string,
  store: ResumeStore | undefined,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const abs = path.resolve(dest);
  const key = `download:${abs}@${url}`;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const meter = new ProgressMeter();
  const initial = await sizeOf(abs);
  let received = 0;
  let resumed = false;
  let fetched: Fetched | undefined;
  for (let failures = 0; ; ) {
    const have = await sizeOf(abs);
    try {
      const before = received;
      const r = await fetchInto(transport, url, abs, have, (await store?.get(key))?.etag, options, (n) => {
        received += n;
      });
      if (r.kept > 0) resumed = true;
      fetched = r;
      if (r.etag) await store?.set(key, { urls: [url], size: r.total, createdAt: Date.now(), etag: r.etag });
      if (received > before) failures = 0;
      if ((await sizeOf(abs)) >= r.total) break;
    } catch (err) {
      const e = networkError(err, options.signal, `GET ${url}`);
      if (e.code === ClientCodes.aborted || !isRetryable(e) || failures >= retry.retries) throw e;
      await sleep(backoff(failures++, retry), options.signal);
    } finally {
      options.onProgress?.(meter.update(await sizeOf(abs), fetched?.total));
    }
  }
  const sha256 = await hashFile(abs);
  if (fetched.digest !== undefined && fetched.digest !== sha256) {
    await rm(abs, { force: true });
    await store?.delete(key);
    throw new DepotError(
      ClientCodes.digestMismatch,
      undefined,
      `${dest}: sha256 ${sha256} does not match the server's ${fetched.digest}; the file was removed`,
    );
  }
  await store?.delete(key);
  return { path: abs, size: fetched.total, resumed: resumed && initial > 0, bytesReceived: received, sha256 };
}

/** One GET: appends what arrives to the file; returns the representation's validators. */
async function fetchInto(
  transport: Transport,
  url: string,
  file: string,
  have: number,
  etag: string | undefined,
  options: DownloadOptions,
  onBytes: (n: number) => void,
): Promise<Fetched & { kept: number }> {
  const headers: Record<string, string> = {};
  if (have > 0) {
    headers.Range = `bytes=${have}-`;
    if (etag) headers['If-Range'] = etag;
  }
  const res = await transport.send('GET', url, headers, undefined, options.signal);
  const info = {
    etag: res.headers.get('etag') ?? undefined,
    digest: reprSha256(res.headers.get('repr-digest')),
  };
  if (res.status === 416) {
    await res.arrayBuffer();
    const total = Number(/\/(\d+)/.exec(res.headers.get('content-range') ?? '')?.[1] ?? Number.NaN);
    // the destination is already whole (or longer than the file): the digest check decides
    if (have === total) return { ...info, total, kept: have };
    await truncateFile(file);
    return { ...info, total: Number.POSITIVE_INFINITY, kept: 0 };
  }
  if (res.status !== 200 && res.status !== 206) throw await errorFromResponse(res, `GET ${url}`);
  let start = 0;
  let total = Number(res.headers.get('content-length'));
  if (res.status === 206) {
    const m = /bytes (\d+)-\d+\/(\d+)/.exec(res.headers.get('content-range') ?? '');
    start = Number(m?.[1]);
    total = Number(m?.[2]);
    if (start !== have) {
      await res.body?.cancel();
      throw new DepotError(
        ClientCodes.protocol,
        206,
        `GET ${url}: asked for bytes from ${have}, got ${start}`,
      );
    }
  }
  const handle = await openDest(file, start === 0);
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await writeAll(handle, chunk, file);
        onBytes(chunk.byteLength);
      }
    }
  } finally {
    await handle.close();
  }
  return { ...info, total, kept: start };
}

async function openDest(file: string, fromStart: boolean): Promise<FileHandle> {
  try {
    return await open(file, fromStart ? 'w' : 'a');
  } catch (err) {
    throw destinationError(err, file);
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, file: string): Promise<void> {
  try {
    await handle.write(chunk);
  } catch (err) {
    throw destinationError(err, file);
  }
}

function destinationError(err: unknown, file: string): DepotError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DepotError(ClientCodes.diskFull, undefined, `${file}: no space left on the device`, {
      cause: err,
    });
  }
  return new DepotError(ClientCodes.destination, undefined, `${file}: cannot write (${whyNot(err)})`, {
    cause: err,
  });
}

/** Why a destination cannot be opened for writing. */
function whyNot(err: unknown): string {
  // opening for writing creates the file: only a missing directory can be missing
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : errnoReason(err);
}

async function truncateFile(file: string): Promise<void> {
  await (await openDest(file, true)).close();
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('base64');
}
