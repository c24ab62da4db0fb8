import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { JobRecord } from '../../ports/job-repository.js';
import { errors } from '../errors.js';
import type { JobDeps } from './job-deps.js';
import { JobFiles } from './job-files.js';

/** Work file name → the blob holding its copy. */
export type WorkFiles = Readonly<Record<string, string>>;

/**
 * A checkpoint as stored when work is shared: the processor's state plus the work files it may
 * refer to, each with the blob that holds its copy. Stored together in the job record, so the
 * files and the state can never disagree.
 */
interface SharedCheckpoint {
  readonly $work: WorkFiles;
  readonly state: unknown;
}

const isShared = (cp: unknown): cp is SharedCheckpoint =>
  typeof cp === 'object' &&
  cp !== null &&
  typeof (cp as SharedCheckpoint).$work === 'object' &&
  (cp as SharedCheckpoint).$work !== null;

/** The processor's own checkpoint state and the mirrored work files of a stored checkpoint. */
export function unwrapCheckpoint(cp: unknown): { state: unknown; work: WorkFiles } {
  return isShared(cp) ? { state: cp.state, work: cp.$work } : { state: cp, work: {} };
}

/**
 * The blob of a work file as one run (its lease) uploads it. Per run: a run that lost its job
 * without knowing yet (its node stalled) may still upload files of the same name with other
 * bytes; those never land on a blob a checkpoint of the run that took over lists.
 */
export const workBlobId = (jobId: string, lease: string, name: string): string =>
  createHash('sha256').update(`depot-job-work:${jobId}:${lease}:${name}`).digest('hex').slice(0, 32);

interface Stored {
  readonly size: number;
  readonly blob: string;
}

/**
 * Makes a job's work files (csv-report's sorted runs and snapshots) follow its checkpoints into the
 * shared blob store, so that a job paused or stalled on one node resumes from its checkpoint on
 * another. On one machine (deps.shareWork false) the local work dir is enough and nothing moves.
 * Work files are immutable once a checkpoint names them (processors never reuse a name), so each
 * is uploaded once; a file the next checkpoint no longer has is removed from the store after it.
 */
export class WorkMirror {
  readonly #stored = new Map<string, Stored>();
  /** the files the last saved checkpoint lists */
  #listed: WorkFiles = {};
  /** the last prune call, settled */
  #pruning: Promise<void> = Promise.resolve();

  readonly #workDir: string;
  /**
   * Which blob each local work file is a copy of, as of the last checkpoint saved on this node.
   * A local file is used instead of fetching only when it is the very copy a checkpoint lists: a
   * run that went past that checkpoint here and then lost the job may have left a file of the
   * same name with other bytes.
   */
  readonly #copies: string;

  constructor(
    private readonly deps: JobDeps,
    private readonly jobId: string,
    private readonly lease: string,
    files: JobFiles,
  ) {
    this.#workDir = files.workDir;
    this.#copies = path.join(files.dir, 'work-copies.json');
  }

  /** Fetches the work files a checkpoint lists that this node lacks (it was saved elsewhere). */
  async restore(work: WorkFiles): Promise<void> {
    await mkdir(this.#workDir, { recursive: true });
    if (Object.keys(work).length === 0) return;
    const here = new Set(await readdir(this.#workDir));
    const copies = await readFile(this.#copies, 'utf8').then(
      (text) => JSON.parse(text) as WorkFiles,
      () => ({}) as WorkFiles,
    );
    for (const [name, blob] of Object.entries(work)) {
      const file = path.join(this.#workDir, name);
      if (!here.has(name) || copies[name] !== blob) {
        const tmp = `${file}.fetch`;
        await pipeline(await this.deps.storage.blobs.read(blob), createWriteStream(tmp));
        await rename(tmp, file);
      }
      this.#stored.set(name, { size: (await stat(file)).size, blob });
    }
    this.#listed = work;
    await this.#remember();
  }

  /** The checkpoint to store for `state`: with its work files mirrored first, when shared. */
  async wrap(state: unknown): Promise<unknown> {
    if (!this.deps.shareWork) return state;
    const uploads: Promise<void>[] = [];
    const names: string[] = [];
    for (const entry of await readdir(this.#workDir, { withFileTypes: true })) {
      if (!entry.isFile() || entry.name.endsWith('.fetch')) continue;
      const size = (await stat(path.join(this.#workDir, entry.name))).size;
      // In parallel: each costs a few object-store round trips, and a pause waits for them.
      if (this.#stored.get(entry.name)?.size !== size) uploads.push(this.#upload(entry.name, size));
      names.push(entry.name);
    }
    // Every upload has ended before this returns (none left running behind a failed one to land
    // after the job's files are removed).
    const failed = (await Promise.allSettled(uploads)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const work: Record<string, string> = {};
    for (const name of names) work[name] = this.#stored.get(name)!.blob;
    this.#listed = work;
    return { $work: work, state } satisfies SharedCheckpoint;
  }

  /**
   * After a checkpoint is stored: removes the mirrored files it no longer lists. Calls may overlap
   * (csv-import's writes do); they run one at a time, in call order.
   */
  prune(): Promise<void> {
    const run = this.#pruning.then(async () => {
      await this.#remember();
      await this.#removeUnlisted();
    });
    this.#pruning = run.catch(() => {});
    return run;
  }

  /** The job is over: removes its mirrored work files. */
  async removeAll(): Promise<void> {
    this.#listed = {};
    await this.#removeUnlisted();
  }

  async #removeUnlisted(): Promise<void> {
    const keep = new Set(Object.values(this.#listed));
    const gone = [...this.#stored].filter(([, s]) => !keep.has(s.blob));
    await Promise.all(gone.map(([, s]) => this.deps.storage.blobs.remove(s.blob)));
    for (const [name] of gone) this.#stored.delete(name);
  }

  async #remember(): Promise<void> {
    if (!this.deps.shareWork) return;
    const tmp = `${this.#copies}.tmp`;
    await writeFile(tmp, JSON.stringify(this.#listed));
    await rename(tmp, this.#copies);
  }

  async #upload(name: string, size: number): Promise<void> {
    const blob = workBlobId(this.jobId, this.lease, name);
    try {
      const source = createReadStream(path.join(this.#workDir, name));
      const written = await this.deps.storage.blobs.write(blob, 0, source, { limit: size });
      if (written.bytes !== size || written.interrupted) {
        throw errors.internal(
          `mirroring work file ${name} of job ${this.jobId} stopped at ${written.bytes} of ${size} bytes`,
        );
      }
    } catch (err) {
      // No checkpoint will list this copy: do not leave it behind.
      await this.deps.storage.blobs.remove(blob).catch(() => {});
      throw err;
    }
    // Not sealed: most work files are never read back (only after a move to another node), and
    // reading an unsealed blob seals it then.
    this.#stored.set(name, { size, blob });
  }
}

/**
 * Removes everything a job made, here and in the store: its local files and the mirrored work
 * files its checkpoint lists (a job cancelled while no run holds it, or taken back cancelled).
 */
export async function discardWork(deps: JobDeps, job: JobRecord): Promise<void> {
  await new JobFiles(deps.jobsDir, job.id).remove();
  const { work } = unwrapCheckpoint(job.checkpoint);
  await Promise.all(Object.values(work).map((blob) => deps.storage.blobs.remove(blob)));
}
