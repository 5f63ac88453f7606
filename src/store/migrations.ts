import { type Kysely, type Migration, type MigrationResult, Migrator } from 'kysely';
import { alertsMigrations } from './migrations-alerts.js';
import { baselineMigrations } from './migrations-baseline.js';
import { feedsMigrations } from './migrations-feeds.js';
import { findingsMigrations } from './migrations-findings.js';
import { plantMigrations } from './migrations-plant.js';

/**
 * Schema migrations as code, one entry per version, applied in name order by Kysely's Migrator
 * (recorded in its `kysely_migration` table). Written once for both dialects with Kysely's
 * schema builder: only `text`, `integer`, `bigint` and `double precision` columns, which
 * SQLite maps to TEXT/INTEGER/INTEGER/REAL affinity. Never edit a released migration; add one.
 */
export const migrations: Record<string, Migration> = {
  '0001-inventory': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('analyses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text', (c) => c.notNull())
        .addColumn('packets', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('first_packet_us', 'bigint', (c) => c.notNull())
        .addColumn('last_packet_us', 'bigint', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('assets')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('mac', 'text')
        .addColumn('is_router', 'integer', (c) => c.notNull())
        .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('packets_sent', 'bigint', (c) => c.notNull())
        .addColumn('packets_received', 'bigint', (c) => c.notNull())
        .addColumn('bytes_sent', 'bigint', (c) => c.notNull())
        .addColumn('bytes_received', 'bigint', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('role_confidence', 'double precision', (c) => c.notNull())
        .addColumn('role_reasons', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('assets_mac').on('assets').column('mac').execute();

      await db.schema
        .createTable('asset_ips')
        .addColumn('asset_key', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_ips_pk', ['asset_key', 'ip'])
        .addForeignKeyConstraint('asset_ips_asset_fk', ['asset_key'], 'assets', ['key'], (fk) => fk.onDelete('cascade'))
        .execute();
      await db.schema.createIndex('asset_ips_ip').on('asset_ips').column('ip').execute();

      await db.schema
        .createTable('asset_vlans')
        .addColumn('asset_key', 'text', (c) => c.notNull())
        .addColumn('vlan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_vlans_pk', ['asset_key', 'vlan'])
        .addForeignKeyConstraint('asset_vlans_asset_fk', ['asset_key'], 'assets', ['key'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();

      // The identity is (asset_key, field, value, protocol, source), but values are network data
      // of any length and PostgreSQL's btree rejects index rows over ~2.7 KB, so the unique key is
      // the asset plus a sha-256 of the identity.
      await db.schema
        .createTable('asset_facts')
        .addColumn('asset_key', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('precedence', 'integer', (c) => c.notNull())
        .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_facts_pk', ['asset_key', 'id'])
        .addForeignKeyConstraint('asset_facts_asset_fk', ['asset_key'], 'assets', ['key'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('asset_roles')
        .addColumn('asset_key', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('peers', 'integer', (c) => c.notNull())
        .addColumn('flows', 'bigint', (c) => c.notNull())
        .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_us', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('asset_roles_pk', ['asset_key', 'protocol', 'role', 'transport', 'port'])
        .addForeignKeyConstraint('asset_roles_asset_fk', ['asset_key'], 'assets', ['key'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();

      // Links name assets by key without a foreign key: a link may be merged before (or without)
      // the asset rows of its ends, and deleting an asset must not erase traffic history. No
      // index on client_key/server_key yet: nothing queries links by asset, and two more btrees
      // per row cost a third of the merge time; add them with the first query that needs them.
      await db.schema
        .createTable('links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client_key', 'text', (c) => c.notNull())
        .addColumn('server_key', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('flows', 'bigint', (c) => c.notNull())
        .addColumn('packets', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_us', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('link_ops')
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('op', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('link_ops_pk', ['link_id', 'op'])
        .addForeignKeyConstraint('link_ops_link_fk', ['link_id'], 'links', ['id'], (fk) => fk.onDelete('cascade'))
        .execute();

      await db.schema
        .createTable('anomalies')
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('asset_key', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('example', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('anomalies_pk', ['code', 'protocol', 'asset_key'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'anomalies',
        'link_ops',
        'links',
        'asset_roles',
        'asset_facts',
        'asset_vlans',
        'asset_ips',
        'assets',
        'analyses',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },

  // Credentials seen on the wire (secrets only as keyed fingerprints) and the per-inventory
  // settings that hold the fingerprint key.
  '0002-credentials': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Keyed like links: user names and sources are network data of any length, so the primary
      // key is a sha-256 of the identity and the natural columns sit beside it. No asset foreign
      // keys, as for links: a credential may arrive before, or without, the rows of its ends.
      await db.schema
        .createTable('credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client_key', 'text', (c) => c.notNull())
        .addColumn('server_key', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('mechanism', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('secret_fingerprint', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('cleartext', 'integer', (c) => c.notNull())
        .addColumn('successes', 'bigint', (c) => c.notNull())
        .addColumn('failures', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_seen_us', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_us', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('settings').execute();
      await db.schema.dropTable('credentials').execute();
    },
  },
  ...feedsMigrations,
  ...findingsMigrations,
  ...plantMigrations,
  ...alertsMigrations,
  ...baselineMigrations,
};

/**
 * Kysely Migrator over the in-code `migrations` (no files are read at run time). On PostgreSQL
 * pass the schema the tables live in: without it Kysely's check for its own bookkeeping tables
 * also sees those of other stores in other schemas of the same database.
 */
export function createMigrator<DB>(db: Kysely<DB>, schema?: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/** Bring the database to the latest schema; returns the migrations applied now (none if current). */
export async function migrateToLatest<DB>(db: Kysely<DB>, schema?: string): Promise<MigrationResult[]> {
  const { error, results } = await createMigrator(db, schema).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `migration ${failed.migrationName} failed: ${why}` : `migration failed: ${why}`);
  }
  return results ?? [];
}
