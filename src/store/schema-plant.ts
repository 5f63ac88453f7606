/**
 * The plant inventory table as Kysely sees it (created by migration '0005-plant'). Conventions
 * as in schema.ts: text escaped by `encodeText` where PostgreSQL cannot hold it, no booleans.
 *
 * `plant_assets` holds the rows of the last import, replaced whole on each import:
 * - `seq`: position in the import (0-based), the primary key and the listing order;
 * - `row_no`: `PlantAssetRow.row`, the row number in the imported file (1-based, header excluded);
 * - `name` (never null, '' when the row had none) and the ten optional columns of `PlantAssetRow`;
 * - `asset_key`: the observed asset the row was matched to at import, null when none;
 * - `source`: what was imported (file name and sha-256), the same on every row.
 */
export interface PlantAssetsTable {
  seq: number;
  row_no: number;
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
  asset_key: string | null;
  source: string;
}

export interface PlantDatabase {
  plant_assets: PlantAssetsTable;
}
