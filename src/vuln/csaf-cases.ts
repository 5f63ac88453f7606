import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Advisory, AdvisoryProduct, VersionRange } from '../feeds/model.js';
import type { AssetRecord, FactRecord } from '../inventory/model.js';
import { corpusPath } from '../testing/corpus.js';
import { nameVersionHint } from './normalize.js';
import { inRange, parseVersion, parseVersionRanges, WILDCARD } from './versions.js';

/**
 * Test support (never used at run time): a minimal CSAF 2.0 reader for the corpus advisories
 * (product tree -> vendor / product / version leaves, model numbers, product status, CVEs,
 * CVSS, vendor-fix versions), independent of the feeds importer, and builders for synthetic
 * assets and matching-quality cases.
 */

type Json = Record<string, unknown>;

function obj(x: unknown): Json {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : {};
}
function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
function str(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

const FIX =
  /\b(?:update|upgrade|updating|upgrading)\b[^.]*?\b(?:to|with)\s+(?:the\s+)?(?:(?:firmware|software)\s+)?(?:version\s+|v(?=\d))?(v?\d+(?:\.\d+)+[a-z]?(?:\s+(?:sp|update|hf)\s*\d+)*)/i;

/** Reads one CSAF document into the `Advisory` form (enough for matching). */
export function readCsaf(doc: unknown): Advisory {
  const d = obj(doc);
  const document = obj(d.document);
  const tracking = obj(document.tracking);
  const id = str(tracking.id);
  const status = new Map<string, AdvisoryProduct['status']>();
  const fixes = new Map<string, string>();
  const cves: string[] = [];
  let cvss: number | null = null;
  let vector: string | null = null;
  for (const v of arr(d.vulnerabilities)) {
    const vo = obj(v);
    const cve = str(vo.cve);
    if (cve && !cves.includes(cve)) cves.push(cve);
    const ps = obj(vo.product_status);
    for (const [k, s] of [
      ['known_affected', 'known_affected'],
      ['first_affected', 'known_affected'],
      ['last_affected', 'known_affected'],
      ['fixed', 'fixed'],
      ['first_fixed', 'fixed'],
      ['known_not_affected', 'known_not_affected'],
      ['under_investigation', 'under_investigation'],
    ] as const) {
      for (const pid of arr(ps[k])) if (typeof pid === 'string' && !status.has(pid)) status.set(pid, s);
    }
    for (const sc of arr(vo.scores)) {
      const c3 = obj(obj(sc).cvss_v3);
      const score = typeof c3.baseScore === 'number' ? c3.baseScore : null;
      if (score !== null && (cvss === null || score > cvss)) {
        cvss = score;
        vector = str(c3.vectorString) || null;
      }
    }
    for (const r of arr(vo.remediations)) {
      const ro = obj(r);
      if (ro.category !== 'vendor_fix') continue;
      const m = FIX.exec(str(ro.details));
      if (!m) continue;
      for (const pid of arr(ro.product_ids)) if (typeof pid === 'string' && !fixes.has(pid)) fixes.set(pid, m[1]!);
    }
  }
  const products: AdvisoryProduct[] = [];
  const walk = (b: unknown, vendor: string, product: string, depth: number): void => {
    if (depth > 8) return;
    for (const x of arr(obj(b).branches)) {
      const xo = obj(x);
      const cat = str(xo.category);
      const name = str(xo.name).trim();
      const v = cat === 'vendor' ? name : vendor;
      const p = cat === 'product_name' || cat === 'product_family' ? name : product;
      const pr = obj(xo.product);
      const pid = str(pr.product_id);
      if (pid) {
        const isVersion = cat === 'product_version' || cat === 'product_version_range';
        const ranges: VersionRange[] = isVersion ? (parseVersionRanges(name) ?? []) : [];
        const models = arr(obj(pr.product_identification_helper).model_numbers).filter(
          (m): m is string => typeof m === 'string',
        );
        products.push({
          productId: pid,
          vendor: v,
          product: isVersion ? p : name,
          models,
          affected: ranges,
          fixedVersion: fixes.get(pid) ?? null,
          cpe: null,
          status: status.get(pid) ?? 'known_affected',
        });
      }
      walk(x, v, p, depth + 1);
    }
  };
  walk(d.product_tree, '', '', 0);
  const self = arr(document.references)
    .map(obj)
    .find((r) => r.category === 'self' && /cisa\.gov/.test(str(r.url)));
  return {
    id,
    title: str(document.title),
    publisher: str(obj(document.publisher).name),
    published: str(tracking.initial_release_date) || null,
    updated: str(tracking.current_release_date) || null,
    cves,
    cvssScore: cvss,
    cvssVector: vector,
    cwes: [],
    remediations: [],
    products,
    url: self ? str(self.url) : null,
  };
}

/** All corpus advisories of the given years (2017-2022 by default), sorted by id. */
export function loadCorpusAdvisories(years: readonly number[] = [2017, 2018, 2019, 2020, 2021, 2022]): Advisory[] {
  const out: Advisory[] = [];
  for (const y of years) {
    const dir = corpusPath('vulns', 'csaf-ot', 'white', String(y));
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of files) {
      try {
        out.push(readCsaf(JSON.parse(readFileSync(join(dir, f), 'utf8'))));
      } catch {
        // A broken corpus file is not what these tests measure.
      }
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** An asset with the given identity facts (precedence 100, as a device's own answer). */
export function syntheticAsset(key: string, facts: Record<string, string | null | undefined>): AssetRecord {
  const fr: FactRecord[] = [];
  for (const [field, value] of Object.entries(facts)) {
    if (value === null || value === undefined) continue;
    fr.push({
      field,
      value,
      protocol: 'test',
      source: `test.${field}`,
      precedence: 100,
      firstSeenUs: 0,
      lastSeenUs: 0,
      count: 1,
    });
  }
  return {
    key,
    mac: null,
    ips: [],
    vlans: [],
    isRouter: false,
    firstSeenUs: 0,
    lastSeenUs: 0,
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    facts: fr,
    roles: [],
    classification: { role: 'unknown', confidence: 0, reasons: [] },
  };
}

function render(nums: number[], like: string): string {
  const p = /^\s*v/i.test(like) ? 'V' : '';
  return p + nums.join('.');
}

/** A version inside the range (the lower bound, the inclusive upper bound, or just below the exclusive one), or null. */
export function versionInside(r: VersionRange): string | null {
  if (r.kind === 'all') return 'V1.0';
  if (r.kind === 'eq') return r.version !== undefined && parseVersion(r.version) ? r.version : null;
  if (r.lower !== undefined && r.lowerExclusive !== true && parseVersion(r.lower)) {
    if (r.lower.toLowerCase().includes('x')) return null;
    return r.lower;
  }
  if (r.upper === undefined) {
    if (r.lower === undefined) return null;
    const l = parseVersion(r.lower);
    return l ? render([...l.nums.map((n) => (n === WILDCARD ? 0 : n)), 1], r.lower) : null;
  }
  const u = parseVersion(r.upper);
  if (!u) return null;
  if (r.upperInclusive === true) return r.upper.toLowerCase().includes('x') ? null : r.upper;
  const nums = u.nums.map((n) => (n === WILDCARD ? 2 : n));
  if (u.quals.length > 0 && u.quals.every((q) => q[0] > 0)) return render(nums, r.upper);
  for (let i = nums.length - 1; i >= 0; i--) {
    if (nums[i]! > 0) {
      nums[i] = nums[i]! - 1;
      for (let j = i + 1; j < nums.length; j++) nums[j] = 99;
      if (i === nums.length - 1 && nums.length === 1) nums.push(99);
      return render(nums, r.upper);
    }
  }
  return null;
}

/** Lower-cased name without parentheticals and family words, for the tests' own notion of "same product". */
export function plainName(s: string): string {
  return s
    .toLowerCase()
    .replace(/\([^)]*\)?/g, ' ')
    .replace(/:.*$/, ' ')
    .replace(/\b(?:cpu family|family|series|controllers?|all versions?|firmware)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** One matching-quality case: an asset and whether it must match an advisory. */
export interface QualityCase {
  kind: 'affected' | 'fixed' | 'neighbour';
  asset: AssetRecord;
  advisoryId: string;
  /** The product the asset was built from (for neighbours: the product it must not be taken for). */
  productId: string;
  /** The advisory names this exact model (order number, catalog number or a specific model name). */
  exactModel: boolean;
  expected: boolean;
  note: string;
}

function identityFacts(p: AdvisoryProduct, version: string, upper: boolean): Record<string, string> {
  const facts: Record<string, string> = { vendor: upper ? p.vendor.toUpperCase() : p.vendor, firmware: version };
  if (p.models.length > 0) facts.order_number = p.models[0]!;
  else facts.product_name = p.product;
  return facts;
}

function modelKeys(a: Advisory): { names: string[]; models: Set<string> } {
  const names: string[] = [];
  const models = new Set<string>();
  for (const p of a.products) {
    names.push(plainName(p.product));
    for (const m of p.models) models.add(m.toUpperCase().replace(/[\s-]/g, ''));
  }
  return { names, models };
}

/**
 * Cases from the advisories' own product trees:
 * - affected: each known-affected product with a readable range, at a version inside it;
 * - fixed: the same product at the exclusive upper bound of its range (the first fixed
 *   version), when the advisory lists that product only once;
 * - neighbour: a product of the same vendor and line from another advisory (same first word,
 *   different digits), which the advisory does not name or cover by a family name, at a
 *   version inside the first product's range.
 * The tests' own notion of "same product" is deliberately plain: lower-cased names without
 * parentheticals and family words, and model numbers.
 */
export function buildQualityCases(advisories: readonly Advisory[], maxNeighboursPerAdvisory = 3): QualityCase[] {
  const cases: QualityCase[] = [];
  const byVendor = new Map<string, { a: Advisory; p: AdvisoryProduct }[]>();
  for (const a of advisories) {
    for (const p of a.products) {
      if (p.status !== 'known_affected') continue;
      const vk = p.vendor.toLowerCase().trim();
      const l = byVendor.get(vk);
      if (l) l.push({ a, p });
      else byVendor.set(vk, [{ a, p }]);
    }
  }
  let n = 0;
  for (const a of advisories) {
    const keys = modelKeys(a);
    let neighbours = 0;
    for (const p of a.products) {
      if (p.status !== 'known_affected' || p.affected.length !== 1) continue;
      const r = p.affected[0]!;
      // A product named "PCS 7 V8.1" runs 8.1, whatever the range says.
      const hint = nameVersionHint(p.product);
      const hinted = hint === null ? null : `V${hint}`;
      const inside = hinted !== null && inRange(hinted, r) === true ? hinted : versionInside(r);
      if (inside === null) continue;
      const exactModel =
        p.models.length > 0 ||
        (/\d/.test(plainName(p.product)) && !/\bfamily\b|\bseries\b|\bcontrollers\b/i.test(p.product));
      cases.push({
        kind: 'affected',
        asset: syntheticAsset(`case:${n++}`, identityFacts(p, inside, n % 2 === 0)),
        advisoryId: a.id,
        productId: p.productId,
        exactModel,
        expected: true,
        note: `${p.vendor} / ${p.product} @ ${inside} in '${r.raw}'`,
      });
      const same = a.products.filter(
        (q) => plainName(q.product) === plainName(p.product) || q.models.some((m) => p.models.includes(m)),
      );
      if (
        r.kind === 'range' &&
        r.upper !== undefined &&
        r.upperInclusive !== true &&
        same.length === 1 &&
        parseVersion(r.upper) &&
        !/x/i.test(r.upper)
      ) {
        cases.push({
          kind: 'fixed',
          asset: syntheticAsset(`case:${n++}`, identityFacts(p, r.upper, false)),
          advisoryId: a.id,
          productId: p.productId,
          exactModel,
          expected: false,
          note: `${p.vendor} / ${p.product} @ fixed ${r.upper} not in '${r.raw}'`,
        });
      }
      if (neighbours >= maxNeighboursPerAdvisory) continue;
      const first = plainName(p.product).split(' ')[0] ?? '';
      const digits = (s: string): string => (plainName(s).match(/\d+/g) ?? []).join('.');
      const pool = byVendor.get(p.vendor.toLowerCase().trim()) ?? [];
      const q = pool.find(({ a: qa, p: qp }) => {
        if (qa.id === a.id) return false;
        const qn = plainName(qp.product);
        if (qn.split(' ')[0] !== first || digits(qp.product) === digits(p.product) || digits(qp.product) === '')
          return false;
        if (/\bfamily\b|\bseries\b|\ball\b/i.test(qp.product)) return false;
        if (qp.models.some((m) => keys.models.has(m.toUpperCase().replace(/[\s-]/g, '')))) return false;
        return !keys.names.some((k) => k !== '' && (qn.includes(k) || k.includes(qn)));
      });
      if (!q) continue;
      neighbours++;
      cases.push({
        kind: 'neighbour',
        asset: syntheticAsset(`case:${n++}`, identityFacts(q.p, inside, false)),
        advisoryId: a.id,
        productId: p.productId,
        exactModel,
        expected: false,
        note: `${q.p.vendor} / ${q.p.product} (from ${q.a.id}) is not ${p.product}`,
      });
    }
  }
  return cases;
}
