import type { JobState } from '../../ports/job-repository.js';
import { errors } from '../errors.js';

/** What can happen to a job: asked by a user (pause, resume, cancel) or done by a worker. */
export type JobAction = 'start' | 'pause' | 'resume' | 'cancel' | 'complete' | 'fail' | 'retry' | 'release';

/**
 * The one transition table. `resume` puts a paused job back in the queue (it is running again as
 * soon as a worker is free); `retry` (a transient failure, with backoff) and `release` (a worker
 * handing a job back at shutdown) do the same for a running one.
 */
const TRANSITIONS: Readonly<Record<JobState, Partial<Record<JobAction, JobState>>>> = {
  queued: { start: 'running', pause: 'paused', cancel: 'cancelled' },
  running: {
    pause: 'paused',
    cancel: 'cancelled',
    complete: 'completed',
    fail: 'failed',
    retry: 'queued',
    release: 'queued',
  },
  paused: { resume: 'queued', cancel: 'cancelled' },
  completed: {},
  failed: {},
  cancelled: {},
};

export const JOB_STATES = Object.keys(TRANSITIONS) as JobState[];

export const isJobState = (s: string): s is JobState => Object.hasOwn(TRANSITIONS, s);

/** The state `action` leads to from `state`, or undefined if the table does not allow it. */
export const nextState = (state: JobState, action: JobAction): JobState | undefined =>
  TRANSITIONS[state][action];

/** The states from which `action` is allowed (the compare-and-set of an update). */
export const statesAllowing = (action: JobAction): JobState[] =>
  JOB_STATES.filter((s) => TRANSITIONS[s][action] !== undefined);

/** The target state of `action`, or 409 ERR_JOB_STATE naming the state that forbids it. */
export function requireTransition(id: string, state: JobState, action: JobAction): JobState {
  const next = nextState(state, action);
  if (next === undefined) throw errors.jobState(`job ${id} is ${state}: it cannot ${action}`);
  return next;
}

export const isTerminal = (s: JobState): boolean => Object.keys(TRANSITIONS[s]).length === 0;
