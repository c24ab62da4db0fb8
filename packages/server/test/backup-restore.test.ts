import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkHeaders, startDepot, tus } from './helpers/depot.js';
import { download, sha256, uploadFile } from './helpers/jobs.js';
import { sleep, slowPatch } from './helpers/slow-patch.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'depot-backup-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const MiB = 2 ** 20;

describe('the backup of docs/operations.md (database first, then blobs), taken while uploads run', () => {
  it('restores to a server where finished files read back whole and unfinished uploads resume', async () => {
    const live = path.join(root, 'live');
    const depot = await startDepot({ DEPOT_DATA_DIR: live });
    const finished = randomBytes(2 * MiB);
    const unfinished = randomBytes(4 * MiB);
    let uploadUrl: string;
    let finishedId: string;
    const backup = path.join(root, 'backup');
    try {
      finishedId = await uploadFile(depot.url, depot.token, finished);
      const created = await fetch(depot.files, {
        method: 'POST',
        headers: tus(depot.token, { 'Upload-Length': String(unfinished.length) }),
      });
      uploadUrl = created.headers.get('location') as string;
      const first = await fetch(uploadUrl, {
        method: 'PATCH',
        headers: chunkHeaders(depot.token, 0),
        body: unfinished.subarray(0, MiB),
      });
      expect(first.status).toBe(204);
      // A PATCH in flight: its bytes are in the blob, not yet committed.
      const patch = slowPatch(uploadUrl, chunkHeaders(depot.token, MiB), 3 * MiB);
      await patch.write(unfinished.subarray(MiB, 2 * MiB));
      await sleep(200);

      // 1. The database, online, through SQLite's backup API (what `sqlite3 … .backup` uses).
      await mkdir(backup);
      const db = new Database(path.join(live, 'depot.sqlite'), { readonly: true });
      try {
        await db.backup(path.join(backup, 'depot.sqlite'));
      } finally {
        db.close();
      }
      // Meanwhile the upload goes on and finishes, and another file arrives after the snapshot.
      await patch.write(unfinished.subarray(2 * MiB));
      patch.end();
      expect((await patch.response).status).toBe(204);
      await uploadFile(depot.url, depot.token, randomBytes(MiB));
      // 2. Then the blobs.
      await cp(path.join(live, 'blobs'), path.join(backup, 'blobs'), { recursive: true });
    } finally {
      await depot.close();
    }

    const restored = await startDepot({ DEPOT_DATA_DIR: backup, DEPOT_ADMIN_TOKEN: depot.token });
    try {
      expect(sha256(await download(restored.url, depot.token, finishedId))).toBe(sha256(finished));
      // The snapshot's offset, whose bytes the later blob copy holds; the client sends the rest again.
      const here = uploadUrl.replace(/^http:\/\/[^/]+/, restored.url);
      const head = await fetch(here, { method: 'HEAD', headers: tus(depot.token) });
      expect(head.headers.get('upload-offset')).toBe(String(MiB));
      const rest = await fetch(here, {
        method: 'PATCH',
        headers: chunkHeaders(depot.token, MiB),
        body: unfinished.subarray(MiB),
      });
      expect(rest.status).toBe(204);
      const id = here.split('/').pop() as string;
      expect(sha256(await download(restored.url, depot.token, id))).toBe(sha256(unfinished));
      // The file uploaded after the snapshot is not in it (its blob is a harmless orphan).
      const files = await fetch(`${restored.url}/api/files`, {
        headers: { Authorization: `Bearer ${depot.token}` },
      });
      expect(((await files.json()) as { files: unknown[] }).files).toHaveLength(2);
    } finally {
      await restored.close();
    }
  });
});
