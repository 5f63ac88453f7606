import type { Kysely, Migration } from 'kysely';

/**
 * Migrations of the feeds tables (merged into the store's migration list in migrations.ts).
 * Names sort after the inventory's: '0003-feeds', '0004-findings', '0005-plant'.
 *
 * '0003-feeds': imported feed files and what they held (see schema-feeds.ts). Advisory and
 * product ids are capped at 200 characters by the CSAF reader, so they can be natural keys
 * (PostgreSQL's btree limit is about 2.7 KB); default credentials are keyed by a hash of their
 * identity because their texts are free-form. No foreign keys to feed_sources: an advisory is
 * replaced by a newer file while the older file stays listed as imported.
 */
export const feedsMigrations: Record<string, Migration> = {
  '0003-feeds': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('feed_sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .addColumn('document_date', 'text')
        .addColumn('records', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('advisories')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('source_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('publisher', 'text', (c) => c.notNull())
        .addColumn('published', 'text')
        .addColumn('updated', 'text')
        .addColumn('cvss_score', 'double precision')
        .addColumn('cvss_vector', 'text')
        .addColumn('cwes', 'text', (c) => c.notNull())
        .addColumn('remediations', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .execute();

      await db.schema
        .createTable('advisory_products')
        .addColumn('advisory_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('models', 'text', (c) => c.notNull())
        .addColumn('affected', 'text', (c) => c.notNull())
        .addColumn('fixed_version', 'text')
        .addColumn('cpe', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('advisory_products_pk', ['advisory_id', 'product_id'])
        .addForeignKeyConstraint('advisory_products_advisory_fk', ['advisory_id'], 'advisories', ['id'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('advisory_cves')
        .addColumn('advisory_id', 'text', (c) => c.notNull())
        .addColumn('cve', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('advisory_cves_pk', ['advisory_id', 'cve'])
        .addForeignKeyConstraint('advisory_cves_advisory_fk', ['advisory_id'], 'advisories', ['id'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();
      await db.schema.createIndex('advisory_cves_cve').on('advisory_cves').column('cve').execute();

      await db.schema
        .createTable('kev')
        .addColumn('cve', 'text', (c) => c.primaryKey())
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('date_added', 'text', (c) => c.notNull())
        .addColumn('due_date', 'text')
        .addColumn('known_ransomware', 'integer', (c) => c.notNull())
        .addColumn('required_action', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('default_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('list', 'text', (c) => c.notNull())
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('password', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('access', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'default_credentials',
        'kev',
        'advisory_cves',
        'advisory_products',
        'advisories',
        'feed_sources',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
};
