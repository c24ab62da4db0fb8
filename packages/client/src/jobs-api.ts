import {
  FINAL_JOB_STATES,
  type Job,
  type JobErrorPage,
  type JobPage,
  type JobQuery,
  type NewJob,
} from './api-types.js';
import { type JsonApi, seg } from './json-api.js';
import { DEFAULT_RETRY, type RetryPolicy, sleep, withRetry } from './retry.js';

export interface WaitOptions {
  /** ms between polls (default 500) */
  readonly interval?: number;
  /** called with the job after every poll, the last one included */
  readonly onProgress?: (job: Job) => void;
  /** abort: stop waiting (ERR_ABORTED); the job goes on */
  readonly signal?: AbortSignal;
  /** for a poll that fails on the network or with 5xx (a server restarting) */
  readonly retry?: Partial<RetryPolicy>;
}

/** Background jobs: create, list, get, pause / resume / cancel, row errors, and waiting for the end. */
export class JobsApi {
  constructor(private readonly api: JsonApi) {}

  /** Starts a job on a finished file (202: it is queued). */
  create(input: NewJob, signal?: AbortSignal): Promise<Job> {
    return this.api.call('POST', '/api/jobs', { body: { params: {}, ...input }, signal });
  }

  /** One page, newest first; pass the page's `next` as `before` for the next. */
  list(query: JobQuery = {}, signal?: AbortSignal): Promise<JobPage> {
    const state = typeof query.state === 'string' ? query.state : query.state?.join(',');
    return this.api.call('GET', '/api/jobs', {
      query: { state, type: query.type, limit: query.limit, before: query.before },
      signal,
    });
  }

  get(id: string, signal?: AbortSignal): Promise<Job> {
    return this.api.call('GET', `/api/jobs/${seg(id)}`, { signal });
  }

  /** Answers once the worker has stopped and saved a checkpoint. */
  pause(id: string, signal?: AbortSignal): Promise<Job> {
    return this.api.call('POST', `/api/jobs/${seg(id)}/pause`, { signal });
  }

  /** Puts a paused job back in the queue. */
  resume(id: string, signal?: AbortSignal): Promise<Job> {
    return this.api.call('POST', `/api/jobs/${seg(id)}/resume`, { signal });
  }

  cancel(id: string, signal?: AbortSignal): Promise<Job> {
    return this.api.call('POST', `/api/jobs/${seg(id)}/cancel`, { signal });
  }

  /** One page of bad rows after row `after`; pass the page's `next` as `after` for the next. */
  errors(
    id: string,
    options: { after?: number; limit?: number } = {},
    signal?: AbortSignal,
  ): Promise<JobErrorPage> {
    return this.api.call('GET', `/api/jobs/${seg(id)}/errors`, { query: { ...options }, signal });
  }

  /**
   * Polls the job until it is completed, failed or cancelled, and resolves to it then (a failed
   * job resolves too: look at `state` and `error`). A paused job is waited for like a running one.
   */
  async wait(id: string, options: WaitOptions = {}): Promise<Job> {
    const { signal, onProgress } = options;
    const policy = { ...DEFAULT_RETRY, ...options.retry };
    for (;;) {
      const job = await withRetry(policy, signal, () => this.get(id, signal));
      onProgress?.(job);
      if (FINAL_JOB_STATES.includes(job.state)) return job;
      await sleep(options.interval ?? 500, signal);
    }
  }
}
