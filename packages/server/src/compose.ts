import path from 'node:path';
import type { Logger } from 'pino';
import { FsBlobStore, fsStorage } from './adapters/fs-blob-store.js';
import { LocalJobQueue } from './adapters/local-job-queue.js';
import { MemoryLocker } from './adapters/memory-locker.js';
import { SqliteMetadataStore } from './adapters/sqlite-metadata-store.js';
import type { Config } from './config.js';
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
  const closers: (() => Promise<void> | void)[] = [];
  const store = await openStore(config);
  closers.push(() => store.close());
  const storage = await openStorage(config, closers);
  const locker = await openLocker(config, log);
  closers.unshift(() => locker.close());
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
    // With SQLite this process is the store's only worker, so jobs a dead process held are taken
    // back at start. On Postgres other nodes may be running theirs: taking back every lease would
    // steal live jobs, so a dead node's jobs wait for stalled-job recovery (the BullMQ work).
    start: () => jobs.start(config.workers, config.databaseUrl.startsWith('sqlite:')),
    close: async () => {
      stopProcessing();
      // Running jobs save a checkpoint and go back to the queue before the store closes.
      await jobs.stop();
      await sweeper.stop();
      for (const close of closers) await close();
    },
  });
}

async function openStore(config: Config): Promise<MetadataStore> {
  const url = config.databaseUrl;
  const store = url.startsWith('sqlite:')
    ? await SqliteMetadataStore.open(path.resolve(config.dataDir, url.slice('sqlite:'.length)))
    : await (await import('./adapters/postgres-metadata-store.js')).PostgresMetadataStore.open(url);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

async function openStorage(config: Config, closers: (() => void)[]): Promise<Storage> {
  if (config.storage.startsWith('fs:')) {
    return fsStorage(
      await FsBlobStore.open(path.resolve(config.dataDir, config.storage.slice('fs:'.length))),
    );
  }
  // s3://bucket/prefix (validated by config.ts). The scale-out adapters load only when configured:
  // the AWS SDK alone adds tens of MiB to the resident size of every embedded server.
  const { S3BlobStore, s3Storage } = await import('./adapters/s3-blob-store.js');
  const [bucket = '', ...rest] = config.storage.slice('s3://'.length).split('/');
  const prefix = rest.filter((p) => p !== '').join('/');
  const store = await S3BlobStore.open(
    { bucket, prefix, ...config.s3 },
    path.join(config.dataDir, 'tmp', 's3-spool'),
  );
  closers.push(() => store.close());
  return s3Storage(store);
}

async function openLocker(config: Config, log: Logger): Promise<Locker> {
  if (config.redisUrl) return (await import('./adapters/redis-locker.js')).RedisLocker.open(config.redisUrl);
  if (!config.databaseUrl.startsWith('sqlite:') || !config.storage.startsWith('fs:')) {
    log.warn('no DEPOT_REDIS_URL: upload locks are in-process, so run one node only');
  }
  return new MemoryLocker();
}
