import type { ColumnType } from 'kysely';

/**
 * The store's tables as Kysely sees them. One schema for SQLite and PostgreSQL (see
 * migrations.ts, which creates exactly these columns; `credentials` and `settings` come from 0002).
 *
 * Conventions:
 * - Times are integer microseconds since the Unix epoch (`*_us`), 64-bit (`bigint` in
 *   PostgreSQL, INTEGER in SQLite). PostgreSQL drivers may hand 64-bit integers back as
 *   strings, so their select type is `number | string`; the repository converts with Number().
 * - Booleans are integers 0/1 (one representation on both databases).
 * - Lists and objects are JSON text (`role_reasons`, `summary`).
 * - Text that PostgreSQL cannot hold (NUL, lone surrogates) is stored escaped; see `encodeText`
 *   in kysely-repository.ts. Read it through the repository, not raw SQL, to get it back exactly.
 * - "No asset" in `anomalies.asset_key` and `credentials.client_key/server_key`, and "no secret" in
 *   `credentials.secret_fingerprint`, are '' rather than NULL, so keys work alike on both.
 */
export type Int64 = ColumnType<number | string, number, number>;

export interface AnalysesTable {
  id: string;
  source: string;
  format: string;
  started_at: string;
  finished_at: string;
  packets: Int64;
  bytes: Int64;
  first_packet_us: Int64;
  last_packet_us: Int64;
  /** JSON object. */
  summary: string;
}

export interface AssetsTable {
  key: string;
  mac: string | null;
  /** 0 or 1. */
  is_router: number;
  first_seen_us: Int64;
  last_seen_us: Int64;
  packets_sent: Int64;
  packets_received: Int64;
  bytes_sent: Int64;
  bytes_received: Int64;
  role: string;
  role_confidence: number;
  /** JSON array of strings. */
  role_reasons: string;
}

export interface AssetIpsTable {
  asset_key: string;
  ip: string;
}

export interface AssetVlansTable {
  asset_key: string;
  vlan: number;
}

export interface AssetFactsTable {
  asset_key: string;
  /** sha-256 (base64url) of the identity (asset_key, field, value, protocol, source). */
  id: string;
  field: string;
  value: string;
  protocol: string;
  source: string;
  precedence: number;
  first_seen_us: Int64;
  last_seen_us: Int64;
  count: Int64;
}

export interface AssetRolesTable {
  asset_key: string;
  protocol: string;
  role: string;
  transport: string;
  port: number;
  peers: number;
  flows: Int64;
  first_seen_us: Int64;
  last_seen_us: Int64;
}

export interface LinksTable {
  /** sha-256 (base64url) of the identity (client_key, server_key, protocol, transport, port). */
  id: string;
  client_key: string;
  server_key: string;
  protocol: string;
  transport: string;
  port: number;
  flows: Int64;
  packets: Int64;
  bytes: Int64;
  first_seen_us: Int64;
  last_seen_us: Int64;
}

export interface LinkOpsTable {
  link_id: string;
  op: string;
  count: Int64;
}

export interface AnomaliesTable {
  code: string;
  protocol: string;
  /** '' when the anomaly is not attributed to an asset. */
  asset_key: string;
  count: Int64;
  first_seen_us: Int64;
  last_seen_us: Int64;
  example: string;
}

export interface CredentialsTable {
  /**
   * sha-256 (base64url) of the identity (client_key, server_key, protocol, mechanism, user_name,
   * secret_fingerprint, source), with '' for a null key or fingerprint.
   */
  id: string;
  /** '' when the presenter is not an asset. */
  client_key: string;
  /** '' when the target is not an asset. */
  server_key: string;
  protocol: string;
  mechanism: string;
  /** `CredentialRecord.user` (not `user`: a reserved word in PostgreSQL, where `select user` is the session user). */
  user_name: string;
  /** Keyed fingerprint of the secret (never the secret); '' when no secret was seen. */
  secret_fingerprint: string;
  source: string;
  /** 0 or 1. */
  cleartext: number;
  successes: Int64;
  failures: Int64;
  count: Int64;
  first_seen_us: Int64;
  last_seen_us: Int64;
}

/** Per-inventory settings; `credential_key` holds the fingerprint key (64 hex characters). */
export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  analyses: AnalysesTable;
  assets: AssetsTable;
  asset_ips: AssetIpsTable;
  asset_vlans: AssetVlansTable;
  asset_facts: AssetFactsTable;
  asset_roles: AssetRolesTable;
  links: LinksTable;
  link_ops: LinkOpsTable;
  anomalies: AnomaliesTable;
  credentials: CredentialsTable;
  settings: SettingsTable;
}
