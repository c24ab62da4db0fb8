import { ClientCodes, DepotError } from './errors.js';
import type { Transport } from './transport.js';

export const TUS = { 'Tus-Resumable': '1.0.0' } as const;
export const CHUNK_TYPE = 'application/offset+octet-stream';

/** A chunk ready to send: its bytes and, when the server checks them, their sha256. */
export interface Chunk {
  readonly bytes: Uint8Array;
  readonly sha256?: string;
  /** the bytes may be reused (called once the server has taken the chunk) */
  readonly release?: () => void;
}

export interface NewUpload {
  /** undefined: Upload-Defer-Length */
  readonly length: number | undefined;
  readonly metadata?: string;
  /** 'partial' for a part of a parallel upload; the parts' URLs for the final one */
  readonly concat?: 'partial' | readonly string[];
  /** creation-with-upload: the first chunk in the POST */
  readonly first?: Chunk;
}

/** POST: creates an upload; returns its URL and how much of `first` the server kept. */
export async function createUpload(
  transport: Transport,
  endpoint: string,
  upload: NewUpload,
  signal: AbortSignal | undefined,
): Promise<{ url: string; offset: number }> {
  const headers: Record<string, string> = { ...TUS };
  if (upload.concat === undefined || upload.concat === 'partial') {
    if (upload.length === undefined) headers['Upload-Defer-Length'] = '1';
    else headers['Upload-Length'] = String(upload.length);
  }
  if (upload.concat === 'partial') headers['Upload-Concat'] = 'partial';
  else if (upload.concat) {
    headers['Upload-Concat'] = `final;${upload.concat.map((u) => new URL(u).pathname).join(' ')}`;
  }
  if (upload.metadata) headers['Upload-Metadata'] = upload.metadata;
  if (upload.first) {
    headers['Content-Type'] = CHUNK_TYPE;
    if (upload.first.sha256) headers['Upload-Checksum'] = `sha256 ${upload.first.sha256}`;
  }
  const res = await transport.expect([201], 'POST', endpoint, headers, upload.first?.bytes, signal);
  await res.arrayBuffer();
  const location = res.headers.get('location');
  if (!location)
    throw new DepotError(ClientCodes.protocol, 201, `POST ${endpoint}: no Location in the answer`);
  return { url: new URL(location, endpoint).href, offset: Number(res.headers.get('upload-offset') ?? 0) };
}

/** The state HEAD reports. */
export interface UploadState {
  readonly offset: number;
  /** undefined while the length is deferred */
  readonly length: number | undefined;
}

export async function headUpload(
  transport: Transport,
  url: string,
  signal: AbortSignal | undefined,
): Promise<UploadState> {
  const res = await transport.expect([200], 'HEAD', url, { ...TUS }, undefined, signal);
  const offset = Number(res.headers.get('upload-offset'));
  if (!Number.isSafeInteger(offset)) {
    throw new DepotError(ClientCodes.protocol, 200, `HEAD ${url}: no Upload-Offset in the answer`);
  }
  const length = res.headers.get('upload-length');
  return { offset, length: length === null ? undefined : Number(length) };
}

/** PATCH one chunk at `offset`; returns the server's new offset. */
export async function patchChunk(
  transport: Transport,
  url: string,
  offset: number,
  chunk: Chunk,
  declareLength: number | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  const headers: Record<string, string> = {
    ...TUS,
    'Content-Type': CHUNK_TYPE,
    'Upload-Offset': String(offset),
  };
  if (chunk.sha256) headers['Upload-Checksum'] = `sha256 ${chunk.sha256}`;
  if (declareLength !== undefined) headers['Upload-Length'] = String(declareLength);
  const res = await transport.expect([204], 'PATCH', url, headers, chunk.bytes, signal);
  await res.arrayBuffer();
  const next = Number(res.headers.get('upload-offset'));
  if (!Number.isSafeInteger(next)) {
    throw new DepotError(ClientCodes.protocol, 204, `PATCH ${url}: no Upload-Offset in the answer`);
  }
  return next;
}

/** tus termination: DELETE the upload (204; 404/410 mean it is gone already). */
export async function deleteUpload(
  transport: Transport,
  url: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const res = await transport.expect([204, 404, 410], 'DELETE', url, { ...TUS }, undefined, signal);
  await res.arrayBuffer();
}
