import type { PlantAssetRow } from '../findings/check.js';

/** The plant's own inventory as imported from its spreadsheet (replaced whole on each import). */
export interface PlantInventoryRepository {
  replacePlantInventory(rows: PlantAssetRow[], source: string): Promise<void>;
  listPlantInventory(): Promise<PlantAssetRow[]>;
}
