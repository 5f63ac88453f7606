import type {
  AnalysisRecord,
  AnomalyRecord,
  AssetRecord,
  Classification,
  CredentialRecord,
  InventorySnapshot,
  LinkRecord,
} from '../inventory/model.js';

/**
 * The store's contract. Only `store/` knows SQL; everything else talks to this interface.
 * Implementations: SQLite (embedded default) and, later, PostgreSQL, both through Kysely and
 * both tested by the same contract suite.
 */
export interface InventoryRepository {
  /**
   * Merge one analysis into the stored inventory, in one transaction:
   * assets upsert by key (ips/vlans unioned, counters added, first/last seen widened);
   * facts upsert by (asset, field, value, protocol, source) (count added, seen widened);
   * roles upsert by (asset, protocol, role, transport, port) (peers = max, flows added);
   * links upsert by (client, server, protocol, transport, port) (counters and ops added);
   * anomalies upsert by (code, protocol, asset) (count added, example kept from the first);
   * credentials upsert by (client, server, protocol, mechanism, user, fingerprint, source)
   * (counts added, cleartext = either, seen widened).
   * The analysis row is recorded; merging the same analysis id twice is refused (returns false).
   */
  mergeSnapshot(snapshot: InventorySnapshot): Promise<boolean>;
  listAssets(): Promise<AssetRecord[]>;
  /** Find by key, IP or MAC (any case/separator). */
  findAsset(query: string): Promise<AssetRecord | null>;
  setClassifications(items: { key: string; classification: Classification }[]): Promise<void>;
  listLinks(): Promise<LinkRecord[]>;
  listAnomalies(): Promise<AnomalyRecord[]>;
  listAnalyses(): Promise<AnalysisRecord[]>;
  listCredentials(): Promise<CredentialRecord[]>;
  /**
   * The inventory's secret key for credential fingerprints (32 random bytes), created on first
   * use and kept in the database, so the same password gives the same fingerprint in every
   * analysis into this inventory and in no other.
   */
  credentialKey(): Promise<Uint8Array>;
  close(): Promise<void>;
}
