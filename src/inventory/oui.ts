import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { macIsLocal, macOui } from '../util/net.js';

/**
 * MAC vendor lookup from the IEEE registry (MA-L assignments) shipped by the `oui-data`
 * package. The build turns it into `dist/oui-vendors.tsv` (sorted "OUI<TAB>name" lines), which
 * is read once and searched by bisection: no 5 MB JSON parse per run. Offline.
 */
let table: string | null = null;
const cache = new Map<string, string | null>();

function load(): string {
  if (table !== null) return table;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'oui-vendors.tsv');
    if (existsSync(candidate)) {
      table = readFileSync(candidate, 'latin1');
      return table;
    }
    dir = dirname(dir);
  }
  // Not built (e.g. a test build into another folder): build the same table from the package.
  table = buildOuiTable();
  return table;
}

/** The sorted "OUI<TAB>name" table built from the `oui-data` package (the build writes it to dist). */
export function buildOuiTable(): string {
  const registry = createRequire(import.meta.url)('oui-data') as Record<string, string>;
  const lines: string[] = [];
  for (const [oui, raw] of Object.entries(registry)) {
    if (!/^[0-9A-F]{6}$/.test(oui)) continue;
    const name = (String(raw).split('\n', 1)[0] ?? '')
      .replace(/[\s,.;]+$/, '')
      .replace(/[\t\r]/g, ' ')
      .trim();
    if (name) lines.push(`${oui}\t${name}`);
  }
  lines.sort();
  return `${lines.join('\n')}\n`;
}

/** Registered organisation for the MAC's OUI, e.g. "Siemens AG"; null when unassigned or locally administered. */
export function ouiVendor(mac: number): string | null {
  if (mac === 0 || macIsLocal(mac)) return null;
  const oui = macOui(mac);
  const hit = cache.get(oui);
  if (hit !== undefined) return hit;
  const name = lookup(load(), oui);
  cache.set(oui, name);
  return name;
}

/** Bisection over sorted lines of `OUI\tname\n`: find the line whose first 6 characters equal `oui`. */
function lookup(t: string, oui: string): string | null {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = mid === 0 ? 0 : t.lastIndexOf('\n', mid - 1) + 1;
    const key = t.slice(start, start + 6);
    if (key === oui) {
      const end = t.indexOf('\n', start);
      return t.slice(start + 7, end < 0 ? t.length : end);
    }
    if (key < oui) {
      const next = t.indexOf('\n', start);
      if (next < 0) return null;
      lo = next + 1;
    } else {
      hi = start;
    }
  }
  return null;
}
