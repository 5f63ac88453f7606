import type { Kysely } from 'kysely';
import type { PlantAssetRow } from '../findings/check.js';
import { decodeText, encodeText } from './kysely-repository.js';
import type { PlantInventoryRepository } from './plant-repository.js';
import type { PlantAssetsTable, PlantDatabase } from './schema-plant.js';

/** Bound parameters per statement, as in kysely-repository.ts (under SQLite's and PostgreSQL's limits). */
const PARAM_BUDGET = 32000;
const COLUMNS = 15;
const BATCH = Math.floor(PARAM_BUDGET / COLUMNS);

function text(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : encodeText(s);
}
function untext(s: string | null): string | null {
  return s === null ? null : decodeText(s);
}
/** A row number as a safe integer (NaN and out-of-range values become 0). */
function int(n: number): number {
  return Number.isSafeInteger(n)
    ? n
    : Number.isFinite(n)
      ? Math.trunc(Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, n)))
      : 0;
}

/**
 * The plant inventory on either database, over the store's Kysely handle:
 * `new KyselyPlantRepository(store.db as unknown as Kysely<PlantDatabase>)`.
 * Rows are stored in the order given and listed back in that order, text exactly as given.
 */
export class KyselyPlantRepository implements PlantInventoryRepository {
  constructor(private readonly db: Kysely<PlantDatabase>) {}

  /** Replace the whole plant inventory with `rows` in one transaction (multi-row inserts in batches). */
  async replacePlantInventory(rows: PlantAssetRow[], source: string): Promise<void> {
    const src = encodeText(source);
    const values: PlantAssetsTable[] = rows.map((r, seq) => ({
      seq,
      row_no: int(r.row),
      name: encodeText(r.name ?? ''),
      ip: text(r.ip),
      mac: text(r.mac),
      vendor: text(r.vendor),
      model: text(r.model),
      firmware: text(r.firmware),
      serial: text(r.serial),
      location: text(r.location),
      zone: text(r.zone),
      criticality: text(r.criticality),
      owner: text(r.owner),
      asset_key: text(r.assetKey),
      source: src,
    }));
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('plant_assets').execute();
      for (let i = 0; i < values.length; i += BATCH) {
        await trx
          .insertInto('plant_assets')
          .values(values.slice(i, i + BATCH))
          .execute();
      }
    });
  }

  async listPlantInventory(): Promise<PlantAssetRow[]> {
    const rows = await this.db.selectFrom('plant_assets').selectAll().orderBy('seq').execute();
    return rows.map(
      (r): PlantAssetRow => ({
        row: Number(r.row_no),
        name: decodeText(r.name),
        ip: untext(r.ip),
        mac: untext(r.mac),
        vendor: untext(r.vendor),
        model: untext(r.model),
        firmware: untext(r.firmware),
        serial: untext(r.serial),
        location: untext(r.location),
        zone: untext(r.zone),
        criticality: untext(r.criticality),
        owner: untext(r.owner),
        assetKey: untext(r.asset_key),
      }),
    );
  }

  /** What the current plant inventory was imported from (the `source` given), null when none. */
  async plantInventorySource(): Promise<string | null> {
    const r = await this.db.selectFrom('plant_assets').select('source').orderBy('seq').limit(1).executeTakeFirst();
    return r === undefined ? null : decodeText(r.source);
  }
}
