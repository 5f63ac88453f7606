import type { Kysely, Migration } from 'kysely';

/**
 * Migrations of the alerts tables (merged into the store's migration list in migrations.ts).
 * Alerts are keyed by their stable id (rule + aggregation key); lists are JSON text. No asset
 * foreign keys: an alert outlives (and may name hosts that never became) asset rows.
 */
export const alertsMigrations: Record<string, Migration> = {
  '0006-alerts': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('remediation', 'text', (c) => c.notNull())
        .addColumn('attack', 'text', (c) => c.notNull())
        .addColumn('assets', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('suppressed_by', 'text')
        .execute();
      await db.schema.createIndex('alerts_status').on('alerts').column('status').execute();

      await db.schema
        .createTable('alert_suppressions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule_id', 'text')
        .addColumn('assets', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('until', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('alert_suppressions').execute();
      await db.schema.dropTable('alerts').execute();
    },
  },
};
