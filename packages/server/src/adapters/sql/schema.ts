/**
 * The tables as Kysely sees them, shared by every SQL dialect. Integers that can pass 2^31
 * (sizes, ms times) are `bigint` columns; Postgres drivers return those as strings, so rows go
 * through the mappers in rows.ts and nowhere else.
 */
export interface Database {
  uploads: UploadsTable;
  upload_parts: UploadPartsTable;
  tokens: TokensTable;
  jobs: JobsTable;
  job_errors: JobErrorsTable;
  datasets: DatasetsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

/** bigint columns: a number going in, a number or (Postgres) a string coming out */
type BigIntColumn = number | string;

export interface UploadsTable {
  id: string;
  owner: string;
  length: BigIntColumn | null;
  offset: BigIntColumn;
  /** JSON object of the tus Upload-Metadata pairs */
  metadata: string;
  name: string | null;
  type: string | null;
  concat: 'partial' | 'final' | null;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
  expires_at: BigIntColumn | null;
  finished_at: BigIntColumn | null;
  sha256: string | null;
  /** a deferred upload's quota reservation while a write is in flight (an offset), else null */
  reserved: BigIntColumn | null;
}

/** The parts of a final upload, in order; looked up by part to finish finals when a part does. */
export interface UploadPartsTable {
  final_id: string;
  part_id: string;
  position: number;
}

export interface TokensTable {
  id: string;
  name: string;
  owner: string;
  hash: string;
  /** 0 or 1: the same integer in every dialect */
  admin: number;
  quota: BigIntColumn | null;
  created_at: BigIntColumn;
  revoked_at: BigIntColumn | null;
}

export interface JobsTable {
  id: string;
  owner: string;
  type: string;
  input_file_id: string;
  /** JSON */
  params: string;
  state: string;
  /** JSON {bytesDone, bytesTotal, rowsDone, errorCount} */
  progress: string;
  /** JSON, the processor's resume point */
  checkpoint: string | null;
  output_file_id: string | null;
  /** JSON {code, message} */
  error: string | null;
  attempts: number;
  run_after: BigIntColumn;
  lease: string | null;
  /** when `lease` lapses unless renewed (0005-job-leases); null with a lease: lapsed */
  lease_expires_at: BigIntColumn | null;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
  started_at: BigIntColumn | null;
  finished_at: BigIntColumn | null;
}

export interface JobErrorsTable {
  job_id: string;
  row: BigIntColumn;
  raw: string;
  reason: string;
}

export interface DatasetsTable {
  id: string;
  owner: string;
  name: string;
  /** JSON [{name, type, required}] */
  columns: string;
  /** JSON [name] */
  keys: string;
  created_at: BigIntColumn;
}

export interface WebhooksTable {
  id: string;
  owner: string;
  url: string;
  /** JSON [event type] */
  events: string;
  secret: string;
  created_at: BigIntColumn;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  owner: string;
  event_id: string;
  event_type: string;
  body: string;
  state: string;
  attempts: number;
  next_attempt_at: BigIntColumn | null;
  lease: string | null;
  lease_until: BigIntColumn | null;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: BigIntColumn;
  duration_ms: number;
  status: number | null;
  error: string | null;
  next_attempt_at: BigIntColumn | null;
}
