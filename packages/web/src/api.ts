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
  constructor(readonly token: string) {}

  get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(path, { ...init, headers: { ...this.auth, ...(init.headers as object) } });
    if (res.ok) return res;
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

  listFiles(): Promise<{ files: FileInfo[] }> {
    return this.json('/api/files?limit=200');
  }

  deleteFile(id: string): Promise<Response> {
    return this.request(`/files/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  listJobs(state: JobState | ''): Promise<{ jobs: Job[] }> {
    return this.json(`/api/jobs?limit=200${state ? `&state=${state}` : ''}`);
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
