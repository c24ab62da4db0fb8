import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoreObserver } from '../core/observer.js';
import { processRegistry } from './process-metrics.js';

/** What became of one webhook delivery attempt (the label values of depot_webhook_deliveries_total). */
export type WebhookOutcome = 'delivered' | 'retrying' | 'failed';

/** The slice of the metrics the webhook deliverer reports to. */
export interface WebhookMetrics {
  /** One delivery attempt of `event` (e.g. `upload.finished`) ended with `outcome`. */
  delivery(event: string, outcome: WebhookOutcome): void;
}

/** Request durations reach from a HEAD (ms) to a PATCH carrying gigabytes (minutes). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400];

/**
 * Every Depot metric, in a registry of its own (never prom-client's global one), so several
 * servers in one process (tests) each count their own traffic. Names and labels are documented in
 * docs/operations.md; every label takes a bounded set of values (route patterns, never URLs).
 */
export class DepotMetrics {
  readonly registry = new Registry();

  readonly uploadsCreated = this.#counter(
    'depot_uploads_created_total',
    'Uploads created (tus and /api/files).',
  );
  readonly uploadsFinished = this.#counter(
    'depot_uploads_finished_total',
    'Uploads that received all their bytes (job outputs are not counted).',
  );
  readonly uploadsTerminated = this.#counter(
    'depot_uploads_terminated_total',
    'Uploads and files deleted by a client (tus termination, DELETE).',
  );
  readonly uploadsExpired = this.#counter(
    'depot_uploads_expired_total',
    'Unfinished uploads removed by the expiry sweeper.',
  );
  readonly bytesReceived = this.#counter(
    'depot_upload_bytes_received_total',
    'Upload bytes made durable and committed (a chunk discarded by its checksum is not counted).',
  );
  readonly bytesSent = this.#counter(
    'depot_download_bytes_sent_total',
    'File bytes handed to download responses (bodies only, not headers or multipart boundaries).',
  );
  readonly lockTakeovers = this.#counter(
    'depot_upload_lock_takeovers_total',
    'Times a request took an upload over from a writer whose connection had gone quiet.',
  );
  readonly requestDuration = new Histogram({
    name: 'depot_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, from arrival to the end of the response.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: 'depot_jobs_total',
    help: 'Jobs entering a state, by type and state (queued counts creations, resumes and hand-backs).',
    labelNames: ['type', 'state'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'depot_job_duration_seconds',
    help: 'Jobs that ended, by type and final state: seconds from their first start to their end.',
    labelNames: ['type', 'state'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  readonly rowsProcessed = new Counter({
    name: 'depot_job_rows_processed_total',
    help: 'Input rows read by jobs, by type (rows read again after a resume count again).',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'depot_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by event and outcome (delivered, retrying, failed).',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  /** What the core reports through (bytes, lock take-overs). */
  readonly observer: CoreObserver = {
    uploadBytes: (n) => this.bytesReceived.inc(n),
    downloadBytes: (n) => this.bytesSent.inc(n),
    lockTakenOver: () => this.lockTakeovers.inc(),
  };

  /** What the webhook deliverer reports through. */
  readonly webhooks: WebhookMetrics = {
    delivery: (event, outcome) => this.webhookDeliveries.inc({ event, outcome }),
  };

  /**
   * Reports the queue's depth at each scrape. A failure (the store is down) reports NaN: /readyz
   * says what is failing, and the scrape itself still succeeds.
   */
  measureQueue(depth: () => Promise<number>): void {
    new Gauge({
      name: 'depot_job_queue_depth',
      help: 'Jobs waiting for a worker (queued, including those waiting out a retry backoff).',
      registers: [this.registry],
      async collect() {
        this.set(await depth().catch(() => Number.NaN));
      },
    });
  }

  /** The exposition text: this server's metrics and the process's (Node's default metrics). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([this.registry, processRegistry()]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  #counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }
}
