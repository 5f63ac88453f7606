import type { Database } from './schema.js';

/**
 * The findings table as Kysely sees it (migration 0004-findings), on both databases. Text columns
 * hold `encodeText` form (see kysely-repository.ts); lists and objects are JSON text. Times are
 * ISO wall-clock strings (findings belong to runs, not packets).
 */
export interface FindingsTable {
  /** sha256(rule_id + '\0' + scope), hex, first 20 characters. */
  id: string;
  rule_id: string;
  rule_revision: number;
  scope: string;
  /** 'critical' | 'high' | 'medium' | 'low' | 'info'. */
  severity: string;
  title: string;
  description: string;
  remediation: string;
  /** JSON array of asset keys. */
  asset_keys: string;
  /** JSON array of FindingEvidence. */
  evidence: string;
  /** JSON array of FindingReference (`references` is a reserved word in SQL). */
  refs: string;
  /** 0-10. */
  score: number;
  /** 'open' | 'acknowledged' | 'resolved' | 'accepted'. */
  status: string;
  status_reason: string | null;
  /** ISO date an accepted risk stands until. */
  status_until: string | null;
  first_found_at: string;
  last_found_at: string;
  resolved_at: string | null;
}

export interface FindingsDatabase extends Database {
  findings: FindingsTable;
}
