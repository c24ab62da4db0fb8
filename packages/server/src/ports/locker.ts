/** A held lock. Release it exactly once. */
export interface Lock {
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** How long to wait for the current holder to let go before giving up. */
  readonly waitMs: number;
  /**
   * Called (at most once) while this lock is held and another request wants it. The holder
   * should stop, save what it has, and release.
   */
  readonly onReleaseRequested: () => void;
}

/**
 * One writer per key (an upload id), across every node that shares the locker. A newcomer asks
 * the holder to let go and waits; so a client reconnecting after a dead connection takes its
 * upload over as soon as the stale request stops.
 */
export interface Locker {
  /** Takes the lock, or throws {@link LockTimeoutError} after `waitMs`. */
  acquire(key: string, options: AcquireOptions): Promise<Lock>;
  close(): Promise<void>;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  constructor(readonly key: string) {
    super(`lock on ${key} is held`);
  }
}
