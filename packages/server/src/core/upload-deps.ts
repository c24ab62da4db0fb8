import type { Logger } from 'pino';
import type { Storage } from '../ports/blob-store.js';
import type { Locker } from '../ports/locker.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { EventBus } from './events.js';
import type { CoreObserver } from './observer.js';
import type { RunningDigests } from './running-digests.js';
import type { UploadOptions } from './upload-options.js';

/** What the upload service is built from; assembled by compose.ts. */
export interface UploadDeps {
  readonly store: MetadataStore;
  readonly storage: Storage;
  readonly locker: Locker;
  readonly events: EventBus;
  readonly options: UploadOptions;
  readonly digests: RunningDigests;
  readonly log: Logger;
  readonly now: () => number;
  /** counts for metrics; none when absent */
  readonly observer?: CoreObserver;
}
