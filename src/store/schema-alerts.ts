import type { Database } from './schema.js';

/**
 * The alerts tables as Kysely sees them (migration 0006-alerts), on both databases. Text columns
 * hold `encodeText` form (see kysely-repository.ts); lists are JSON text. Alert times are packet
 * times in µs; suppression times are ISO wall-clock strings (people set them).
 */
export interface AlertsTable {
  /** sha256(rule_id + '\0' + key), hex, first 20 characters. */
  id: string;
  rule_id: string;
  revision: number;
  /** Aggregation key within the rule. */
  key: string;
  /** 'critical' | 'high' | 'medium' | 'low' | 'info'. */
  severity: string;
  title: string;
  remediation: string;
  /** JSON array of ATT&CK for ICS technique ids. */
  attack: string;
  /** JSON array of asset keys (or IPs that resolved to none). */
  assets: string;
  count: number;
  first_seen_us: number;
  last_seen_us: number;
  /** JSON array of the newest evidence lines (at most 10), newest last. */
  evidence: string;
  protocol: string | null;
  /** 'open' | 'acknowledged' | 'closed'. */
  status: string;
  suppressed_by: string | null;
}

export interface AlertSuppressionsTable {
  id: string;
  /** null = every rule. */
  rule_id: string | null;
  /** JSON array of asset keys or IPs; [] = every asset. */
  assets: string;
  reason: string;
  /** ISO date or date-time after which it no longer applies. */
  until: string;
  created_at: string;
}

export interface AlertsDatabase extends Database {
  alerts: AlertsTable;
  alert_suppressions: AlertSuppressionsTable;
}
