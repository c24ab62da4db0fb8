import { type Kysely, Migrator, sql } from 'kysely';
import type { DatasetRepository } from '../../ports/dataset-repository.js';
import type { MetadataStore, TokenRepository } from '../../ports/metadata-store.js';
import { SqlJobRepository } from './job-repository.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { SqlTokenRepository } from './token-repository.js';
import { SqlUploadRepository } from './upload-repository.js';
import { SqlWebhookRepository } from './webhook-repository.js';

/**
 * The repositories over any Kysely dialect. SQLite and Postgres differ only in how they open a
 * connection and how they make `migrate` safe; the repositories (and every one another branch
 * adds here) are shared, so a new repository works on both with no extra work.
 */
export abstract class SqlMetadataStore implements MetadataStore {
  readonly uploads: SqlUploadRepository;
  readonly tokens: TokenRepository;
  readonly jobs: SqlJobRepository;
  readonly webhooks: SqlWebhookRepository;
  /** csv-import's tables: each dialect loads rows its own fastest way */
  abstract readonly datasets: DatasetRepository;
  protected readonly db: Kysely<Database>;

  /** `tokens` may wrap the token repository (a cache, where the store can tell it is fresh). */
  protected constructor(
    db: Kysely<Database>,
    tokens: (repository: TokenRepository) => TokenRepository = (repository) => repository,
  ) {
    this.db = db;
    this.uploads = new SqlUploadRepository(db);
    this.tokens = tokens(new SqlTokenRepository(db));
    this.jobs = new SqlJobRepository(db);
    this.webhooks = new SqlWebhookRepository(db);
  }

  abstract migrate(): Promise<void>;

  /** Applies every pending migration through `db` (a connection the subclass may have locked). */
  protected async migrateWith(db: Kysely<Database>): Promise<void> {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    if (error) throw error;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
