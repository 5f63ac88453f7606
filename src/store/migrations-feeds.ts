import type { Migration } from 'kysely';

/**
 * Migrations of the feeds tables (merged into the store's migration list in migrations.ts).
 * Names sort after the inventory's: '0003-feeds', '0004-findings', '0005-plant'.
 */
export const feedsMigrations: Record<string, Migration> = {};
