import type { Migration } from 'kysely';

/** Migrations of the alerts tables (merged into the store's migration list in migrations.ts). */
export const alertsMigrations: Record<string, Migration> = {};
