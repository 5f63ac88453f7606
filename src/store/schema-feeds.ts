/**
 * Kysely table types of the feeds tables (migration '0003-feeds' in migrations-feeds.ts).
 * Same conventions as schema.ts: text escaped by `encodeText` where it came from a file,
 * booleans 0/1, lists and objects JSON text, dates ISO 8601 text.
 */

/** One imported file (or archive member). */
export interface FeedSourcesTable {
  /** sha256 (hex) of the file's bytes. */
  id: string;
  kind: string;
  path: string;
  imported_at: string;
  document_date: string | null;
  records: number;
}

export interface AdvisoriesTable {
  /** CSAF tracking id. */
  id: string;
  /** The feed source that last wrote this advisory. */
  source_id: string;
  title: string;
  publisher: string;
  published: string | null;
  updated: string | null;
  cvss_score: number | null;
  cvss_vector: string | null;
  /** JSON array of 'CWE-n'. */
  cwes: string;
  /** JSON array of { category, text, productIds, url }. */
  remediations: string;
  url: string | null;
}

export interface AdvisoryProductsTable {
  advisory_id: string;
  product_id: string;
  vendor: string;
  product: string;
  /** JSON array of strings. */
  models: string;
  /** JSON array of VersionRange. */
  affected: string;
  fixed_version: string | null;
  cpe: string | null;
  status: string;
}

export interface AdvisoryCvesTable {
  advisory_id: string;
  cve: string;
}

export interface KevTable {
  cve: string;
  vendor: string;
  product: string;
  name: string;
  date_added: string;
  due_date: string | null;
  /** 0 or 1. */
  known_ransomware: number;
  required_action: string;
}

export interface DefaultCredentialsTable {
  /** sha-256 (base64url) of (list, vendor, product, user, password, protocol). */
  id: string;
  list: string;
  vendor: string;
  product: string;
  user_name: string;
  password: string;
  protocol: string;
  access: string;
}

export interface FeedsDatabase {
  feed_sources: FeedSourcesTable;
  advisories: AdvisoriesTable;
  advisory_products: AdvisoryProductsTable;
  advisory_cves: AdvisoryCvesTable;
  kev: KevTable;
  default_credentials: DefaultCredentialsTable;
}
