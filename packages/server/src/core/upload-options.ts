/** The knobs of the upload service, taken from Config by compose.ts. */
export interface UploadOptions {
  /** bytes; undefined = no limit but the disk */
  readonly maxUploadSize?: number;
  /** bytes each owner may claim unless its token says otherwise (DEPOT_QUOTA); undefined = none */
  readonly defaultQuota?: number;
  /** ms an unfinished upload lives after its last write */
  readonly uploadExpiry: number;
  /** ms a request waits for the lock of an upload before answering 423 */
  readonly lockWaitMs: number;
  /** ms without bytes after which a holder asked to let go is considered stalled and stops */
  readonly stallMs: number;
  /** bytes between offset commits during one long PATCH */
  readonly checkpointBytes: number;
}

export const DEFAULT_UPLOAD_OPTIONS: UploadOptions = {
  uploadExpiry: 24 * 3_600_000,
  lockWaitMs: 5_000,
  stallMs: 1_000,
  checkpointBytes: 16 * 1024 * 1024,
};
