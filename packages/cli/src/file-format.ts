import type { FileInfo } from '@depot/client';
import { bytes } from './format.js';
import { fields } from './table.js';

/** A file's size for people: `12.0 MiB`, or `3.0 MiB of 10.0 MiB` while uploading. */
export function fileSize(f: FileInfo): string {
  if (f.status === 'complete') return bytes(f.size ?? f.offset);
  return `${bytes(f.offset)} of ${f.size === null ? '?' : bytes(f.size)}`;
}

/** A row of `depot ls`. */
export const fileRow = (f: FileInfo): string[] => [f.id, f.name ?? '-', fileSize(f), f.status, f.createdAt];

export const FILE_HEADER = ['ID', 'NAME', 'SIZE', 'STATUS', 'CREATED'];

/** `depot info`: every field, one a line. */
export function fileDetails(f: FileInfo): string {
  const meta = Object.entries(f.metadata)
    .filter(([k]) => k !== 'filename' && k !== 'filetype')
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .join(' ');
  return fields([
    ['id', f.id],
    ['name', f.name],
    ['type', f.type],
    ['size', f.size === null ? 'unknown yet (deferred)' : `${f.size} (${bytes(f.size)})`],
    ['received', f.offset],
    ['status', f.status],
    ['sha256', f.sha256],
    ['created', f.createdAt],
    ['finished', f.finishedAt],
    ['expires', f.expiresAt],
    ['metadata', meta || null],
  ]);
}
