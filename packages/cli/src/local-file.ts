import type { ReadStream, WriteStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { errnoReason } from '@depot/client';

/** A local file that cannot be read or written, said in one line that names it. */
export class LocalFileError extends Error {
  override name = 'LocalFileError';
}

/** `FILE: no such file`, `FILE: cannot write (permission denied)`… */
export function readProblem(file: string, err: unknown): LocalFileError {
  const code = (err as NodeJS.ErrnoException).code;
  return new LocalFileError(`${file}: ${code === 'ENOENT' ? 'no such file' : errnoReason(err)}`);
}

export const writeProblem = (file: string, err: unknown): LocalFileError =>
  new LocalFileError(`${file}: cannot write (${errnoReason(err)})`);

/**
 * Opens `file` before a stream is made of it: a stream opens lazily and reports a missing file as
 * an 'error' event, which, before anyone listens, crashes the process with a stack trace.
 */
export async function openForReading(file: string, highWaterMark: number): Promise<ReadStream> {
  const handle = await open(file, 'r').catch((err: unknown) => {
    throw readProblem(file, err);
  });
  // opening a directory succeeds; only its first read would fail (EISDIR)
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new LocalFileError(`${file}: is a directory`);
  }
  return handle.createReadStream({ highWaterMark });
}

/** As openForReading, for a file to (over)write. */
export async function openForWriting(file: string): Promise<WriteStream> {
  const handle = await open(file, 'w').catch((err: unknown) => {
    throw writeProblem(file, err);
  });
  return handle.createWriteStream();
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: unknown) => {
    throw readProblem(file, err);
  });
}
