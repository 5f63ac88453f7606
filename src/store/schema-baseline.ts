/**
 * The baseline tables as Kysely sees them (created by migration '0007-baseline'). Conventions as
 * in schema.ts: text escaped by `encodeText` where PostgreSQL cannot hold it, no booleans.
 *
 * `baseline_state` holds one row (`id` = 1) with the learning state (`BaselineState`):
 * - `mode`: 'off' | 'learning' | 'frozen';
 * - `learn_until_us`: packet time (µs) at which learning freezes by itself, null = until told;
 * - `started_at` / `frozen_at`: ISO times (wall clock) of the transitions, null when not yet.
 *
 * `baseline_stats` holds the learned statistics as opaque JSON documents keyed by
 * (`kind`, `key`); only src/baseline knows their shape (see src/baseline/README.md).
 */
export interface BaselineStateTable {
  id: number;
  mode: string;
  learn_until_us: number | null;
  started_at: string | null;
  frozen_at: string | null;
}

export interface BaselineStatsTable {
  kind: string;
  key: string;
  value: string;
}

export interface BaselineDatabase {
  baseline_state: BaselineStateTable;
  baseline_stats: BaselineStatsTable;
}
