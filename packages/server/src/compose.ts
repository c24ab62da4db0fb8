import path from 'node:path';
import type { Logger } from 'pino';
import { FsBlobStore, fsStorage } from './adapters/fs-blob-store.js';
import { LocalJobQueue } from './adapters/local-job-queue.js';
import { MemoryLocker } from './adapters/memory-locker.js';
import { SqliteMetadataStore } from './adapters/sqlite-metadata-store.js';
import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { DatasetService } from './core/datasets.js';
import { DownloadService } from './core/downloads.js';
import { EventBus } from './core/events.js';
import { ExpirySweeper } from './core/expiry-sweeper.js';
import { FileService } from './core/files.js';
import { JobService } from './core/jobs/job-service.js';
import { processOnUpload } from './core/jobs/process-on-upload.js';
import { RunningDigests } from './core/running-digests.js';
import { TokenService } from './core/tokens.js';
import { DEFAULT_UPLOAD_OPTIONS } from './core/upload-options.js';
import { UploadService } from './core/upload-service.js';
import type { Storage } from './ports/blob-store.js';
import type { Locker } from './ports/locker.js';
import type { MetadataStore } from './ports/metadata-store.js';
import { processors } from './processors/index.js';

/** Everything the server runs on, built once from Config and frozen. */
export interface Services {
  readonly config: Config;
  readonly store: MetadataStore;
  readonly storage: Storage;
  readonly locker: Locker;
  readonly events: EventBus;
  readonly tokens: TokenService;
  readonly uploads: UploadService;
  readonly downloads: DownloadService;
  readonly files: FileService;
  readonly sweeper: ExpirySweeper;
  readonly jobs: JobService;
  readonly datasets: DatasetService;
  /** The tus extensions this composition supports, derived from what the parts offer. */
  readonly tusExtensions: readonly string[];
  readiness(): Promise<Record<string, string>>;
  /** Starts the background work: job workers (DEPOT_WORKERS of them). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The one composition root: the only module that knows the concrete adapters. */
export async function compose(config: Config, log: Logger): Promise<Services> {
  const store = await openStore(config);
  const storage = await openStorage(config);
  const locker: Locker = new MemoryLocker();
  const events = new EventBus();
  const now = Date.now;
  const deps = {
    store,
    storage,
    locker,
    events,
    log,
    now,
    digests: new RunningDigests(),
    options: {
      ...DEFAULT_UPLOAD_OPTIONS,
      maxUploadSize: config.maxUploadSize,
      defaultQuota: config.quota,
      uploadExpiry: config.uploadExpiry,
    },
  };
  const uploads = new UploadService(deps);
  const sweeper = new ExpirySweeper(deps);
  const queue = new LocalJobQueue(store.jobs, (err) => log.error({ err }, 'job queue failure'));
  const jobs = new JobService({
    store,
    storage,
    queue,
    events,
    processors,
    jobsDir: path.join(config.dataDir, 'jobs'),
    memoryBudget: config.jobMemory,
    log,
    now,
  });
  const stopProcessing = processOnUpload(events, jobs, log);
  const check = async (fn: () => Promise<void>) =>
    fn().then(
      () => 'ok',
      (err: Error) => `failing: ${err.message}`,
    );
  return Object.freeze({
    config,
    store,
    storage,
    locker,
    events,
    tokens: new TokenService(store, now),
    uploads,
    downloads: new DownloadService(uploads, storage),
    files: new FileService(uploads, store, now),
    sweeper,
    jobs,
    datasets: new DatasetService(store.datasets, now),
    tusExtensions: [
      'creation',
      'creation-with-upload',
      'creation-defer-length',
      'expiration',
      'checksum',
      'checksum-trailer',
      'termination',
      'concatenation',
      'concatenation-unfinished',
    ],
    readiness: async () => ({
      database: await check(() => store.ping()),
      storage: await check(() => storage.ping()),
    }),
    // The embedded queue is this store's only worker: jobs a dead process held are taken back.
    start: () => jobs.start(config.workers, true),
    close: async () => {
      stopProcessing();
      // Running jobs save a checkpoint and go back to the queue before the store closes.
      await jobs.stop();
      await sweeper.stop();
      await locker.close();
      await store.close();
    },
  });
}

async function openStore(config: Config): Promise<MetadataStore> {
  if (config.databaseUrl.startsWith('sqlite:')) {
    const file = config.databaseUrl.slice('sqlite:'.length);
    const store = await SqliteMetadataStore.open(path.resolve(config.dataDir, file));
    await store.migrate();
    return store;
  }
  throw new ConfigError('DEPOT_DATABASE_URL: postgres is not supported by this build yet; use sqlite:PATH');
}

async function openStorage(config: Config): Promise<Storage> {
  if (config.storage.startsWith('fs:')) {
    return fsStorage(
      await FsBlobStore.open(path.resolve(config.dataDir, config.storage.slice('fs:'.length))),
    );
  }
  throw new ConfigError('DEPOT_STORAGE: s3 is not supported by this build yet; use fs:DIR');
}
