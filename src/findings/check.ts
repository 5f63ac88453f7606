import type { Advisory, DefaultCredential, KevEntry } from '../feeds/model.js';
import type { AnomalyRecord, AssetRecord, CredentialRecord, LinkRecord } from '../inventory/model.js';
import type { FindingDraft } from './model.js';

/** A row of the plant's own inventory (spreadsheet import), as stored. */
export interface PlantAssetRow {
  /** Row number in the imported file (1-based, header excluded), for evidence. */
  row: number;
  name: string;
  ip: string | null;
  mac: string | null;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  serial: string | null;
  location: string | null;
  zone: string | null;
  criticality: string | null;
  owner: string | null;
  /** The observed asset this row was matched to (by IP, MAC, serial or name), null when none. */
  assetKey: string | null;
}

/** Everything a check may read. Read-only: checks are pure. */
export interface CheckContext {
  assets: readonly AssetRecord[];
  links: readonly LinkRecord[];
  credentials: readonly CredentialRecord[];
  anomalies: readonly AnomalyRecord[];
  advisories: readonly Advisory[];
  kev: ReadonlyMap<string, KevEntry>;
  defaultCredentials: readonly DefaultCredential[];
  plantInventory: readonly PlantAssetRow[];
  /** Fingerprint a candidate secret with the inventory key (same function the dissectors used). */
  fingerprint(secret: string): string;
  /** Wall clock of this run (ISO), for expiry checks such as certificates. */
  now: string;
}

/**
 * A check: a stable id and revision, and a pure function from the context to findings. One
 * file per check or family under src/findings/checks/.
 */
export interface Check {
  readonly id: string;
  readonly revision: number;
  /** One line: what it looks for. */
  readonly summary: string;
  run(ctx: CheckContext): FindingDraft[];
}
