import { EventEmitter } from 'node:events';
import type { JobRecord } from '../ports/job-repository.js';
import type { UploadRecord } from '../ports/metadata-store.js';

/** Every event the core emits, with its arguments. Listeners must not throw. */
export interface DepotEvents {
  'upload.created': [UploadRecord];
  'upload.progress': [UploadRecord];
  'upload.finished': [UploadRecord];
  'upload.terminated': [UploadRecord];
  'upload.expired': [UploadRecord];
  /** a job changed state (or was created) */
  'job.changed': [JobRecord];
  /** a running job's live progress, at least twice a second */
  'job.progress': [JobRecord];
}

/** A typed event bus for in-process subscribers (jobs, SSE, metrics). */
export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof DepotEvents>(event: K, listener: (...args: DepotEvents[K]) => void): () => void {
    const fn = listener as (...args: unknown[]) => void;
    this.#emitter.on(event, fn);
    return () => this.#emitter.off(event, fn);
  }

  emit<K extends keyof DepotEvents>(event: K, ...args: DepotEvents[K]): void {
    this.#emitter.emit(event, ...args);
  }
}
