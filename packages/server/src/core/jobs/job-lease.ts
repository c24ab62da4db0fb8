import type { JobDeps } from './job-deps.js';

/**
 * How long a worker run's lease on a job lasts unless renewed. A node that dies (SIGKILL, power,
 * network) stops renewing, so its jobs are taken back by another node at most this long (plus one
 * sweep) after its last renewal. Long enough that a busy event loop (a big sort) does not lose it.
 */
export const LEASE_MS = 10_000;
/** A running job's lease is renewed this often: four renewals can fail before it lapses. */
export const RENEW_MS = 2_000;

/** The patch that lets go of a job's lease. */
export const NO_LEASE = { lease: null, leaseExpiresAt: null } as const;

/**
 * Renews a run's lease on a timer until stopped. A renewal that finds the lease gone (a node that
 * thought this one dead took the job back) calls `lost`, so the run stops instead of racing the
 * new one; a renewal that fails (database down) is only logged: the next one may work.
 */
export function keepLease(
  deps: Pick<JobDeps, 'store' | 'log' | 'now'>,
  jobId: string,
  lease: string,
  lost: () => void,
): { stop(): void } {
  const timer = setInterval(() => {
    deps.store.jobs.update({ id: jobId, lease }, { leaseExpiresAt: deps.now() + LEASE_MS }).then(
      (held) => {
        if (!held) lost();
      },
      (err: unknown) => deps.log.warn({ err, job: jobId }, 'could not renew a job lease'),
    );
  }, RENEW_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
