import path from 'node:path';
import type { Logger } from 'pino';
import { FetchWebhookSender } from './adapters/fetch-webhook-sender.js';
import { FsBlobStore, fsStorage } from './adapters/fs-blob-store.js';
import { LocalJobQueue } from './adapters/local-job-queue.js';
import { MemoryLocker } from './adapters/memory-locker.js';
import { SqliteMetadataStore } from './adapters/sqlite-metadata-store.js';
import type { Config } from './config.js';
import { DatasetService } from './core/datasets.js';
import { DownloadService } from './core/downloads.js';
import { eventFeed } from './core/event-feed.js';
import { EventBus } from './core/events.js';
import { ExpirySweeper } from './core/expiry-sweeper.js';
import { FileService } from './core/files.js';
import { JobService } from './core/jobs/job-service.js';
import { processOnUpload } from './core/jobs/process-on-upload.js';
import { ProgressBoard } from './core/jobs/progress-board.js';
import { RunningDigests } from './core/running-digests.js';
import { TokenService } from './core/tokens.js';
import { DEFAULT_UPLOAD_OPTIONS } from './core/upload-options.js';
import { UploadService } from './core/upload-service.js';
import { type DispatcherOptions, WebhookDispatcher } from './core/webhooks/dispatcher.js';
import { WebhookEvents } from './core/webhooks/webhook-events.js';
import { WebhookService } from './core/webhooks/webhook-service.js';
import { runChecks } from './health-checks.js';
import { DepotMetrics } from './metrics/depot-metrics.js';
import { observeEvents } from './metrics/event-metrics.js';
import type { Storage } from './ports/blob-store.js';
import type { EventRelay } from './ports/event-relay.js';
import type { JobQueue } from './ports/job-queue.js';
import type { Locker } from './ports/locker.js';
import type { MetadataStore } from './ports/metadata-store.js';
import { type JobProcessor, processors } from './processors/index.js';

/** Everything the server runs on, built once from Config and frozen. */
export interface Services {
  readonly config: Config;
  readonly store: MetadataStore;
  readonly storage: Storage;
  readonly locker: Locker;
  /** this node's events (metrics, webhooks and processing act on these once, here) */
  readonly events: EventBus;
  /** every node's events, for clients' event streams (the same bus as `events` on one node) */
  readonly feed: EventBus;
  readonly tokens: TokenService;
  readonly uploads: UploadService;
  readonly downloads: DownloadService;
  readonly files: FileService;
  readonly sweeper: ExpirySweeper;
  readonly jobs: JobService;
  readonly datasets: DatasetService;
  /** the Prometheus metrics; absent with DEPOT_METRICS=off */
  readonly metrics?: DepotMetrics;
  readonly webhooks: WebhookService;
  /** The tus extensions this composition supports, derived from what the parts offer. */
  readonly tusExtensions: readonly string[];
  readiness(): Promise<Record<string, string>>;
  /** Starts the background work: job workers (DEPOT_WORKERS of them). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Internal knobs that are not settings: tests shrink the webhook retry schedule, metrics observe it. */
export interface Tuning {
  readonly webhooks?: Partial<DispatcherOptions>;
  /** processors that replace the built-in ones of the same job type (tests slow one down) */
  readonly processors?: Readonly<Record<string, JobProcessor>>;
}

/** The one composition root: the only module that knows the concrete adapters. */
export async function compose(config: Config, log: Logger, tuning: Tuning = {}): Promise<Services> {
  const closers: (() => Promise<void> | void)[] = [];
  const store = await openStore(config);
  closers.push(() => store.close());
  const storage = await openStorage(config, closers);
  const locker = await openLocker(config, log);
  closers.unshift(() => locker.close());
  const events = new EventBus();
  const relay = await openRelay(config, log);
  if (relay) closers.unshift(() => relay.close());
  const { feed, stop: stopFeed } = await eventFeed(events, relay);
  const metrics = config.metrics === 'off' ? undefined : new DepotMetrics();
  const now = Date.now;
  const deps = {
    store,
    storage,
    locker,
    events,
    log,
    now,
    observer: metrics?.observer,
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
  // Closed by jobs.stop(), before the store.
  const queue = await openQueue(config, store, log);
  const board = relay && new ProgressBoard(feed, now);
  const jobs = new JobService({
    board,
    store,
    storage,
    queue,
    events,
    processors: { ...processors, ...tuning.processors },
    jobsDir: path.join(config.dataDir, 'jobs'),
    // With a shared database, a job may resume on another node: its work files go to the shared store.
    shareWork: !config.databaseUrl.startsWith('sqlite:'),
    memoryBudget: config.jobMemory,
    log,
    now,
  });
  const stopProcessing = processOnUpload(events, jobs, log);
  const stopMetrics = metrics ? observeEvents(events, metrics) : () => {};
  if (metrics && queue.depth) metrics.measureQueue(queue.depth.bind(queue));
  const pingQueue = queue.ping?.bind(queue);
  const dispatcher = new WebhookDispatcher(
    { webhooks: store.webhooks, sender: new FetchWebhookSender(), log, now },
    {
      ...tuning.webhooks,
      onDelivery: (event, outcome) => {
        metrics?.webhooks.delivery(event, outcome);
        tuning.webhooks?.onDelivery?.(event, outcome);
      },
    },
  );
  const webhookEvents = new WebhookEvents({
    events,
    webhooks: store.webhooks,
    log,
    now,
    stored: () => dispatcher.wake(),
  });
  return Object.freeze({
    config,
    store,
    storage,
    locker,
    events,
    feed,
    tokens: new TokenService(store, now),
    uploads,
    downloads: new DownloadService(uploads, storage, metrics?.observer),
    files: new FileService(uploads, store, now),
    sweeper,
    jobs,
    datasets: new DatasetService(store.datasets, now),
    metrics,
    webhooks: new WebhookService(store.webhooks, now),
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
    readiness: () =>
      runChecks({
        database: () => store.ping(),
        storage: () => storage.ping(),
        ...(pingQueue && { queue: pingQueue }),
      }),
    // With SQLite this process is the store's only worker, so jobs a dead process held are taken
    // back at start. On Postgres other nodes may be running theirs: taking back every lease would
    // steal live jobs, so only leases that lapsed (nobody renewed them for 10 s) are taken back,
    // by every node with workers, all along (core/jobs/lease-sweeper.ts).
    start: async () => {
      dispatcher.start();
      await jobs.start(config.workers, config.databaseUrl.startsWith('sqlite:'));
    },
    close: async () => {
      stopProcessing();
      stopMetrics();
      stopFeed();
      board?.stop();
      // Running jobs save a checkpoint and go back to the queue before the store closes.
      await jobs.stop();
      // What the last events asked for is stored before the store closes; attempts in flight are
      // cut short and handed back (due again at the next start, or on another node).
      await webhookEvents.close();
      await dispatcher.stop();
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
  // As with the database: a bucket that is missing or out of reach stops the start, with the
  // reason, rather than a server that answers every upload with a 500.
  try {
    await store.ping();
  } catch (err) {
    store.close();
    throw err;
  }
  closers.push(() => store.close());
  return s3Storage(store);
}

async function openQueue(config: Config, store: MetadataStore, log: Logger): Promise<JobQueue> {
  const onError = (err: unknown) => log.error({ err }, 'job queue failure');
  if (config.queue === 'local') return new LocalJobQueue(store.jobs, onError);
  const { BullJobQueue } = await import('./adapters/bullmq-job-queue.js');
  return BullJobQueue.open(config.queue, store.jobs, onError, { prefix: config.queuePrefix });
}

/** With Redis configured (several nodes), every node's events reach every node's event streams. */
async function openRelay(config: Config, log: Logger): Promise<EventRelay | undefined> {
  if (!config.redisUrl) return undefined;
  const { RedisEventRelay } = await import('./adapters/redis/redis-event-relay.js');
  return RedisEventRelay.open(config.redisUrl, config.queuePrefix, (err) =>
    log.warn({ err }, 'event relay failure'),
  );
}

async function openLocker(config: Config, log: Logger): Promise<Locker> {
  if (config.redisUrl) {
    const { RedisLocker } = await import('./adapters/redis-locker.js');
    return RedisLocker.open(config.redisUrl, { onError: (err) => log.warn({ err }, 'lock store failure') });
  }
  if (!config.databaseUrl.startsWith('sqlite:') || !config.storage.startsWith('fs:')) {
    log.warn('no DEPOT_REDIS_URL: upload locks are in-process, so run one node only');
  }
  return new MemoryLocker();
}
