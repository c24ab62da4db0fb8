import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Processor, ProcessorResult, Progress, RowError } from '../../src/processors/index.js';

export interface Run {
  output: string;
  errors: RowError[];
  progress: Progress[];
  result: ProcessorResult;
  /** What the processor left in its temp dir (should be nothing). */
  leftovers: string[];
}

/** Feeds `input` to a processor in chunks of `chunkSize` bytes and collects everything it reports. */
export async function runProcessor(
  processor: Processor,
  input: string | Buffer,
  opts: { chunkSize?: number; memoryBudget?: number; signal?: AbortSignal } = {},
): Promise<Run> {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const size = opts.chunkSize ?? 64 * 1024;
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  const out: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  const errors: RowError[] = [];
  const progress: Progress[] = [];
  const tempDir = await mkdtemp(path.join(tmpdir(), 'depot-proc-test-'));
  try {
    const result = await processor({
      input: Readable.from(chunks),
      output,
      signal: opts.signal ?? new AbortController().signal,
      tempDir,
      memoryBudget: opts.memoryBudget ?? 256 * 1024 * 1024,
      progress: (p) => progress.push(p),
      onError: (e) => errors.push(e),
    });
    return {
      output: Buffer.concat(out).toString('utf8'),
      errors,
      progress,
      result,
      leftovers: await readdir(tempDir),
    };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}
