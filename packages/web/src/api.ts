import { PAGE_SIZE, type Page } from './pages.js';
import type { FileInfo, Job, JobState, RowError } from './types.js';

/** A refusal from the server, with its `ERR_…` code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Depot's HTTP API for one bearer token. */
export class Api {
  /** Called when the server refuses the token mid-session (revoked): the page signs out. */
  onRefused: (() => void) | undefined;

  constructor(readonly token: string) {}

  get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(path, { ...init, headers: { ...this.auth, ...(init.headers as object) } });
    if (res.ok) return res;
    if (res.status === 401) this.onRefused?.();
    const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new ApiError(
      res.status,
      body?.error?.code ?? `HTTP_${res.status}`,
      body?.error?.message ?? res.statusText,
    );
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  async listFiles(cursor?: string): Promise<Page<FileInfo>> {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
    const page = await this.json<{ files: FileInfo[]; nextCursor: string | null }>(`/api/files?${q}`);
    return { items: page.files, next: page.nextCursor };
  }

  /** A URL that downloads file `id` without the token, for the next minute. */
  link(id: string): Promise<{ url: string; expiresAt: string }> {
    return this.json(`/api/files/${encodeURIComponent(id)}/link`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ expiresIn: 60 }),
    });
  }

  deleteFile(id: string): Promise<Response> {
    return this.request(`/files/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  async listJobs(state: JobState | '', before?: string): Promise<Page<Job>> {
    const q = new URLSearchParams({
      limit: String(PAGE_SIZE),
      ...(state ? { state } : {}),
      ...(before ? { before } : {}),
    });
    const page = await this.json<{ jobs: Job[]; next: string | null }>(`/api/jobs?${q}`);
    return { items: page.jobs, next: page.next };
  }

  job(id: string): Promise<Job> {
    return this.json(`/api/jobs/${encodeURIComponent(id)}`);
  }

  jobErrors(id: string): Promise<{ errors: RowError[]; next: number | null }> {
    return this.json(`/api/jobs/${encodeURIComponent(id)}/errors?limit=100`);
  }

  createJob(type: string, fileId: string): Promise<Job> {
    return this.json('/api/jobs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type, fileId, params: {} }),
    });
  }

  control(id: string, action: 'pause' | 'resume' | 'cancel'): Promise<Job> {
    return this.json(`/api/jobs/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
  }
}
