import type { PlantAssetRow } from '../findings/check.js';
import type { AssetRecord, FactRecord } from './model.js';
import { matchPlantRows, PLANT_FIELDS, PLANT_PROTOCOL, type PlantField, wireFacts } from './plant-import.js';

/**
 * The plant inventory written back in its own layout: the eleven columns of the import
 * (name, ip, mac, vendor, model, firmware, serial, location, zone, criticality, owner), then
 * `source_<field>` for each saying where the value came from, then `asset_key` and `role` of the
 * observed asset (empty for a listed device never seen).
 *
 * Rows: first every row of the plant inventory in its order (matched again against the assets
 * as they are now), then every observed asset no row lists. A value is the plant's where it
 * attested one, else the best observed value. Sources:
 * - `plant-inventory`: the spreadsheet said so;
 * - a protocol name (`s7comm`, `enip`, `dhcp`, `lldp`...): the best-precedence fact seen on the wire;
 * - `oui`: the vendor of the MAC address's registered prefix;
 * - `observed`: the IP or MAC address the device used on the wire.
 * Importing the export gives back the plant's rows unchanged (the `source_*`, `asset_key` and
 * `role` columns are ignored on import).
 */

export const PLANT_SOURCE = PLANT_PROTOCOL;
export const OBSERVED_SOURCE = 'observed';

export const PLANT_EXPORT_COLUMNS: readonly string[] = [
  ...PLANT_FIELDS,
  ...PLANT_FIELDS.map((f) => `source_${f}`),
  'asset_key',
  'role',
];

export interface PlantExportRow {
  values: Record<PlantField, string | null>;
  sources: Record<PlantField, string | null>;
  /** The observed asset, null for a listed device never seen. */
  assetKey: string | null;
  role: string | null;
  /** The plant inventory row it comes from, null for an observed asset no row lists. */
  plantRow: number | null;
}

/** Observed fields for each plant field, in order of preference. */
const WIRE_FIELDS: Partial<Record<PlantField, string[]>> = {
  name: ['device_name', 'hostname'],
  vendor: ['vendor'],
  model: ['model', 'order_number', 'product_name', 'product_code'],
  firmware: ['firmware'],
  serial: ['serial'],
};

/** The best wire fact among `fields` (first field that has one; highest precedence, then most seen, then newest). */
export function bestWireFact(a: AssetRecord, fields: readonly string[]): FactRecord | null {
  for (const field of fields) {
    let best: FactRecord | null = null;
    for (const f of wireFacts(a, field)) {
      if (
        best === null ||
        f.precedence > best.precedence ||
        (f.precedence === best.precedence &&
          (f.count > best.count || (f.count === best.count && f.lastSeenUs > best.lastSeenUs)))
      ) {
        best = f;
      }
    }
    if (best !== null) return best;
  }
  return null;
}

function empty(): Record<PlantField, string | null> {
  return Object.fromEntries(PLANT_FIELDS.map((f) => [f, null])) as Record<PlantField, string | null>;
}

function observed(a: AssetRecord): {
  values: Record<PlantField, string | null>;
  sources: Record<PlantField, string | null>;
} {
  const values = empty();
  const sources = empty();
  const ip = a.ips[0];
  if (ip !== undefined) {
    values.ip = ip;
    sources.ip = OBSERVED_SOURCE;
  }
  if (a.mac) {
    values.mac = a.mac;
    sources.mac = OBSERVED_SOURCE;
  }
  for (const [field, wire] of Object.entries(WIRE_FIELDS) as [PlantField, string[]][]) {
    const f = bestWireFact(a, wire);
    if (f === null) continue;
    values[field] = f.value;
    sources[field] = f.protocol;
  }
  return { values, sources };
}

function ipOrder(a: AssetRecord): number[] {
  const ip = a.ips[0] ?? '';
  const p = ip.split('.').map(Number);
  return p.length === 4 && p.every((x) => Number.isInteger(x)) ? p : [256];
}

function byAddress(a: AssetRecord, b: AssetRecord): number {
  const x = ipOrder(a);
  const y = ipOrder(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The export rows (see the module doc). Pure. */
export function buildPlantExport(assets: readonly AssetRecord[], rows: readonly PlantAssetRow[]): PlantExportRow[] {
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const listed = new Set<string>();
  const out: PlantExportRow[] = [];
  const ordered = [...rows].sort((a, b) => a.row - b.row);
  for (const m of matchPlantRows(ordered, assets)) {
    const asset = m.row.assetKey === null ? undefined : byKey.get(m.row.assetKey);
    if (asset !== undefined) listed.add(asset.key);
    const seen = asset === undefined ? { values: empty(), sources: empty() } : observed(asset);
    const values = empty();
    const sources = empty();
    for (const f of PLANT_FIELDS) {
      const mine = f === 'name' ? m.row.name || null : m.row[f];
      if (mine !== null) {
        values[f] = mine;
        sources[f] = PLANT_SOURCE;
      } else {
        values[f] = seen.values[f];
        sources[f] = seen.sources[f];
      }
    }
    out.push({
      values,
      sources,
      assetKey: asset?.key ?? null,
      role: asset?.classification.role ?? null,
      plantRow: m.row.row,
    });
  }
  for (const a of [...assets].sort(byAddress)) {
    if (listed.has(a.key)) continue;
    const seen = observed(a);
    out.push({ ...seen, assetKey: a.key, role: a.classification.role, plantRow: null });
  }
  return out;
}

/** One export row as a flat record keyed by `PLANT_EXPORT_COLUMNS` (for JSON and CSV). */
export function plantExportRecord(r: PlantExportRow): Record<string, string | null> {
  const rec: Record<string, string | null> = {};
  for (const f of PLANT_FIELDS) rec[f] = r.values[f];
  for (const f of PLANT_FIELDS) rec[`source_${f}`] = r.sources[f];
  rec.asset_key = r.assetKey;
  rec.role = r.role;
  return rec;
}
