import type { Kysely, Migration } from 'kysely';

/** Migrations of the baseline tables (merged into the store's migration list in migrations.ts). */
export const baselineMigrations: Record<string, Migration> = {
  // The learning state (one row) and the learned statistics as JSON documents per (kind, key):
  // see schema-baseline.ts. No foreign keys: the baseline outlives the inventory's rows.
  '0007-baseline': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('baseline_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('learn_until_us', 'bigint')
        .addColumn('started_at', 'text')
        .addColumn('frozen_at', 'text')
        .execute();
      await db.schema
        .createTable('baseline_stats')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('baseline_stats_pk', ['kind', 'key'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('baseline_stats').execute();
      await db.schema.dropTable('baseline_state').execute();
    },
  },
};
