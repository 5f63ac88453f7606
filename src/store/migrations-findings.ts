import type { Kysely, Migration } from 'kysely';

/**
 * Migrations of the findings tables (merged into the store's migration list in migrations.ts).
 * Names sort after the inventory's: '0003-feeds', '0004-findings', '0005-plant'.
 */
export const findingsMigrations: Record<string, Migration> = {
  // One row per finding, keyed by its stable id. Lists and objects are JSON text; the lifecycle
  // columns are plain so a reader can query status without parsing JSON. No asset foreign key: a
  // finding outlives (and may predate) the asset rows it names.
  '0004-findings': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('findings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('rule_revision', 'integer', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('remediation', 'text', (c) => c.notNull())
        .addColumn('asset_keys', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('refs', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('status_until', 'text')
        .addColumn('first_found_at', 'text', (c) => c.notNull())
        .addColumn('last_found_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .execute();
      await db.schema.createIndex('findings_status').on('findings').column('status').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('findings').execute();
    },
  },
};
