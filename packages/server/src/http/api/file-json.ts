import type { UploadRecord } from '../../ports/metadata-store.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A file as the JSON API shows it (GET /api/files, /api/files/:id, POST /api/files). */
export function fileJson(u: UploadRecord) {
  return {
    id: u.id,
    name: u.name,
    type: u.type,
    /** null while the length is deferred */
    size: u.length,
    offset: u.offset,
    status: u.finishedAt === null ? 'uploading' : 'complete',
    sha256: u.sha256,
    createdAt: iso(u.createdAt),
    finishedAt: iso(u.finishedAt),
    expiresAt: iso(u.expiresAt),
    metadata: u.metadata,
    ...(u.concat ? { concat: u.concat } : {}),
  };
}
