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
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
