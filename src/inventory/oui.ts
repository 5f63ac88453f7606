import { createRequire } from 'node:module';
import { macIsLocal, macOui } from '../util/net.js';

/**
 * MAC vendor lookup from the IEEE registry (MA-L assignments), shipped by the `oui-data`
 * package. Loaded lazily on first use (about 50 ms); offline.
 */
let table: Record<string, string> | null = null;
const cache = new Map<string, string | null>();

function load(): Record<string, string> {
  if (!table) table = createRequire(import.meta.url)('oui-data') as Record<string, string>;
  return table;
}

/** Registered organisation for the MAC's OUI, e.g. "Siemens AG"; null when unassigned or locally administered. */
export function ouiVendor(mac: number): string | null {
  if (mac === 0 || macIsLocal(mac)) return null;
  const oui = macOui(mac);
  const hit = cache.get(oui);
  if (hit !== undefined) return hit;
  const raw = load()[oui];
  const name = raw ? cleanOrgName(raw) : null;
  cache.set(oui, name);
  return name;
}

/** First line of the registry entry, without trailing punctuation: "Siemens AG,\n..." -> "Siemens AG". */
export function cleanOrgName(raw: string): string {
  const first = raw.split('\n', 1)[0] ?? '';
  return first.replace(/[\s,.;]+$/, '').trim();
}
