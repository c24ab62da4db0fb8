import type { Readable } from 'node:stream';

export type PullStop =
  | { readonly kind: 'end' | 'limit' }
  | { readonly kind: 'interrupted'; readonly reason: unknown };

/**
 * Pulls chunks from a request body as {@link BlobStore.write} wants them: at most `limit` bytes
 * (a chunk crossing it is split and its rest pushed back unread, for the next write), and a
 * source that fails or closes early, or an aborted signal, ends the pull without an error:
 * `stop` says why (what had arrived when the signal aborted is still handed out). Reads in
 * paused mode, so nothing is taken that is not asked for. Make it before any await, so an abort
 * during the caller's setup is seen as one.
 */
export class SourcePuller {
  readonly #source: Readable;
  readonly #signal?: AbortSignal;
  #room: number;
  #stop: PullStop | undefined;
  /** chunks that had arrived when the signal aborted: received, so kept */
  readonly #pending: Buffer[] = [];
  #wake: (() => void) | undefined;

  constructor(source: Readable, limit: number, signal?: AbortSignal) {
    this.#source = source;
    this.#signal = signal;
    this.#room = limit;
    if (signal?.aborted) this.#stop = { kind: 'interrupted', reason: signal.reason };
    else if (source.errored || (source.destroyed && !source.readableEnded)) {
      this.#stop = { kind: 'interrupted', reason: source.errored ?? new Error('the source was destroyed') };
    } else if (limit <= 0) this.#stop = { kind: 'limit' };
    else {
      source.on('readable', this.#notify);
      source.on('end', this.#onEnd);
      source.on('error', this.#onError);
      source.on('close', this.#onClose);
      signal?.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get stop(): PullStop | undefined {
    return this.#stop;
  }

  /** The next chunk, or undefined once the pull has stopped. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const pending = this.#pending.shift();
      if (pending) return pending;
      if (this.#stop) return undefined;
      const chunk = this.#source.read() as Buffer | string | null;
      if (chunk !== null) return this.#take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (this.#source.readableEnded) {
        this.#halt({ kind: 'end' });
        return undefined;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #take(chunk: Buffer): Buffer {
    if (chunk.length < this.#room) {
      this.#room -= chunk.length;
      return chunk;
    }
    const rest = chunk.subarray(this.#room);
    const mine = chunk.subarray(0, this.#room);
    this.#room = 0;
    this.#halt({ kind: 'limit' });
    if (rest.length > 0) this.#source.unshift(rest);
    return mine;
  }

  #notify = () => {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  };
  #onEnd = () => this.#halt({ kind: 'end' });
  #onError = (reason: unknown) => this.#interrupt(reason);
  #onClose = () => {
    // 'close' right after 'end' is normal; before it, the body was cut off.
    if (!this.#source.readableEnded) this.#interrupt(new Error('the source closed before its end'));
  };
  #onAbort = () => this.#interrupt(this.#signal?.reason);

  /** Stops, keeping the bytes that have already arrived (up to the limit): they were received. */
  #interrupt(reason: unknown): void {
    while (!this.#stop) {
      const c = this.#source.read() as Buffer | string | null;
      if (c === null) break;
      this.#pending.push(this.#take(typeof c === 'string' ? Buffer.from(c) : c));
    }
    this.#halt({ kind: 'interrupted', reason });
  }

  /** Stops pulling (the caller failed before it started). */
  cancel(reason: unknown): void {
    this.#halt({ kind: 'interrupted', reason });
  }

  #halt(stop: PullStop): void {
    this.#stop ??= stop;
    this.#source.off('readable', this.#notify);
    this.#source.off('end', this.#onEnd);
    this.#source.off('close', this.#onClose);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    // The error listener stays: a source failing after we are done must not crash the process.
    this.#notify();
  }
}
