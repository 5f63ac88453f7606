import type { Kysely, Migration } from 'kysely';

/**
 * Migrations of the plant tables (merged into the store's migration list in migrations.ts).
 * Names sort after the inventory's: '0003-feeds', '0004-findings', '0005-plant'.
 */
export const plantMigrations: Record<string, Migration> = {
  // The plant's own inventory (see schema-plant.ts). Keyed by position, not by a device key:
  // a spreadsheet may list a device twice or list one with nothing but a name. No asset foreign
  // key: a row may name a device never seen, and a re-analysis must not erase the plant's list.
  '0005-plant': {
    async up(db: Kysely<unknown>): Promise<void> {
      let t = db.schema
        .createTable('plant_assets')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('row_no', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull());
      for (const col of [
        'ip',
        'mac',
        'vendor',
        'model',
        'firmware',
        'serial',
        'location',
        'zone',
        'criticality',
        'owner',
      ]) {
        t = t.addColumn(col, 'text');
      }
      await t
        .addColumn('asset_key', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('plant_assets_asset_key').on('plant_assets').column('asset_key').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('plant_assets').execute();
    },
  },
};
