/**
 * What the core reports for operators beyond its events: counts that no event carries (bytes,
 * lock take-overs). compose.ts passes the metrics' implementation; the core never imports a
 * metrics library. Implementations must be cheap and must not throw.
 */
export interface CoreObserver {
  /** upload bytes made durable and committed (an offset moved forward by `bytes`) */
  uploadBytes(bytes: number): void;
  /** file bytes handed to a download response */
  downloadBytes(bytes: number): void;
  /** a stalled writer's hold on an upload was ended because another request asked for it */
  lockTakenOver(): void;
}

/** The observer of a core built without metrics. */
export const NO_OBSERVER: CoreObserver = Object.freeze({
  uploadBytes: () => {},
  downloadBytes: () => {},
  lockTakenOver: () => {},
});
