import type { Migration } from 'kysely';

/** Migrations of the baseline tables (merged into the store's migration list in migrations.ts). */
export const baselineMigrations: Record<string, Migration> = {};
