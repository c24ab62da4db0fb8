import type { Readable } from 'node:stream';
import type { WriteOptions, WriteResult } from '../ports/blob-store.js';
import { datasyncFd, writevAt } from './fd-io.js';
import type { WriteBudget } from './write-budget.js';

const MiB = 2 ** 20;
const DEFAULT_CHECKPOINT_BYTES = 64 * MiB;
/**
 * How much may pile up in memory while a write is in flight before the source is paused (when
 * the process-wide {@link WriteBudget} allows; with many writes at once it pauses far sooner).
 * Letting the socket read ahead this far and writing everything queued in one writev is what made
 * this loop faster than `pipe(createWriteStream())` (whose 16 KiB high-water mark stalls the
 * socket on every write): 1 GiB over loopback to tmpfs, median of 4, ~1.2 s here vs ~2.0 s piped.
 */
const MAX_QUEUED = 8 * MiB;
/** writev takes at most IOV_MAX (1024 on Linux) buffers per call */
const MAX_IOV = 1024;

type Stop = { readonly kind: 'end' | 'limit' } | { readonly kind: 'interrupted'; readonly reason: unknown };

/**
 * Streams `source` into the file `fd` from `position` on, as {@link BlobStore.write} describes: at most
 * `limit` bytes (a chunk crossing it is split and its rest pushed back unread), an interrupted
 * source or an aborted signal ends the write early without failing it, and everything written is
 * fdatasync'd before the promise resolves. Write errors (ENOSPC included) reject as they are.
 * The bytes read and not yet written count against `budget`, shared with every other write.
 * With `syncedWrites` each write is already durable, and no fdatasync follows.
 */
export async function writeFromStream(
  fd: number,
  position: number,
  source: Readable,
  options: WriteOptions,
  budget: WriteBudget,
  /** the file was opened with O_DSYNC: every write is durable when it returns */
  syncedWrites = false,
): Promise<WriteResult> {
  const { limit, signal, onCheckpoint } = options;
  const datasync = syncedWrites ? async () => {} : () => datasyncFd(fd);
  const every = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
  if (signal?.aborted) return { bytes: 0, interrupted: signal.reason };
  if (limit <= 0) return { bytes: 0 };

  let queue: Buffer[] = [];
  let queued = 0;
  /** bytes of the batch being written now */
  let writing = 0;
  let taken = 0;
  let pausedByUs = false;
  let stop: Stop | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const halt = (s: Stop) => {
    stop ??= s;
    // Whatever is queued still gets written, but nothing more is read.
    detach();
    if (s.kind !== 'end') source.pause();
    notify();
  };

  const onData = (chunk: Buffer | string) => {
    let c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = limit - taken;
    if (c.length >= room) {
      // Stop consuming before taking a byte past the limit; the rest stays in the source.
      halt({ kind: 'limit' });
      if (c.length > room) source.unshift(c.subarray(room));
      c = c.subarray(0, room);
    }
    if (c.length === 0) return;
    queue.push(c);
    queued += c.length;
    taken += c.length;
    budget.take(c.length);
    if ((queued >= MAX_QUEUED || budget.full(queued + writing)) && !stop) {
      pausedByUs = true;
      source.pause();
    }
    notify();
  };
  const onEnd = () => halt({ kind: 'end' });
  const onError = (reason: unknown) => halt({ kind: 'interrupted', reason });
  const onClose = () => halt({ kind: 'interrupted', reason: new Error('the source closed before its end') });
  const onAbort = () => halt({ kind: 'interrupted', reason: signal?.reason });
  function detach() {
    source.off('data', onData);
    source.off('end', onEnd);
    source.off('close', onClose);
    signal?.removeEventListener('abort', onAbort);
    // onError stays: a source that fails after we are done must not crash the process with an
    // unhandled 'error' event; its owner hears about it through its own listeners.
  }

  if (source.readableEnded) stop = { kind: 'end' };
  else if (source.errored || source.destroyed) {
    stop = { kind: 'interrupted', reason: source.errored ?? new Error('the source was destroyed') };
  } else {
    source.on('error', onError);
    source.on('end', onEnd);
    source.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    source.on('data', onData);
    // A source paused by an earlier write (stopped at its limit) does not restart on 'data' alone.
    source.resume();
  }

  let written = 0;
  let nextCheckpoint = every;
  // A checkpoint (fdatasync + the caller's commit) runs beside further writes, so a slow disk
  // flush does not stall the socket; only one runs at a time, and all have settled on return.
  let checkpoint: Promise<void> | undefined;
  let checkpointError: { error: unknown } | undefined;
  try {
    for (;;) {
      if (checkpointError) throw checkpointError.error;
      if (queued > 0) {
        const batch = queue;
        const n = queued;
        queue = [];
        queued = 0;
        if (pausedByUs && !stop) {
          pausedByUs = false;
          source.resume();
        }
        writing = n;
        await writeAll(fd, batch, position + written);
        writing = 0;
        budget.give(n);
        written += n;
        if (onCheckpoint && !checkpoint && written >= nextCheckpoint) {
          const upTo = written;
          nextCheckpoint = upTo + every;
          checkpoint = datasync()
            .then(() => onCheckpoint(upTo))
            .then(
              () => {
                checkpoint = undefined;
              },
              (error: unknown) => {
                checkpointError = { error };
                checkpoint = undefined;
                notify();
              },
            );
        }
        continue;
      }
      if (stop) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    await checkpoint;
    // (set by the checkpoint's callback, which TypeScript's narrowing cannot see)
    const failed = checkpointError as { error: unknown } | undefined;
    if (failed) throw failed.error;
    await datasync();
  } catch (err) {
    // Settle the running checkpoint first: the caller must not see a commit after our failure.
    await checkpoint;
    throw err;
  } finally {
    // Bytes that never reached the disk (a failed write) leave the budget too.
    budget.give(queued + writing);
    // A failed write leaves the source paused: nothing more is read into a write that is over.
    if (!stop) halt({ kind: 'interrupted', reason: undefined });
  }
  const s = stop as Stop;
  return { bytes: written, interrupted: s.kind === 'interrupted' ? s.reason : undefined };
}

/** One positioned writev per IOV_MAX buffers, resuming after short writes. */
async function writeAll(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let bufs = buffers;
  let at = position;
  while (bufs.length > 0) {
    const slice = bufs.length > MAX_IOV ? bufs.slice(0, MAX_IOV) : bufs;
    const rest = bufs.length > MAX_IOV ? bufs.slice(MAX_IOV) : [];
    let bytesWritten = await writevAt(fd, slice, at);
    if (bytesWritten === 0) throw new Error('writev wrote nothing');
    at += bytesWritten;
    let i = 0;
    while (i < slice.length && bytesWritten >= slice[i]!.length) bytesWritten -= slice[i++]!.length;
    const unwritten = slice.slice(i);
    if (unwritten.length > 0 && bytesWritten > 0) unwritten[0] = unwritten[0]!.subarray(bytesWritten);
    bufs = unwritten.concat(rest);
  }
}
