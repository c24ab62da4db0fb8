import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';

/** A job's local files: `work/` for the processor's checkpointed state, `output.part` for its output. */
export class JobFiles {
  readonly dir: string;
  readonly workDir: string;
  readonly outputPath: string;

  constructor(jobsDir: string, jobId: string) {
    this.dir = path.join(jobsDir, jobId);
    this.workDir = path.join(this.dir, 'work');
    this.outputPath = path.join(this.dir, 'output.part');
  }

  /** Removes everything the job keeps locally (done, failed or cancelled). */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The output file, written from scratch, with its sha256 and size computed on the way. */
export class HashingFileOutput {
  readonly stream: Writable;
  readonly #hash: Hash = createHash('sha256');
  #size = 0;

  constructor(file: string) {
    const out = createWriteStream(file);
    this.stream = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _enc, cb) => {
        this.#hash.update(chunk);
        this.#size += chunk.length;
        if (out.write(chunk)) cb();
        else out.once('drain', () => cb());
      },
      final: (cb) => out.end(cb),
      destroy: (err, cb) => {
        out.destroy();
        cb(err);
      },
    });
    out.on('error', (err) => this.stream.destroy(err));
  }

  get size(): number {
    return this.#size;
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}
