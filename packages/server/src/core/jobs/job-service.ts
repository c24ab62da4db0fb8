import type { StopReason } from '../../ports/job-queue.js';
import type { JobProgress, JobRecord, JobRowError, JobState } from '../../ports/job-repository.js';
import { type Actor, canSee } from '../actor.js';
import { errors } from '../errors.js';
import { newUploadId } from '../ids.js';
import { isFinished } from '../upload-state.js';
import type { JobDeps } from './job-deps.js';
import { JobRunner } from './job-runner.js';
import { type JobAction, requireTransition, statesAllowing } from './job-state.js';
import { LeaseSweeper, takeBack } from './lease-sweeper.js';
import { discardWork } from './work-mirror.js';

export interface CreateJob {
  readonly type: string;
  readonly fileId: string;
  readonly params: Record<string, unknown>;
}

export interface ListJobs {
  readonly states?: readonly JobState[];
  readonly types?: readonly string[];
  readonly before?: string;
  readonly limit: number;
}

/**
 * Jobs as users see them: create, inspect, pause, resume, cancel, and read their row errors.
 * State changes go through the transition table as compare-and-sets on the record, so a request
 * racing a worker either wins or gets 409 ERR_JOB_STATE; then the worker holding the job (if it
 * is here) is told to stop, and the request returns once it has.
 */
export class JobService {
  readonly #deps: JobDeps;
  readonly #runner: JobRunner;
  #stopped: Promise<void> | undefined;
  readonly #sweeper: LeaseSweeper;

  constructor(deps: JobDeps) {
    this.#deps = deps;
    this.#runner = new JobRunner(deps);
    this.#sweeper = new LeaseSweeper(deps);
  }

  /**
   * Starts the workers. With `reclaim` (this process is the store's only worker: the embedded
   * queue), jobs that a dead process held are taken back first and resume from their checkpoints.
   * Otherwise (a shared store), a node with workers takes back, from then on, the jobs whose lease
   * lapsed on any node.
   */
  async start(workers: number, reclaim: boolean): Promise<void> {
    if (reclaim) await this.#reclaim();
    await this.#deps.queue.start(this.#runner.handle, workers);
    // One process per store (SQLite) took back every lease above; the sweep is for shared stores.
    if (workers > 0 && !reclaim) this.#sweeper.start();
  }

  /** Graceful stop: running jobs save a checkpoint and go back to the queue. Once, however often called. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#sweeper.stop();
      await this.#deps.queue.close();
    })();
    return this.#stopped;
  }

  async create(actor: Actor, input: CreateJob): Promise<JobRecord> {
    const { store, now } = this.#deps;
    if (!Object.hasOwn(this.#deps.processors, input.type)) {
      throw errors.badRequest(
        `unknown job type ${input.type}; known: ${Object.keys(this.#deps.processors).join(', ')}`,
      );
    }
    const file = await store.uploads.get(input.fileId);
    if (!file || !canSee(actor, file.owner)) throw errors.notFound(`no file ${input.fileId}`);
    if (!isFinished(file)) throw errors.uploadIncomplete(`file ${input.fileId} is not finished`);
    if (this.#deps.processors[input.type]?.kind === 'rows') {
      const name = input.params.dataset;
      if (typeof name !== 'string') throw errors.badRequest('params.dataset must name a dataset');
      if (!(await store.datasets.get(file.owner, name))) throw errors.notFound(`no dataset ${name}`);
    }
    const t = now();
    const job: JobRecord = {
      id: newUploadId(),
      owner: file.owner,
      type: input.type,
      inputFileId: file.id,
      params: input.params,
      state: 'queued',
      progress: { bytesDone: 0, bytesTotal: file.length ?? file.offset, rowsDone: 0, errorCount: 0 },
      checkpoint: null,
      outputFileId: null,
      error: null,
      attempts: 0,
      runAfter: t,
      lease: null,
      leaseExpiresAt: null,
      createdAt: t,
      updatedAt: t,
      startedAt: null,
      finishedAt: null,
    };
    await store.jobs.insert(job);
    this.#deps.events.emit('job.changed', job);
    await this.#deps.queue.enqueue(job.id);
    return job;
  }

  /** Live progress of a running job, here or on another node (its record holds the last checkpoint's). */
  liveProgress(jobId: string): JobProgress | undefined {
    return this.#runner.liveProgress(jobId) ?? this.#deps.board?.get(jobId);
  }

  /** The job `actor` may see, or 404. */
  async get(actor: Actor, id: string): Promise<JobRecord> {
    const job = await this.#deps.store.jobs.get(id);
    if (!job || !canSee(actor, job.owner)) throw errors.notFound(`no job ${id}`);
    return job;
  }

  async list(actor: Actor, q: ListJobs): Promise<JobRecord[]> {
    const unknown = q.types?.find((t) => !Object.hasOwn(this.#deps.processors, t));
    if (unknown !== undefined) {
      throw errors.badRequest(
        `unknown job type ${unknown}; known: ${Object.keys(this.#deps.processors).join(', ')}`,
      );
    }
    const before = q.before !== undefined ? await this.#deps.store.jobs.get(q.before) : undefined;
    // an unknown cursor must not read as "from the start": a client paging on would never stop
    if (q.before !== undefined && (!before || !canSee(actor, before.owner)))
      throw errors.badRequest(`before: no job ${q.before.slice(0, 64)}`);
    return this.#deps.store.jobs.list({
      owner: actor.admin ? undefined : actor.owner,
      states: q.states,
      types: q.types,
      before: before && { createdAt: before.createdAt, id: before.id },
      limit: q.limit,
    });
  }

  pause(actor: Actor, id: string): Promise<JobRecord> {
    return this.#control(actor, id, 'pause', 'pause');
  }

  async resume(actor: Actor, id: string): Promise<JobRecord> {
    const job = await this.#move(actor, id, 'resume', { runAfter: this.#deps.now() });
    await this.#deps.queue.enqueue(id);
    return job;
  }

  async cancel(actor: Actor, id: string): Promise<JobRecord> {
    const job = await this.#control(actor, id, 'cancel', 'cancel');
    // The worker (if any) has stopped: remove what the job made, and undo what it staged.
    await discardWork(this.#deps, job);
    await this.#deps.store.datasets?.discard(id);
    return job;
  }

  async errors(actor: Actor, id: string, afterRow: number, limit: number): Promise<JobRowError[]> {
    await this.get(actor, id);
    return this.#deps.store.jobs.listErrors(id, afterRow, limit);
  }

  /**
   * Moves the state, then stops the worker running the job (wherever it runs) and waits for it to
   * let go. The change is announced only then, with the record as stored at that point: a pause
   * saves its checkpoint while the worker stops, so an announcement made at the move would carry
   * the older progress, and be said twice (webhooks, metrics) if announced again after.
   */
  async #control(actor: Actor, id: string, action: JobAction, stop: StopReason): Promise<JobRecord> {
    const extra = action === 'cancel' ? { finishedAt: this.#deps.now() } : {};
    const moved = await this.#move(actor, id, action, extra, false);
    try {
      await this.#deps.queue.interrupt(id, stop);
    } finally {
      const now = (await this.#deps.store.jobs.get(id)) ?? moved;
      // Moved on again meanwhile (resumed): that request announced its own change.
      if (now.state === moved.state) this.#deps.events.emit('job.changed', now);
    }
    return this.get(actor, id);
  }

  async #move(
    actor: Actor,
    id: string,
    action: JobAction,
    extra: { runAfter?: number; finishedAt?: number },
    announce = true,
  ): Promise<JobRecord> {
    const job = await this.get(actor, id);
    const state = requireTransition(id, job.state, action);
    const updated = await this.#deps.store.jobs.update(
      { id, states: statesAllowing(action) },
      { state, updatedAt: this.#deps.now(), ...extra },
    );
    if (!updated) {
      const now = await this.get(actor, id);
      requireTransition(id, now.state, action);
      throw errors.jobState(`job ${id} changed state meanwhile; try again`);
    }
    if (announce) this.#deps.events.emit('job.changed', updated);
    return updated;
  }

  async #reclaim(): Promise<void> {
    const { store } = this.#deps;
    for (;;) {
      const held = await store.jobs.listLeased(100);
      if (held.length === 0) return;
      for (const job of held) await takeBack(this.#deps, job);
    }
  }
}
