import { createHash } from 'node:crypto';
import { expect } from 'vitest';

/** What the API shows of a job. */
export interface JobView {
  id: string;
  type: string;
  state: string;
  fileId: string;
  progress: { bytesDone: number; bytesTotal: number; rowsDone: number; errorCount: number };
  /** the input offset of the last checkpoint, null without one */
  resumeFrom: number | null;
  outputFileId: string | null;
  error: { code: string; message: string } | null;
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Uploads `bytes` over tus (creation, then one PATCH) and returns the file id. */
export async function uploadFile(
  url: string,
  token: string,
  bytes: Uint8Array,
  metadata: Record<string, string> = { filename: 'input.csv' },
): Promise<string> {
  const meta = Object.entries(metadata)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
  const created = await fetch(`${url}/files/`, {
    method: 'POST',
    headers: {
      ...auth(token),
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(bytes.length),
      'Upload-Metadata': meta,
    },
  });
  expect(created.status).toBe(201);
  const location = new URL(created.headers.get('location')!, url).toString();
  if (bytes.length > 0) {
    const patched = await fetch(location, {
      method: 'PATCH',
      headers: {
        ...auth(token),
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    expect(patched.status).toBe(204);
  }
  return location.split('/').at(-1)!;
}

export async function api(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answers
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...auth(token), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

export async function createJob(
  url: string,
  token: string,
  type: string,
  fileId: string,
  params: Record<string, unknown> = {},
): Promise<JobView> {
  const res = await api(url, token, 'POST', '/api/jobs', { type, fileId, params });
  expect(res.status, JSON.stringify(res.json)).toBe(202);
  return res.json as JobView;
}

/** Polls the job until `done(job)` holds (every 10 ms, up to `timeoutMs`). */
export async function waitForJob(
  url: string,
  token: string,
  id: string,
  done: (j: JobView) => boolean = (j) => ['completed', 'failed', 'cancelled'].includes(j.state),
  timeoutMs = 60_000,
): Promise<JobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(url, token, 'GET', `/api/jobs/${id}`);
    expect(res.status).toBe(200);
    if (done(res.json)) return res.json as JobView;
    if (Date.now() > until) throw new Error(`job ${id} still ${JSON.stringify(res.json)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function download(url: string, token: string, fileId: string): Promise<Buffer> {
  const res = await fetch(`${url}/files/${fileId}`, { headers: auth(token) });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A csv-report input of `rows` rows over `songs` x 28 groups, seeded, with a bad row every 1000. */
export function reportInput(rows: number, songs = 500): Buffer {
  let seed = 7;
  const rand = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const parts: string[] = ['Song,Date,Number of Plays\n'];
  for (let i = 0; i < rows; i++) {
    if (i % 1000 === 999) {
      parts.push(`Bad,2020-02-30,${i}\n`);
      continue;
    }
    const day = 1 + Math.floor(rand() * 28);
    const song = Math.floor(rand() * songs);
    const name = song % 10 === 0 ? `"Song, ""${song}"""` : `Song ${song}`;
    parts.push(`${name},2020-03-${day < 10 ? '0' : ''}${day},${Math.floor(rand() * 100000)}\n`);
  }
  return Buffer.from(parts.join(''));
}

/**
 * Starts jobs with `start` until one is caught running with `ready(job)` and `action` (pause,
 * cancel) reaches it before it completes: a fast machine may finish a job between two polls.
 */
export async function actOnRunning(
  url: string,
  token: string,
  start: () => Promise<JobView>,
  ready: (j: JobView) => boolean,
  action: 'pause' | 'cancel',
): Promise<{ job: JobView; answer: JobView }> {
  for (let attempt = 1; ; attempt++) {
    const job = await start();
    const seen = await waitForJob(
      url,
      token,
      job.id,
      (j) => (j.state === 'running' && ready(j)) || j.state === 'completed',
    );
    if (seen.state === 'running') {
      const res = await api(url, token, 'POST', `/api/jobs/${job.id}/${action}`);
      if (res.status === 200) return { job, answer: res.json };
      expect(res.json.error.code).toBe('ERR_JOB_STATE');
    }
    if (attempt === 5) throw new Error(`no job was caught running in ${attempt} attempts`);
  }
}
