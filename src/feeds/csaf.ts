import type { Advisory, AdvisoryProduct, VersionRange } from './model.js';
import { FeedError, type FeedProblem, isObject, isoDate, pointer, prop, str } from './problems.js';
import { normaliseVersion, parseVersionList } from './version-text.js';

/**
 * CSAF 2.0 security advisories (OASIS CSAF 2.0, §3) -> `Advisory`. Reference data: the CISA ICS
 * advisories (`csaf-ot/white/<year>/*.json`).
 *
 * Read:
 * - `document`: `csaf_version` (must be 2.x), `tracking.id` (required), `title`,
 *   `publisher.name`, `tracking.initial_release_date` -> published,
 *   `tracking.current_release_date` -> updated, `references[category=self]` -> url (the web
 *   page rather than the JSON when both are given).
 * - `product_tree.branches`, walked recursively (depth <= MAX_DEPTH, nodes <= MAX_NODES):
 *   `vendor` -> `product_family` / `product_name` -> `product_version` / `product_version_range`
 *   -> the leaf `product` { product_id, name, product_identification_helper { cpe,
 *   model_numbers, skus } }. `full_product_names` at the top are read as leaves without a
 *   vendor. `product_groups` expand group_ids in remediations. `relationships` are ignored.
 * - `vulnerabilities[]`: `cve`, `cwe.id`, `scores[].cvss_v3 | cvss_v4 | cvss_v2 { baseScore,
 *   vectorString }`, `product_status` (known_affected, fixed, known_not_affected,
 *   under_investigation, and their first_/last_ variants), `remediations[] { category,
 *   details, url, product_ids, group_ids }`.
 *
 * Each leaf becomes one `AdvisoryProduct`:
 * - vendor: the nearest `vendor` branch; product: the `product_name` branch (else the family,
 *   else the leaf's full name); when a `product_version` branch names a sub-product rather than
 *   a version ("CODESYS Control for Linux") the product is the leaf's full name.
 * - models: helper model numbers and SKUs, order numbers in the product or leaf name (Siemens
 *   "6ES7 315-2EH14-0AB0" -> "6ES7315-2EH14-0AB0", Rockwell "1756-ENBT/A", "Article number
 *   2700989"), and `product_version` branches that are model codes ("MMT-1715 | MMT-1754").
 * - affected: the version branch through `parseVersionList` (`vers:` and vendor free text);
 *   when that says nothing, the text after ':' in the leaf name ("ICX35-HWC-E: Versions 1.9.62
 *   and prior"). Unrecognised text leaves the list empty and is reported in `unparsed`.
 * - status: the strongest status any vulnerability gives the product (known_affected >
 *   under_investigation > fixed > known_not_affected); a product no vulnerability mentions is
 *   `under_investigation` (not claimed affected).
 * - fixedVersion: a version named in a vendor_fix remediation for the product ("Update to
 *   V2.9.4 or later" -> "2.9.4"; of several, the one equal to the product's exclusive upper
 *   bound); if a vendor fix names none, the exclusive upper bound of a single affected range.
 *   A mitigation that announces a fix ("has released a fix", "update to") counts as a vendor
 *   fix: CISA's extraction often files vendor fixes as mitigations.
 *
 * Problems inside an advisory (a vulnerability without a usable CVE, a leaf without product_id)
 * are reported with their JSON pointer and skipped; only a document without a tracking id or of
 * another CSAF version is refused as a whole (`FeedError`).
 */

export const MAX_DEPTH = 24;
export const MAX_NODES = 50_000;
const MAX_VULNERABILITIES = 5_000;
const MAX_REMEDIATIONS = 20_000;
const MAX_ID = 200;
const MAX_TEXT = 1_000;

export interface CsafResult {
  advisory: Advisory;
  problems: FeedProblem[];
  /** Version texts that gave no range (the product then matches by name only). */
  unparsed: { where: string; text: string }[];
}

/** Does this parsed JSON look like a CSAF document (document.csaf_version present)? */
export function isCsaf(doc: unknown): boolean {
  return prop(prop(doc, 'document'), 'csaf_version') !== undefined;
}

type Status = AdvisoryProduct['status'];
const STATUS_RANK: Record<Status, number> = {
  known_affected: 4,
  under_investigation: 3,
  fixed: 2,
  known_not_affected: 1,
};
const STATUS_KEYS: [string, Status][] = [
  ['known_affected', 'known_affected'],
  ['first_affected', 'known_affected'],
  ['last_affected', 'known_affected'],
  ['under_investigation', 'under_investigation'],
  ['fixed', 'fixed'],
  ['first_fixed', 'fixed'],
  ['known_not_affected', 'known_not_affected'],
];

interface Leaf {
  where: string;
  productId: string;
  name: string;
  vendor: string;
  productName: string | null;
  family: string | null;
  versionText: string | null;
  versionCategory: string | null;
  helper: unknown;
}

/** Parse one CSAF document (already JSON-parsed). Throws `FeedError` only for a document it cannot use at all. */
export function parseCsaf(doc: unknown): CsafResult {
  const problems: FeedProblem[] = [];
  const unparsed: CsafResult['unparsed'] = [];
  const document = prop(doc, 'document');
  if (!isObject(document)) throw new FeedError('/document', 'not a CSAF document: no document object');
  const version = prop(document, 'csaf_version');
  if (typeof version !== 'string' || !/^2\./.test(version)) {
    throw new FeedError('/document/csaf_version', `unsupported CSAF version ${JSON.stringify(version)?.slice(0, 40)}`);
  }
  const tracking = prop(document, 'tracking');
  const id = str(tracking, 'id', 10_000);
  if (id === null || id === '') throw new FeedError('/document/tracking/id', 'missing tracking id');
  if (id.length > MAX_ID) throw new FeedError('/document/tracking/id', `tracking id longer than ${MAX_ID} characters`);

  const published = date(tracking, 'initial_release_date', '/document/tracking/initial_release_date', problems);
  const updated = date(tracking, 'current_release_date', '/document/tracking/current_release_date', problems);

  // --- product tree ---
  const tree = prop(doc, 'product_tree');
  const leaves: Leaf[] = [];
  let nodes = 0;
  const walk = (
    branches: unknown,
    where: string,
    ctx: Omit<Leaf, 'where' | 'productId' | 'name' | 'helper'>,
    depth: number,
  ) => {
    if (branches === undefined) return;
    if (!Array.isArray(branches)) {
      problems.push({ where, message: 'branches is not a list' });
      return;
    }
    if (depth > MAX_DEPTH) {
      problems.push({ where, message: `product tree deeper than ${MAX_DEPTH} levels; the rest is ignored` });
      return;
    }
    for (let i = 0; i < branches.length; i++) {
      if (++nodes > MAX_NODES) {
        if (nodes === MAX_NODES + 1)
          problems.push({ where, message: `more than ${MAX_NODES} product tree nodes; the rest is ignored` });
        return;
      }
      const b = branches[i];
      const w = `${where}/${i}`;
      if (!isObject(b)) {
        problems.push({ where: w, message: 'branch is not an object' });
        continue;
      }
      const category = str(b, 'category', 100);
      const name = str(b, 'name', MAX_TEXT) ?? '';
      const next = { ...ctx };
      switch (category) {
        case 'vendor':
          next.vendor = name;
          break;
        case 'product_family':
          next.family = name;
          break;
        case 'product_name':
          next.productName = name;
          break;
        case 'product_version':
        case 'product_version_range':
          next.versionText = name;
          next.versionCategory = category;
          break;
        default:
          // architecture, language, patch_level, service_pack, specification, host_name...
          break;
      }
      const product = prop(b, 'product');
      if (product !== undefined) leaf(product, `${w}/product`, next);
      walk(prop(b, 'branches'), `${w}/branches`, next, depth + 1);
    }
  };
  const leaf = (product: unknown, where: string, ctx: Omit<Leaf, 'where' | 'productId' | 'name' | 'helper'>) => {
    const productId = str(product, 'product_id', 10_000);
    if (productId === null || productId === '') {
      problems.push({ where, message: 'product without product_id' });
      return;
    }
    if (productId.length > MAX_ID) {
      problems.push({ where: `${where}/product_id`, message: `product_id longer than ${MAX_ID} characters` });
      return;
    }
    leaves.push({
      where,
      productId,
      name: str(product, 'name', MAX_TEXT) ?? '',
      helper: prop(product, 'product_identification_helper'),
      ...ctx,
    });
  };
  const root = { vendor: '', productName: null, family: null, versionText: null, versionCategory: null };
  if (tree !== undefined && !isObject(tree))
    problems.push({ where: '/product_tree', message: 'product_tree is not an object' });
  walk(prop(tree, 'branches'), '/product_tree/branches', root, 0);
  const full = prop(tree, 'full_product_names');
  if (Array.isArray(full)) {
    full.slice(0, MAX_NODES).forEach((p, i) => {
      leaf(p, `/product_tree/full_product_names/${i}`, root);
    });
  }
  const groups = new Map<string, string[]>();
  const pg = prop(tree, 'product_groups');
  if (Array.isArray(pg)) {
    for (const g of pg.slice(0, MAX_NODES)) {
      const gid = str(g, 'group_id', MAX_ID);
      const ids = prop(g, 'product_ids');
      if (gid && Array.isArray(ids))
        groups.set(
          gid,
          ids.filter((x): x is string => typeof x === 'string'),
        );
    }
  }

  // --- vulnerabilities ---
  const cves = new Set<string>();
  const cwes = new Set<string>();
  const status = new Map<string, Status>();
  let best: { score: number; vector: string; rank: number } | null = null;
  const remediations = new Map<string, Advisory['remediations'][number]>();
  // Texts that announce a fix, per product: vendor_fix remediations, and mitigations that say
  // a fix was released (CISA files "Schneider Electric has released a fix" as a mitigation).
  const vendorFixes = new Map<string, string[]>();
  const vulns = prop(doc, 'vulnerabilities');
  if (vulns !== undefined && !Array.isArray(vulns))
    problems.push({ where: '/vulnerabilities', message: 'vulnerabilities is not a list' });
  const vlist = Array.isArray(vulns) ? vulns : [];
  if (vlist.length > MAX_VULNERABILITIES) {
    problems.push({
      where: '/vulnerabilities',
      message: `more than ${MAX_VULNERABILITIES} vulnerabilities; the rest are ignored`,
    });
  }
  vlist.slice(0, MAX_VULNERABILITIES).forEach((v, i) => {
    const w = pointer('vulnerabilities', i);
    if (!isObject(v)) {
      problems.push({ where: w, message: 'vulnerability is not an object' });
      return;
    }
    const cve = str(v, 'cve', 100);
    if (cve !== null) {
      if (/^CVE-\d{4}-\d{4,}$/i.test(cve)) cves.add(cve.toUpperCase());
      else problems.push({ where: `${w}/cve`, message: `not a CVE id: ${JSON.stringify(cve.slice(0, 40))}` });
    }
    const cwe = str(prop(v, 'cwe'), 'id', 100);
    if (cwe !== null && /^CWE-\d+$/i.test(cwe)) cwes.add(cwe.toUpperCase());

    const scores = prop(v, 'scores');
    if (Array.isArray(scores)) {
      for (const s of scores.slice(0, 1000)) {
        for (const [key, rank] of [
          ['cvss_v3', 3],
          ['cvss_v4', 2],
          ['cvss_v2', 1],
        ] as const) {
          const c = prop(s, key);
          const score = prop(c, 'baseScore');
          if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) continue;
          const vector = str(c, 'vectorString', 300) ?? '';
          if (best === null || rank > best.rank || (rank === best.rank && score > best.score))
            best = { score, vector, rank };
        }
      }
    }

    const ps = prop(v, 'product_status');
    for (const [key, st] of STATUS_KEYS) {
      const ids = prop(ps, key);
      if (!Array.isArray(ids)) continue;
      for (const pid of ids.slice(0, MAX_NODES)) {
        if (typeof pid !== 'string') continue;
        const old = status.get(pid);
        if (old === undefined || STATUS_RANK[st] > STATUS_RANK[old]) status.set(pid, st);
      }
    }

    const rems = prop(v, 'remediations');
    if (Array.isArray(rems)) {
      rems.slice(0, MAX_REMEDIATIONS).forEach((r, j) => {
        const category = str(r, 'category', 100);
        if (category === null) {
          problems.push({ where: `${w}/remediations/${j}/category`, message: 'remediation without category' });
          return;
        }
        const text = str(r, 'details', MAX_TEXT) ?? '';
        const url = str(r, 'url', 2000);
        const ids = new Set<string>();
        const pids = prop(r, 'product_ids');
        if (Array.isArray(pids)) for (const p of pids.slice(0, MAX_NODES)) if (typeof p === 'string') ids.add(p);
        const gids = prop(r, 'group_ids');
        if (Array.isArray(gids))
          for (const g of gids) if (typeof g === 'string') for (const p of groups.get(g) ?? []) ids.add(p);
        const key = `${category}\0${text}\0${url ?? ''}`;
        const old = remediations.get(key);
        if (old === undefined) remediations.set(key, { category, text, productIds: [...ids], url });
        else for (const p of ids) if (!old.productIds.includes(p)) old.productIds.push(p);
        if (category === 'vendor_fix' || (category === 'mitigation' && FIX_WORDS.test(text))) {
          for (const p of ids) {
            const list = vendorFixes.get(p);
            if (list === undefined) vendorFixes.set(p, [text]);
            else if (!list.includes(text)) list.push(text);
          }
        }
      });
    }
  });

  // --- products ---
  const products: AdvisoryProduct[] = [];
  const seen = new Set<string>();
  for (const l of leaves) {
    if (seen.has(l.productId)) {
      problems.push({ where: `${l.where}/product_id`, message: `duplicate product_id ${JSON.stringify(l.productId)}` });
      continue;
    }
    seen.add(l.productId);
    const p = toProduct(l, unparsed);
    p.status = status.get(l.productId) ?? 'under_investigation';
    p.fixedVersion = fixedVersion(vendorFixes.get(l.productId), p.affected);
    products.push(p);
  }

  const advisory: Advisory = {
    id,
    title: str(document, 'title', MAX_TEXT) ?? '',
    publisher: str(prop(document, 'publisher'), 'name', MAX_TEXT) ?? '',
    published,
    updated: updated ?? published,
    cves: [...cves].sort(),
    cvssScore: best === null ? null : (best as { score: number }).score,
    cvssVector: best === null ? null : (best as { vector: string }).vector || null,
    cwes: [...cwes].sort(),
    remediations: [...remediations.values()],
    products,
    url: selfUrl(prop(document, 'references')),
  };
  return { advisory, problems, unparsed };
}

function date(o: unknown, key: string, where: string, problems: FeedProblem[]): string | null {
  const s = str(o, key, 100);
  if (s === null) return null;
  const d = isoDate(s);
  if (d === null) problems.push({ where, message: `not a date: ${JSON.stringify(s.slice(0, 40))}` });
  return d;
}

function selfUrl(refs: unknown): string | null {
  if (!Array.isArray(refs)) return null;
  const self = refs
    .filter((r) => str(r, 'category', 50) === 'self')
    .map((r) => str(r, 'url', 2000))
    .filter((u): u is string => u !== null && /^https?:\/\//i.test(u));
  return self.find((u) => !/\.json$/i.test(u)) ?? self[0] ?? null;
}

// Siemens order numbers (MLFB): 6ES7 315-2EH14-0AB0, 6GK5324-0GG10-1HR2, 7KG8500-0AA30-2AA0, 6ES7655-5PX11-0XX0.
const MLFB = /(?<![0-9A-Za-z])(\d[A-Z]{2}\d) ?([0-9A-Za-z]{3}-[0-9A-Za-z]{5}-[0-9A-Za-z]{4})(?![0-9A-Za-z])/g;
// Rockwell-style catalog numbers: 1756-ENBT/A, 1783-SAD4T0SBK9, 2711P-T7C4D8.
const CATALOG = /(?<![0-9A-Za-z-])([12]\d{3}[A-Z]?-[A-Z][A-Z0-9]{1,11}(?:\/[A-Z])?)(?![0-9A-Za-z-])/g;
// "Article number 2700989", "Part Number C0-PGMSW", "Order No. 6AV2 124-0GC01-0AX0".
const LABELLED =
  /\b(?:article|part|order|catalog(?:ue)?|item|model)\s*(?:number|no\.?|nr\.?|#)\s*:?\s*([A-Z0-9][A-Z0-9\-/.]{2,30}[A-Z0-9])/gi;
/** A model code as a product_version branch writes it: letters and digits, no dots ("MMT-1710", "LNL-X2220"). */
const MODEL_TOKEN = /^(?=[^ ]*[A-Za-z])(?=[^ ]*\d)[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*$/;

/** Order and model numbers written inside a name. */
export function modelsInText(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(MLFB)) out.push(`${m[1]}${m[2]}`);
  for (const m of s.matchAll(CATALOG)) out.push(m[1] as string);
  for (const m of s.matchAll(LABELLED)) out.push(m[1] as string);
  return out;
}

/** A product_version branch that lists model codes rather than versions ("MMT-1715 | MMT-1754"). */
function modelList(s: string): string[] | null {
  const parts = s
    .split(/\s*[|,]\s*/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return null;
  for (const p of parts) {
    if (!MODEL_TOKEN.test(p) || /^(?:v|r|rev|fw|sp|hf)\d/i.test(p)) return null;
  }
  return parts;
}

function toProduct(l: Leaf, unparsed: CsafResult['unparsed']): AdvisoryProduct {
  const models: string[] = [];
  const helper = l.helper;
  for (const key of ['model_numbers', 'skus']) {
    const list = prop(helper, key);
    if (Array.isArray(list))
      for (const m of list.slice(0, 1000))
        if (typeof m === 'string' && m.trim() !== '') models.push(m.trim().slice(0, 200));
  }
  const cpe = str(helper, 'cpe', 1000);
  let product = l.productName ?? l.family ?? l.name;
  for (const m of modelsInText(`${l.productName ?? ''} ${l.name}`)) models.push(m);

  let affected: VersionRange[] = [];
  const vt = l.versionText;
  if (vt !== null && vt !== '') {
    const asModels = /^vers:/i.test(vt) || /article|part|order|catalog/i.test(l.name) ? null : modelList(vt);
    if (/article number|part number|order number|catalog number/i.test(l.name) && !/^vers:/i.test(vt)) {
      for (const m of vt.split(/\s*[|,]\s*/)) if (m.trim() !== '') models.push(m.trim());
    } else if (asModels !== null) {
      models.push(...asModels);
    } else {
      affected = parseVersionList(vt);
      if (affected.length === 0 && l.versionCategory === 'product_version' && normaliseVersion(vt) === null) {
        // Not a version: a sub-product ("CODESYS Control for Linux"); the leaf's full name says it.
        if (l.name !== '') product = l.name;
      }
    }
  }
  const namedModels = vt !== null && vt !== '' && affected.length === 0 && models.length > 0 && !/^vers:/i.test(vt);
  if (affected.length === 0 && !namedModels) {
    const colon = l.name.indexOf(':');
    if (colon > 0) affected = parseVersionList(l.name.slice(colon + 1));
  }
  if (affected.length === 0 && vt !== null && vt !== '' && !/^vers:all\/\*$/i.test(vt)) {
    const isModel = models.includes(vt.trim()) || modelList(vt) !== null;
    if (!isModel) unparsed.push({ where: l.where, text: vt });
  }
  return {
    productId: l.productId,
    vendor: l.vendor,
    product: product.trim(),
    models: [...new Set(models)],
    affected,
    fixedVersion: null,
    cpe,
    status: 'under_investigation',
  };
}

const FIX_WORDS =
  /\b(?:update|upgrade|released? (?:a )?(?:fix|patch|new version|version|firmware|update)|fixed in|patched|has been fixed)\b/i;

// A version named in remediation text: "V2.9.4", "version 4.7.0", "R4.07.02", "V16 Update 4", "v10.1".
const FIX_VERSION =
  /(?<![\w.])(?:v(?:ersion)?\s?|firmware\s(?:version\s)?|fw\s?|release\s|(?=r\d))?(r?\d+(?:\.\d+)+[a-z]?|(?<=v\s?|version\s)\d+)((?:\s(?:sp|hf|update|upd)\s?\d+)*)(?![\w.]*\d)/gi;

/** Versions a remediation text names, normalised, in order (URLs and CVE ids removed first). */
export function versionsInText(text: string): string[] {
  const t = text.replace(/https?:\/\/\S+/gi, ' ').replace(/CVE-\d+-\d+/gi, ' ');
  const out: string[] = [];
  for (const m of t.matchAll(FIX_VERSION)) {
    const v = normaliseVersion(`${m[1]}${m[2] ?? ''}`);
    if (v !== null && !out.includes(v)) out.push(v);
  }
  return out;
}

function fixedVersion(texts: string[] | undefined, affected: VersionRange[]): string | null {
  if (texts === undefined) return null;
  const uppers = affected
    .filter((r) => r.kind === 'range' && r.upper !== undefined && !r.upperInclusive)
    .map((r) => r.upper as string);
  const candidates = texts.flatMap(versionsInText);
  const lower = (s: string) => s.toLowerCase();
  const exact = candidates.find((c) => uppers.some((u) => lower(u) === lower(c)));
  if (exact !== undefined) return exact;
  if (candidates.length > 0) return candidates[0] as string;
  return uppers.length === 1 ? (uppers[0] as string) : null;
}
