import type { Kysely, Migration, MigrationProvider } from 'kysely';

/**
 * The schema history, in code so the build carries it (no migration files to ship or find).
 * Names sort in order of application. Never edit a migration that has shipped; add one.
 * Only portable types: SQLite and Postgres run the same migrations.
 */
const migrations: Record<string, Migration> = {
  '0001-uploads-and-tokens': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('length', 'bigint')
        .addColumn('offset', 'bigint', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('concat', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('sha256', 'text')
        .execute();
      // the expiry sweeper's scan: unfinished uploads by expiry
      await db.schema.createIndex('uploads_expires_at').on('uploads').column('expires_at').execute();
      await db.schema
        .createTable('upload_parts')
        .addColumn('final_id', 'text', (c) => c.notNull())
        .addColumn('part_id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('upload_parts_pk', ['final_id', 'position'])
        .execute();
      await db.schema.createIndex('upload_parts_part_id').on('upload_parts').column('part_id').execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('admin', 'integer', (c) => c.notNull())
        .addColumn('quota', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '0002-files-name-type-listing': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
    async up(db: Kysely<any>) {
      // The file's name and type as columns, so listings can filter on them in SQL.
      await db.schema.alterTable('uploads').addColumn('name', 'text').execute();
      await db.schema.alterTable('uploads').addColumn('type', 'text').execute();
      const rows: { id: string; metadata: string }[] = await db
        .selectFrom('uploads')
        .select(['id', 'metadata'])
        .execute();
      for (const row of rows) {
        const m = JSON.parse(row.metadata) as Record<string, string | null>;
        const name = m.filename ?? m.name ?? null;
        const raw = (m.filetype ?? m.type ?? m.contentType ?? '').trim().toLowerCase();
        // the rule of core/file-metadata.ts as it stood when this migration shipped
        const type = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(raw)
          ? raw
          : null;
        if (name !== null || type !== null) {
          await db.updateTable('uploads').set({ name, type }).where('id', '=', row.id).execute();
        }
      }
      // an owner's files, newest first (the listing's order and its cursor)
      await db.schema
        .createIndex('uploads_owner_created')
        .on('uploads')
        .columns(['owner', 'created_at', 'id'])
        .execute();
    },
  },
  '0003-jobs-and-datasets': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('input_file_id', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('progress', 'text', (c) => c.notNull())
        .addColumn('checkpoint', 'text')
        .addColumn('output_file_id', 'text')
        .addColumn('error', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('run_after', 'bigint', (c) => c.notNull())
        .addColumn('lease', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .execute();
      // the API's listing (an owner's jobs, newest first) and the workers' scan (queued by age)
      await db.schema.createIndex('jobs_owner').on('jobs').columns(['owner', 'created_at']).execute();
      await db.schema.createIndex('jobs_state').on('jobs').columns(['state', 'run_after']).execute();
      await db.schema
        .createTable('job_errors')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('row', 'bigint', (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('job_errors_pk', ['job_id', 'row'])
        .execute();
      await db.schema
        .createTable('datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('columns', 'text', (c) => c.notNull())
        .addColumn('keys', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('datasets_owner_name', ['owner', 'name'])
        .execute();
    },
  },
  '0004-webhooks': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhooks_owner').on('webhooks').columns(['owner', 'created_at']).execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('lease', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // an event reaches each webhook once, however often it is announced
        .addUniqueConstraint('webhook_deliveries_event', ['webhook_id', 'event_id'])
        .execute();
      // the dispatcher's scan (pending by due time) and the delivery log (a webhook's, newest first)
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['state', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_log')
        .on('webhook_deliveries')
        .columns(['webhook_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createTable('webhook_attempts')
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('error', 'text')
        .addColumn('next_attempt_at', 'bigint')
        .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
        .execute();
    },
  },
  '0005-job-leases': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
    async up(db: Kysely<any>) {
      // A lease now lapses unless its worker renews it, so a job held by a dead node is taken back
      // by a live one (stalled-job recovery). Existing leases get no expiry: they count as lapsed.
      await db.schema.alterTable('jobs').addColumn('lease_expires_at', 'bigint').execute();
      // the sweep for lapsed leases
      await db.schema.createIndex('jobs_lease_expires').on('jobs').column('lease_expires_at').execute();
    },
  },
  '0007-upload-reservations': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
    async up(db: Kysely<any>) {
      // While a deferred-length upload writes, the offset it may reach under its owner's quota:
      // counted in the owner's usage so two concurrent deferred uploads cannot share the same room.
      await db.schema.alterTable('uploads').addColumn('reserved', 'bigint').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
