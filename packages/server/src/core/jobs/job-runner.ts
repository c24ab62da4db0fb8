import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BlobNotFoundError } from '../../ports/blob-store.js';
import type { DatasetRecord } from '../../ports/dataset-repository.js';
import { type StopReason, StopRequest } from '../../ports/job-queue.js';
import type { JobProgress, JobRecord } from '../../ports/job-repository.js';
import { type Checkpoint, ProcessorError, type Resumable } from '../../processors/index.js';
import { isDepotError } from '../errors.js';
import type { JobDeps } from './job-deps.js';
import { HashingFileOutput, JobFiles } from './job-files.js';
import { keepLease, LEASE_MS, NO_LEASE } from './job-lease.js';
import { removeOutput, storeOutput } from './job-output.js';
import { JobProgressTracker } from './job-progress.js';
import { statesAllowing } from './job-state.js';
import { unwrapCheckpoint, WorkMirror } from './work-mirror.js';

/** Transient failures are retried this many times in all, waiting 1 s, 2 s, 4 s… between them. */
const MAX_ATTEMPTS = 5;
const BACKOFF_MS = 1_000;

/** The job has been taken from this run (cancelled, or claimed elsewhere): stop quietly. */
class LostLease extends Error {}

/** A failure that retrying cannot fix: bad input, missing input, a dataset gone. */
class BadInput extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One worker run of one job: claims it (a compare-and-set that takes a lease), feeds its
 * processor the input from the last checkpoint, and settles the outcome: completed with its
 * output, paused or handed back with a checkpoint, cancelled, retried later, or failed.
 */
export class JobRunner {
  /** the live side of the jobs running here */
  readonly #live = new Map<string, JobProgressTracker>();

  constructor(private readonly deps: JobDeps) {}

  /** The live progress of a job running here (fresher than its last checkpoint), if it is. */
  liveProgress(jobId: string): JobProgress | undefined {
    return this.#live.get(jobId)?.progress;
  }

  /** The JobQueue handler. Never throws: every outcome is written to the job record. */
  readonly handle = async (jobId: string, signal: AbortSignal): Promise<void> => {
    const { store, now } = this.deps;
    const lease = randomUUID();
    const claimed = await store.jobs.update(
      { id: jobId, states: statesAllowing('start'), lease: null },
      { state: 'running', lease, leaseExpiresAt: now() + LEASE_MS, updatedAt: now() },
    );
    if (!claimed) return;
    const job = await store.jobs.update(
      { id: jobId, lease },
      { startedAt: claimed.startedAt ?? now(), error: null },
    );
    if (!job) return;
    this.deps.events.emit('job.changed', job);
    const tracker = new JobProgressTracker(this.deps, job);
    this.#live.set(jobId, tracker);
    // The run stops when the queue asks (the queue's signal) or when its lease is lost.
    const run = new AbortController();
    // Told to stop, the run is no longer "running" as far as anyone should hear: its last
    // checkpoint and state are announced by whoever asked, once it has stopped.
    run.signal.addEventListener('abort', () => tracker.stop(), { once: true });
    const stop = () => run.abort(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    const heartbeat = keepLease(this.deps, jobId, lease, () => run.abort(new LostLease()));
    const mirror = new WorkMirror(this.deps, jobId, lease, new JobFiles(this.deps.jobsDir, jobId));
    try {
      await this.#run(job, lease, run.signal, tracker, mirror);
    } catch (err) {
      await this.#settleFailure(job, lease, run.signal, err, tracker.progress, mirror).catch((e: unknown) =>
        this.deps.log.error({ err: e, job: job.id }, 'could not record the outcome of a job'),
      );
    } finally {
      heartbeat.stop();
      signal.removeEventListener('abort', stop);
      tracker.stop();
      this.#live.delete(jobId);
    }
  };

  async #run(
    job: JobRecord,
    lease: string,
    signal: AbortSignal,
    tracker: JobProgressTracker,
    mirror: WorkMirror,
  ) {
    const { store, processors } = this.deps;
    const processor = Object.hasOwn(processors, job.type) ? processors[job.type] : undefined;
    if (!processor) throw new BadInput('ERR_JOB_TYPE', `no processor for job type ${job.type}`);
    const files = new JobFiles(this.deps.jobsDir, job.id);
    await mkdir(files.workDir, { recursive: true });
    const saved = unwrapCheckpoint(job.checkpoint);
    await mirror.restore(saved.work);
    const from: Checkpoint | null =
      job.checkpoint === null ? null : { progress: job.progress, state: saved.state };
    const input = await this.#openInput(job, from?.progress.bytesDone ?? 0);
    const stopReason = (): StopReason | undefined =>
      signal.reason instanceof StopRequest ? signal.reason.reason : undefined;
    const save = async (cp: Checkpoint): Promise<void> => {
      await tracker.flush();
      const progress = { ...cp.progress, bytesTotal: job.progress.bytesTotal };
      const checkpoint = await mirror.wrap(cp.state);
      const saved = await store.jobs.update(
        { id: job.id, lease },
        { checkpoint, progress, updatedAt: this.deps.now() },
      );
      if (saved) await mirror.prune();
      // A request on another node moved the state on and its stop request did not reach this run
      // (a local queue): the checkpoint is saved, so stop here as if asked.
      if (!saved || (saved.state !== 'running' && !signal.aborted)) throw new LostLease();
    };
    const resumable: Resumable = {
      workDir: files.workDir,
      from,
      save,
      // A run that lost its job saves nothing: the run that took it over owns the checkpoints.
      keepOnStop: () => stopReason() !== 'cancel' && !(signal.reason instanceof LostLease),
    };
    const common = {
      input,
      signal,
      tempDir: files.dir,
      memoryBudget: this.deps.memoryBudget,
      progress: (p: Parameters<JobProgressTracker['update']>[0]) => tracker.update(p),
      onError: (e: Parameters<JobProgressTracker['error']>[0]) => tracker.error(e),
      resumable,
    };
    try {
      if (processor.kind === 'file') {
        const output = new HashingFileOutput(files.outputPath);
        try {
          const result = await processor.run({ ...common, output: output.stream });
          await tracker.flush();
          const { bytesDone, rowsDone, errorCount } = result;
          const progress = { bytesDone, rowsDone, errorCount, bytesTotal: job.progress.bytesTotal };
          await this.#completeFile(job, lease, files, mirror, output, progress);
        } finally {
          output.stream.destroy();
        }
      } else {
        const dataset = await this.#dataset(job);
        // Writes overlap (csv-import's WRITES_IN_FLIGHT): the store orders the stages, the
        // mirror its prunes.
        const result = await processor.run({
          ...common,
          columns: dataset.columns,
          rows: {
            write: async (rows, cp) => {
              await tracker.flush();
              const progress = { ...cp.progress, bytesTotal: job.progress.bytesTotal };
              const ok = await store.datasets.stage(
                job.id,
                dataset,
                rows,
                { id: job.id, lease },
                {
                  checkpoint: await mirror.wrap(cp.state),
                  progress,
                  updatedAt: this.deps.now(),
                },
              );
              if (!ok) throw new LostLease();
              await mirror.prune();
            },
          },
        });
        await tracker.flush();
        await this.#completeRows(job, lease, files, mirror, dataset, {
          ...result,
          bytesTotal: job.progress.bytesTotal,
        });
      }
    } finally {
      input.destroy();
    }
  }

  async #openInput(job: JobRecord, offset: number): Promise<Readable> {
    const size = job.progress.bytesTotal;
    if (offset >= size) return Readable.from([]);
    try {
      return await this.deps.storage.blobs.read(job.inputFileId, { start: offset, end: size - 1 });
    } catch (err) {
      if (err instanceof BlobNotFoundError)
        throw new BadInput('ERR_NOT_FOUND', `input file ${job.inputFileId} is gone`);
      throw err;
    }
  }

  async #dataset(job: JobRecord): Promise<DatasetRecord> {
    const name = String(job.params.dataset);
    const dataset = await this.deps.store.datasets.get(job.owner, name);
    if (!dataset) throw new BadInput('ERR_NOT_FOUND', `no dataset ${name}`);
    return dataset;
  }

  async #completeFile(
    job: JobRecord,
    lease: string,
    files: JobFiles,
    mirror: WorkMirror,
    output: HashingFileOutput,
    progress: JobProgress,
  ): Promise<void> {
    // Only while this run holds the job: a run whose job was taken back (its node stalled past
    // the lease) must not replace the output of the run that took it over.
    if (!(await this.deps.store.jobs.update({ id: job.id, lease }, {}))) throw new LostLease();
    const upload = await storeOutput(this.deps, job, {
      path: files.outputPath,
      size: output.size,
      sha256: output.digest(),
    });
    const done = await this.#finish(job, lease, 'complete', { progress, outputFileId: upload.id });
    if (!done) {
      // Paused or cancelled meanwhile: the output is made again on resume. (Unless another run,
      // which took the job over, completed it with that output.)
      if ((await this.deps.store.jobs.get(job.id))?.state !== 'completed')
        await removeOutput(this.deps, job.id);
      await this.#release(job, lease);
      return;
    }
    this.deps.events.emit('upload.finished', upload);
    await this.#discard(job, files, mirror);
  }

  async #completeRows(
    job: JobRecord,
    lease: string,
    files: JobFiles,
    mirror: WorkMirror,
    dataset: DatasetRecord,
    progress: JobProgress,
  ): Promise<void> {
    const t = this.deps.now();
    const ok = await this.deps.store.datasets.commit(
      job.id,
      dataset,
      { id: job.id, lease, states: statesAllowing('complete') },
      { state: 'completed', ...NO_LEASE, progress, checkpoint: null, updatedAt: t, finishedAt: t },
    );
    if (!ok) {
      await this.#release(job, lease);
      return;
    }
    await this.#announce(job.id);
    await this.#discard(job, files, mirror);
  }

  /** Ends the run with `action` (complete, fail, release, retry) if the job is still this run's. */
  async #finish(
    job: JobRecord,
    lease: string,
    action: 'complete' | 'fail' | 'retry' | 'release',
    patch: Parameters<JobDeps['store']['jobs']['update']>[1],
  ): Promise<JobRecord | undefined> {
    const t = this.deps.now();
    const terminal = action === 'complete' || action === 'fail';
    const state = action === 'complete' ? 'completed' : action === 'fail' ? 'failed' : 'queued';
    const updated = await this.deps.store.jobs.update(
      { id: job.id, lease, states: statesAllowing(action) },
      {
        ...patch,
        state,
        ...NO_LEASE,
        updatedAt: t,
        ...(terminal ? { finishedAt: t, checkpoint: null } : {}),
      },
    );
    if (updated) this.deps.events.emit('job.changed', updated);
    return updated;
  }

  /** Lets go of a job whose state a request has already moved on (paused, cancelled). */
  async #release(job: JobRecord, lease: string): Promise<void> {
    await this.deps.store.jobs.update({ id: job.id, lease }, NO_LEASE);
  }

  async #announce(jobId: string): Promise<void> {
    const job = await this.deps.store.jobs.get(jobId);
    if (job) this.deps.events.emit('job.changed', job);
  }

  async #settleFailure(
    job: JobRecord,
    lease: string,
    signal: AbortSignal,
    err: unknown,
    progress: JobProgress,
    mirror: WorkMirror,
  ): Promise<void> {
    const files = new JobFiles(this.deps.jobsDir, job.id);
    const stop = signal.aborted && signal.reason instanceof StopRequest ? signal.reason.reason : undefined;
    if (stop === 'shutdown') {
      await this.#finish(job, lease, 'release', {});
      return;
    }
    if (stop || err instanceof LostLease || signal.reason instanceof LostLease) {
      // Paused or cancelled by a request that has already moved the state: let go of the job,
      // and if it was cancelled, make sure nothing it made is left (the canceller may be elsewhere).
      await this.#release(job, lease);
      if ((await this.deps.store.jobs.get(job.id))?.state === 'cancelled')
        await this.#discard(job, files, mirror);
      return;
    }
    const bad = badInput(err);
    if (bad) {
      this.deps.log.info({ job: job.id, code: bad.code }, bad.message);
      // (Only if this run still held the job: else its files are the next run's.)
      if (await this.#finish(job, lease, 'fail', { error: bad })) await this.#discard(job, files, mirror);
      return;
    }
    const attempts = job.attempts + 1;
    const error = { code: 'ERR_JOB_ATTEMPT', message: err instanceof Error ? err.message : String(err) };
    this.deps.log.warn({ err, job: job.id, attempts }, 'job attempt failed');
    if (attempts >= MAX_ATTEMPTS) {
      if (await this.#finish(job, lease, 'fail', { error, attempts, progress })) {
        await this.#discard(job, files, mirror);
      }
      return;
    }
    const runAfter = this.deps.now() + BACKOFF_MS * 2 ** (attempts - 1);
    if (await this.#finish(job, lease, 'retry', { error, attempts, runAfter })) {
      await this.deps.queue.enqueue(job.id, runAfter);
    }
  }

  async #discard(job: JobRecord, files: JobFiles, mirror: WorkMirror): Promise<void> {
    await files.remove();
    await mirror.removeAll();
    await this.deps.store.datasets?.discard(job.id);
  }
}

function badInput(err: unknown): { code: string; message: string } | undefined {
  if (err instanceof ProcessorError || err instanceof BadInput)
    return { code: err.code, message: err.message };
  if (isDepotError(err) && err.status < 500) return { code: err.code, message: err.message };
  return undefined;
}
