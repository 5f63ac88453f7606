/**
 * Test support for golden baselines: Zeek's ASCII logs (the expected outputs of Zeek's and CISA
 * ICSNPP's tests in ../shared/corpus) and canonical JSON lines for our own baselines.
 * Tests only; nothing here runs in the product.
 */
import type { FlowInfo } from '../dissectors/contract.js';
import type { Observation } from '../observations/observation.js';

/**
 * Our observations of one protocol grouped by Zeek's connection key (`orig:port>resp:port`),
 * each group in time order, so baseline rows can be matched per connection.
 */
export function byConnection(
  observations: readonly Observation[],
  flows: ReadonlyMap<number, FlowInfo>,
  protocol: string,
): Map<string, Observation[]> {
  const byKey = new Map<string, Observation[]>();
  for (const o of observations) {
    if (o.protocol !== protocol) continue;
    const f = flows.get(o.flowId);
    if (!f) continue;
    const k = connKey(f.clientIp, f.clientPort, f.serverIp, f.serverPort);
    let g = byKey.get(k);
    if (!g) {
      g = [];
      byKey.set(k, g);
    }
    g.push(o);
  }
  for (const g of byKey.values()) g.sort((a, b) => a.ts - b.ts);
  return byKey;
}

/** A parsed Zeek log: header directives and rows keyed by field name (`null` = unset `-`). */
export interface ZeekLog {
  path: string | null;
  fields: string[];
  types: string[];
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  rows: Record<string, string | null>[];
}

/** Zeek escapes bytes as `\xNN` in headers and values. */
export function unescapeZeek(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/**
 * Parses a Zeek ASCII log (`#separator`, `#set_separator`, `#empty_field`, `#unset_field`,
 * `#path`, `#fields`, `#types` headers). Logs written by `zeek-cut -n` have no header:
 * pass their column names as `defaultFields`. Lines starting with `#` are headers; btest's
 * `### BTest` banner is ignored.
 */
export function parseZeekLog(text: string, defaultFields: string[] = []): ZeekLog {
  const log: ZeekLog = {
    path: null,
    fields: defaultFields,
    types: [],
    separator: '\t',
    setSeparator: ',',
    emptyField: '(empty)',
    unsetField: '-',
    rows: [],
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#separator ')) {
        log.separator = unescapeZeek(line.slice('#separator '.length));
        continue;
      }
      const parts = line.split(log.separator);
      const key = parts[0] as string;
      const rest = parts.slice(1);
      if (key === '#set_separator') log.setSeparator = unescapeZeek(rest[0] ?? ',');
      else if (key === '#empty_field') log.emptyField = rest[0] ?? '(empty)';
      else if (key === '#unset_field') log.unsetField = rest[0] ?? '-';
      else if (key === '#path') log.path = rest[0] ?? null;
      else if (key === '#fields') log.fields = rest;
      else if (key === '#types') log.types = rest;
      continue;
    }
    const cols = line.split(log.separator);
    const row: Record<string, string | null> = {};
    log.fields.forEach((f, i) => {
      const v = cols[i];
      row[f] = v === undefined || v === log.unsetField ? null : v === log.emptyField ? '' : unescapeZeek(v);
    });
    log.rows.push(row);
  }
  return log;
}

/** The elements of a set/vector value (`a,b,c`); unset -> []. */
export function zeekList(log: ZeekLog, v: string | null): string[] {
  if (v === null || v === '') return [];
  return v.split(log.setSeparator);
}

/** Connection 5-tuple key as the baselines give it (orig -> resp, TCP). */
export function connKey(origH: string, origP: string | number, respH: string, respP: string | number): string {
  return `${origH}:${origP}>${respH}:${respP}`;
}

/** JSON with object keys sorted at every level: stable lines for golden files. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val === null || typeof val !== 'object' || Array.isArray(val)) return val;
    const o = val as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) sorted[k] = o[k];
    return sorted;
  });
}
