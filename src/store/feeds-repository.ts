import type { Advisory, DefaultCredential, FeedSource, KevEntry } from '../feeds/model.js';

/** Imported feeds, in the same database as the inventory (SQLite or PostgreSQL). */
export interface FeedsRepository {
  /** Is a source with this id (sha256 of the file) already imported? */
  hasSource(id: string): Promise<boolean>;
  /**
   * Store one source and its records in one transaction. Advisories upsert by id (a newer
   * revision replaces the products of the older); KEV entries by CVE; default credentials
   * by (list, vendor, product, user, password, protocol).
   */
  importSource(
    source: FeedSource,
    records: { advisories?: Advisory[]; kev?: KevEntry[]; defaultCredentials?: DefaultCredential[] },
  ): Promise<void>;
  listSources(): Promise<FeedSource[]>;
  /** Counts and newest dates, for `plantwarden feeds`. */
  summary(): Promise<{
    advisories: number;
    products: number;
    cves: number;
    kev: number;
    defaultCredentials: number;
    newest: string | null;
  }>;
  listAdvisories(): Promise<Advisory[]>;
  listKev(): Promise<KevEntry[]>;
  listDefaultCredentials(): Promise<DefaultCredential[]>;
}
