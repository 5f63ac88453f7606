import type { Advisory, AdvisoryProduct, KevEntry, VersionRange } from '../feeds/model.js';
import type { AssetRecord } from '../inventory/model.js';
import {
  compactOrderNumber,
  exceptTokens,
  familyKeyTokens,
  familyTokens,
  findOrderNumbers,
  isDistinctive,
  nameVersionHint,
  type OrderNumber,
  productTokens,
  vendorKeys,
} from './normalize.js';
import { compareVersions, inRange, parseVersion } from './versions.js';

/**
 * One asset affected by one advisory: which product of the advisory it is, why, and how sure.
 * At most one match per (asset, advisory): the most certain one.
 */
export interface VulnMatch {
  assetKey: string;
  advisoryId: string;
  /** CSAF product_id of the advisory product that matched. */
  productId: string;
  /** Vendor and product as the advisory writes them. */
  vendor: string;
  product: string;
  cves: string[];
  /** CVEs of this advisory that are in KEV. */
  kev: string[];
  cvssScore: number | null;
  /**
   * 'exact': the asset's model (order/catalog number or the same product name) is named and its
   * version is in an affected range (or all versions are affected); 'model': the model is named
   * but the asset's version is unknown or cannot be compared; 'family': the advisory names the
   * asset's product family ("S7-1500 CPU family") and the version is in range.
   */
  confidence: 'exact' | 'model' | 'family';
  /** Plain-language why: "S7-1500 order number 6ES7 515-2AM01-0AB0 and firmware V2.9.2 are in 'vers:all/<V2.9.4'". */
  reason: string;
  assetVersion: string | null;
  /** The version that fixes it: the vendor fix's version, else the exclusive upper bound of the range. */
  fixedVersion: string | null;
}

/** What matching knows about an asset, from its facts (highest precedence per field). */
export interface AssetIdentity {
  vendor: string | null;
  vendorKeys: string[];
  /** Model-ish values: order_number, model, product_name, product_code (when not numeric). */
  names: string[];
  orderNumbers: OrderNumber[];
  /** Compact tokens of the names (Siemens order numbers removed). */
  tokens: Set<string>;
  /** The same per name, in order (a product name must appear as one run in one of them). */
  sequences: string[][];
  /** Family keys from the names and order numbers ('s7-1500'). */
  families: string[];
  /** Tokens of those families ('s71500'). */
  familyTokens: Set<string>;
  /** Version designations in the names ("OpenPCS 7 V9.1" -> '9.1'). */
  nameHints: string[];
  version: string | null;
}

/** Fields read for an asset's model, in order; product_code only when it is not a number (CIP codes are). */
const NAME_FIELDS = ['order_number', 'model', 'product_name', 'product', 'product_code'] as const;
const VERSION_FIELDS = ['firmware', 'firmware_version', 'software_version', 'version'] as const;
/** Facts below this precedence (OUI, certificate names) do not name a model. */
const MIN_MODEL_PRECEDENCE = 50;

function best(a: AssetRecord, field: string, minPrecedence: number): string | null {
  let b: AssetRecord['facts'][number] | null = null;
  for (const f of a.facts) {
    if (f.field !== field || f.precedence < minPrecedence || f.value.trim() === '') continue;
    if (
      !b ||
      f.precedence > b.precedence ||
      (f.precedence === b.precedence && (f.count > b.count || (f.count === b.count && f.lastSeenUs > b.lastSeenUs)))
    ) {
      b = f;
    }
  }
  return b ? b.value.slice(0, 300) : null;
}

/** The identity matching uses, read from an asset's facts. */
export function assetIdentity(a: AssetRecord): AssetIdentity {
  const vendor = best(a, 'vendor', 0);
  const names: string[] = [];
  for (const f of NAME_FIELDS) {
    const v = best(a, f, MIN_MODEL_PRECEDENCE);
    if (v === null || (f === 'product_code' && /^\s*\d+\s*$/.test(v))) continue;
    if (!names.includes(v)) names.push(v);
  }
  let version: string | null = null;
  for (const f of VERSION_FIELDS) {
    version = best(a, f, MIN_MODEL_PRECEDENCE);
    if (version !== null) break;
  }
  const keys = vendor ? vendorKeys(vendor) : [];
  const vk = keys[0] ?? '';
  const orderNumbers: OrderNumber[] = [];
  const seen = new Set<string>();
  for (const n of names) {
    const found = findOrderNumbers(n, vk);
    if (found.length === 0 && n === best(a, 'order_number', MIN_MODEL_PRECEDENCE)) {
      // An order number in a form this module does not parse is still the device's order number.
      const compact = compactOrderNumber(n);
      if (compact.length >= 6) {
        found.push({
          kind: 'other',
          compact,
          display: n.trim(),
          prefix: compact.slice(0, 7),
          series: null,
          families: [],
        });
      }
    }
    for (const o of found) {
      if (seen.has(o.compact)) continue;
      seen.add(o.compact);
      orderNumbers.push(o);
    }
  }
  if (keys.length === 0 && orderNumbers.some((o) => o.kind === 'siemens-mlfb')) keys.push('siemens');
  const tokens = new Set<string>();
  const families = new Set<string>();
  const nameHints: string[] = [];
  const sequences: string[][] = [];
  for (const n of names) {
    const seq = productTokens(n);
    sequences.push(seq);
    for (const t of seq) tokens.add(t);
    for (const f of familyTokens(n, vk)) families.add(f);
    const h = nameVersionHint(n);
    if (h !== null) nameHints.push(h);
  }
  const famTokens = new Set<string>();
  for (const f of families) for (const t of familyKeyTokens(f)) famTokens.add(t);
  return {
    vendor,
    vendorKeys: keys,
    names,
    orderNumbers,
    tokens,
    sequences,
    families: [...families],
    familyTokens: famTokens,
    nameHints,
    version,
  };
}

interface StrongId {
  compact: string;
  display: string;
  series: string | null;
}

interface Entry {
  advisory: Advisory;
  product: AdvisoryProduct;
  strong: StrongId[];
  tokens: string[];
  hint: string | null;
  except: string[][];
  /** Words of the product's vendor name ('codesys', 'cem', 'systems'...). */
  vendorWords: Set<string>;
  /** Some range has a bound: then the ranges, not the fixed version, decide. */
  bounded: boolean;
}

interface VendorIndex {
  byStrong: Map<string, Entry[]>;
  byToken: Map<string, Entry[]>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** The advisories indexed by vendor key, then by order number and by one product token. */
export class AdvisoryIndex {
  private readonly vendors = new Map<string, VendorIndex>();
  readonly products: number;

  constructor(advisories: readonly Advisory[]) {
    let n = 0;
    for (const advisory of advisories) {
      for (const product of advisory.products) {
        if (product.status !== 'known_affected') continue;
        const keys = vendorKeys(product.vendor);
        const vk = keys[0] ?? '';
        const strong: StrongId[] = [];
        const seen = new Set<string>();
        for (const m of product.models) {
          const found = findOrderNumbers(m, vk);
          const list: StrongId[] =
            found.length > 0
              ? found.map((o) => ({ compact: o.compact, display: o.display, series: o.series }))
              : [{ compact: compactOrderNumber(m), display: m.trim(), series: null }];
          for (const s of list) {
            if (s.compact.length < 4 || seen.has(s.compact)) continue;
            seen.add(s.compact);
            strong.push(s);
          }
        }
        for (const o of findOrderNumbers(product.product, vk)) {
          const known = strong.find((x) => x.compact === o.compact);
          // "1756-EN2T" in the model list, "1756-EN2T Series D" in the name: keep the series.
          if (known && known.series === null) known.series = o.series;
          if (seen.has(o.compact)) continue;
          seen.add(o.compact);
          strong.push({ compact: o.compact, display: o.display, series: o.series });
        }
        let tokens = productTokens(product.product, vk);
        // "CODESYS Web Server" without the vendor's word says nothing; keep it then.
        if (!isDistinctive(tokens)) tokens = productTokens(product.product);
        const entry: Entry = {
          advisory,
          product,
          strong,
          tokens: isDistinctive(tokens) ? tokens : [],
          hint: nameVersionHint(product.product),
          except: exceptTokens(product.product),
          vendorWords: new Set(keys.flatMap((k) => k.split(/[\s-]+/))),
          bounded: product.affected.some((r) => r.kind !== 'all'),
        };
        if (entry.strong.length === 0 && entry.tokens.length === 0) continue;
        n++;
        for (const k of keys) {
          let vi = this.vendors.get(k);
          if (!vi) {
            vi = { byStrong: new Map(), byToken: new Map() };
            this.vendors.set(k, vi);
          }
          for (const s of strong) push(vi.byStrong, s.compact, entry);
          if (entry.tokens.length > 0) {
            // Every token of the product must be in the asset, so any one of them indexes it: the longest is the rarest.
            const key = entry.tokens.reduce((a, b) => (b.length > a.length ? b : a));
            push(vi.byToken, key, entry);
          }
        }
      }
    }
    this.products = n;
  }

  /** Candidate products for an asset: same vendor, sharing an order number or a token. */
  candidates(id: AssetIdentity): Set<Entry> {
    const out = new Set<Entry>();
    for (const k of id.vendorKeys) {
      const vi = this.vendors.get(k);
      if (!vi) continue;
      for (const o of id.orderNumbers) for (const e of vi.byStrong.get(o.compact) ?? []) out.add(e);
      for (const t of id.tokens) for (const e of vi.byToken.get(t) ?? []) out.add(e);
      for (const t of id.familyTokens) for (const e of vi.byToken.get(t) ?? []) out.add(e);
    }
    return out;
  }
}

const RANK: Record<VulnMatch['confidence'], number> = { exact: 3, model: 2, family: 1 };

/** Whether `version` is of the line `hint` names ("4.7.2" of "4.7"; "V4.7 SP1 HF3" of "4.7 SP1"). */
function startsWithVersion(version: string, hint: string): boolean | null {
  const v = parseVersion(version);
  const h = parseVersion(hint);
  if (!v || !h) return null;
  return (
    h.nums.every((n, i) => v.nums[i] === n) &&
    h.quals.every((q, i) => v.quals[i]?.[0] === q[0] && v.quals[i]?.[1] === q[1])
  );
}

/**
 * Whether all of `tokens` sit next to each other (in any order) in one of the sequences; the
 * vendor's own words may sit between them ("CEM Systems AC2000" for "CEM AC2000").
 */
function contiguous(
  tokens: readonly string[],
  sequences: readonly string[][],
  vendorWords: ReadonlySet<string>,
): boolean {
  for (const seq of sequences) {
    const pos: number[] = [];
    for (const t of tokens) {
      const i = seq.indexOf(t);
      if (i < 0) break;
      pos.push(i);
    }
    if (pos.length !== tokens.length) continue;
    const lo = Math.min(...pos);
    const hi = Math.max(...pos);
    let gaps = 0;
    for (let i = lo; i <= hi; i++) if (!tokens.includes(seq[i]!) && !vendorWords.has(seq[i]!)) gaps++;
    if (gaps === 0) return true;
  }
  return false;
}

/** The range the version falls in (first true), else null, with whether any could not tell. */
function rangeOf(
  version: string | null,
  ranges: readonly VersionRange[],
): { hit: VersionRange | null; unknown: boolean } {
  let unknown = false;
  for (const r of ranges) {
    const x = inRange(version, r);
    if (x === true) return { hit: r, unknown: false };
    if (x === null) unknown = true;
  }
  return { hit: null, unknown: unknown || ranges.length === 0 };
}

/** "V3.X.17" with the asset at V3.2.6 -> "V3.2.17": the fix for the asset's own line. */
function concrete(fixed: string | null, version: string | null): string | null {
  if (fixed === null || version === null || !/(^|\.)[x*](\.|$)/i.test(fixed)) return fixed;
  const v = parseVersion(version);
  if (!v) return fixed;
  let i = -1;
  return fixed.replace(/(?<=^v?|\.)(\d+|[x*])(?=\.|$|\s)/gi, (seg) => {
    i++;
    return /^[x*]$/i.test(seg) && v.nums[i] !== undefined && v.nums[i]! >= 0 ? String(v.nums[i]) : seg;
  });
}

/** Matches one asset against the index (see `matchAssets`). */
export function matchAsset(
  asset: AssetRecord,
  index: AdvisoryIndex,
  kev: ReadonlyMap<string, KevEntry>,
  id: AssetIdentity = assetIdentity(asset),
): VulnMatch[] {
  if (id.vendorKeys.length === 0) return [];
  const byAdvisory = new Map<string, { m: VulnMatch; rank: number }>();
  for (const e of index.candidates(id)) {
    const m = judge(asset.key, id, e, kev);
    if (!m) continue;
    const rank = RANK[m.confidence] * 2 + (m.reason.includes('order number') ? 1 : 0);
    const prev = byAdvisory.get(e.advisory.id);
    if (!prev || rank > prev.rank) byAdvisory.set(e.advisory.id, { m, rank });
  }
  return [...byAdvisory.values()].map((x) => x.m);
}

function judge(assetKey: string, id: AssetIdentity, e: Entry, kev: ReadonlyMap<string, KevEntry>): VulnMatch | null {
  const p = e.product;
  let level: 'model' | 'family';
  let what: string;
  if (e.strong.length > 0 && id.orderNumbers.length > 0) {
    let hit: { o: OrderNumber; s: StrongId } | null = null;
    for (const o of id.orderNumbers) {
      const s = e.strong.find((x) => x.compact === o.compact);
      if (!s) continue;
      if (s.series !== null && o.series !== null && s.series !== o.series) continue;
      hit = { o, s };
      break;
    }
    if (!hit) return null;
    level = 'model';
    what = `${hit.o.kind === 'rockwell-catalog' ? 'catalog number' : 'order number'} ${hit.o.display}${hit.o.series ? ` series ${hit.o.series}` : ''}`;
  } else {
    if (e.tokens.length === 0) return null;
    let own = true;
    for (const t of e.tokens) {
      if (id.tokens.has(t)) continue;
      if (!id.familyTokens.has(t)) return null;
      own = false;
    }
    // Words of the advisory's name scattered over a longer name ("PI API" in "PI Web API 2019") are another product.
    if (own && !contiguous(e.tokens, id.sequences, e.vendorWords)) return null;
    const extra = [...id.tokens].some((t) => /\d/.test(t) && !e.tokens.includes(t));
    level = own && !extra ? 'model' : 'family';
    const fam = id.families.find((f) => familyKeyTokens(f).every((t) => e.tokens.includes(t)));
    what =
      level === 'model'
        ? `product "${id.names.find((n) => e.tokens.every((t) => productTokens(n).includes(t))) ?? id.names[0] ?? ''}"`
        : `${fam ? `${fam.toUpperCase()} family` : 'product family'} (${id.orderNumbers[0]?.display ?? id.names[0] ?? ''})`;
  }

  for (const g of e.except) if (g.every((t) => id.tokens.has(t))) return null;
  const v = id.version;
  if (e.hint !== null) {
    if (v !== null && startsWithVersion(v, e.hint) === false) return null;
    for (const h of id.nameHints)
      if (startsWithVersion(h, e.hint) === false && startsWithVersion(e.hint, h) === false) return null;
  }
  if (v !== null && p.fixedVersion && !e.bounded) {
    const c = compareVersions(v, p.fixedVersion);
    if (c !== null && c >= 0) return null;
  }
  const { hit, unknown } = rangeOf(v, p.affected);
  if (!hit && !unknown) return null;
  let confidence: VulnMatch['confidence'];
  if (hit) confidence = level === 'model' ? 'exact' : 'family';
  else if (level === 'model') confidence = 'model';
  else return null;

  const raws = p.affected.map((r) => r.raw);
  const rangeText = hit ? hit.raw : raws.length > 0 ? raws.join("' or '") : 'no version given';
  const reason = hit
    ? hit.kind === 'all'
      ? `${p.product}: ${what} is affected in all versions ('${rangeText}')`
      : `${p.product}: ${what} and firmware ${v} are in '${rangeText}'`
    : `${p.product}: ${what} is named; firmware ${v === null ? 'unknown' : `${v} cannot be compared`}, affected '${rangeText}'`;
  const fixedVersion = concrete(
    p.fixedVersion ?? (hit?.upper !== undefined && hit.upperInclusive !== true ? hit.upper : null),
    v,
  );
  const advisory = e.advisory;
  return {
    assetKey,
    advisoryId: advisory.id,
    productId: p.productId,
    vendor: p.vendor,
    product: p.product,
    cves: [...advisory.cves],
    kev: advisory.cves.filter((c) => kev.has(c)),
    cvssScore: advisory.cvssScore,
    confidence,
    reason,
    assetVersion: v,
    fixedVersion,
  };
}

/**
 * Matches assets to advisory products. Precision first: a vendor alone never matches; an asset
 * whose version is outside every affected range, or at/after the fixed version, does not
 * match; a product named by order/catalog number matches only that number (and series); a
 * product named by words matches only an asset whose names (or known family) hold all its
 * identifying tokens, so "S7-1200" never matches an S7-1500. Sorted by asset, then advisory.
 */
export function matchAssets(
  assets: readonly AssetRecord[],
  advisories: readonly Advisory[],
  kev: ReadonlyMap<string, KevEntry>,
): VulnMatch[] {
  const index = new AdvisoryIndex(advisories);
  const out: VulnMatch[] = [];
  for (const a of assets) out.push(...matchAsset(a, index, kev));
  out.sort((x, y) =>
    x.assetKey < y.assetKey
      ? -1
      : x.assetKey > y.assetKey
        ? 1
        : x.advisoryId < y.advisoryId
          ? -1
          : x.advisoryId > y.advisoryId
            ? 1
            : 0,
  );
  return out;
}
