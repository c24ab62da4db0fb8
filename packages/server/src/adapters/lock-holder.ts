/** A lock's current holder as a locker on this node knows it. */
export interface LockHolder {
  readonly onReleaseRequested: () => void;
  asked: boolean;
}

/** Asks a holder to let go, once: a second newcomer needs no second request. */
export function askToRelease(holder: LockHolder): void {
  if (holder.asked) return;
  holder.asked = true;
  // A throwing callback is the holder's bug; it must not fail anyone else's acquire.
  try {
    holder.onReleaseRequested();
  } catch {}
}
