import { isBlankRecord, parseCsv } from './csv.js';
import type { KevEntry } from './model.js';
import { FeedError, type FeedProblem, isObject, isoDate, pointer, prop, str } from './problems.js';

/**
 * CISA Known Exploited Vulnerabilities catalogue -> `KevEntry`, from either published form:
 *
 * - JSON: `{ title, catalogVersion, dateReleased, count, vulnerabilities: [{ cveID,
 *   vendorProject, product, vulnerabilityName, dateAdded, shortDescription, requiredAction,
 *   dueDate, knownRansomwareCampaignUse, notes, cwes }] }`.
 * - CSV with the header `cveID,vendorProject,product,vulnerabilityName,dateAdded,
 *   shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes` (columns
 *   found by name, any order; extra columns ignored).
 *
 * The CSV has no release date; its `documentDate` is the newest dateAdded.
 * `knownRansomware` is true only for "Known". An entry without a valid CVE id or dateAdded is
 * reported (JSON pointer or CSV line) and skipped; the others are kept. A CVE listed twice keeps
 * the last entry.
 */
export interface KevResult {
  entries: KevEntry[];
  /** dateReleased of the catalogue (JSON only), ISO. */
  documentDate: string | null;
  catalogVersion: string | null;
  problems: FeedProblem[];
}

const CVE = /^CVE-\d{4}-\d{4,}$/i;
const MAX_ENTRIES = 200_000;

/** Does this parsed JSON look like the KEV catalogue? */
export function isKevJson(doc: unknown): boolean {
  return (
    Array.isArray(prop(doc, 'vulnerabilities')) &&
    (prop(doc, 'catalogVersion') !== undefined || /known exploited/i.test(String(prop(doc, 'title') ?? '')))
  );
}

/** Is this CSV header the KEV layout? */
export function isKevHeader(fields: string[]): boolean {
  const names = fields.map((f) => f.trim().toLowerCase());
  return names.includes('cveid') && names.includes('dateadded');
}

function entry(
  get: (k: string) => string | null,
  where: (k: string) => string,
  problems: FeedProblem[],
): KevEntry | null {
  const cve = get('cveID');
  if (cve === null || !CVE.test(cve)) {
    problems.push({
      where: where('cveID'),
      message: cve === null ? 'missing cveID' : `not a CVE id: ${JSON.stringify(cve.slice(0, 40))}`,
    });
    return null;
  }
  const added = get('dateAdded');
  if (added === null || isoDate(added) === null) {
    problems.push({ where: where('dateAdded'), message: `${cve}: missing or invalid dateAdded` });
    return null;
  }
  const due = get('dueDate');
  return {
    cve: cve.toUpperCase(),
    vendor: get('vendorProject') ?? '',
    product: get('product') ?? '',
    name: get('vulnerabilityName') ?? '',
    dateAdded: added,
    dueDate: due === null || due === '' || isoDate(due) === null ? null : due,
    knownRansomware: (get('knownRansomwareCampaignUse') ?? '').toLowerCase() === 'known',
    requiredAction: get('requiredAction') ?? '',
  };
}

function dedupe(list: KevEntry[]): KevEntry[] {
  const byCve = new Map<string, KevEntry>();
  for (const e of list) byCve.set(e.cve, e);
  return [...byCve.values()];
}

/** The KEV JSON catalogue (already parsed). Throws FeedError if `vulnerabilities` is missing. */
export function parseKevJson(doc: unknown): KevResult {
  const list = prop(doc, 'vulnerabilities');
  if (!Array.isArray(list)) throw new FeedError('/vulnerabilities', 'not a KEV catalogue: no vulnerabilities list');
  const problems: FeedProblem[] = [];
  const entries: KevEntry[] = [];
  if (list.length > MAX_ENTRIES)
    problems.push({ where: '/vulnerabilities', message: `more than ${MAX_ENTRIES} entries; the rest are ignored` });
  list.slice(0, MAX_ENTRIES).forEach((v, i) => {
    if (!isObject(v)) {
      problems.push({ where: pointer('vulnerabilities', i), message: 'entry is not an object' });
      return;
    }
    const e = entry(
      (k) => str(v, k),
      (k) => pointer('vulnerabilities', i, k),
      problems,
    );
    if (e !== null) entries.push(e);
  });
  const released = str(doc, 'dateReleased', 100);
  return {
    entries: dedupe(entries),
    documentDate: isoDate(released),
    catalogVersion: str(doc, 'catalogVersion', 100),
    problems,
  };
}

/** The KEV CSV export. Throws FeedError if the header is not the KEV layout. */
export function parseKevCsv(text: string): KevResult {
  const { records, problems: csvProblems } = parseCsv(text, { maxRecords: MAX_ENTRIES + 1 });
  const problems: FeedProblem[] = csvProblems.map((p) => ({ where: `line ${p.line}`, message: p.message }));
  const header = records.find((r) => !isBlankRecord(r));
  if (header === undefined || !isKevHeader(header.fields))
    throw new FeedError('line 1', 'not a KEV CSV: no cveID,dateAdded header');
  const col = new Map<string, number>();
  header.fields.forEach((f, i) => {
    const k = f.trim().toLowerCase();
    if (!col.has(k)) col.set(k, i);
  });
  const entries: KevEntry[] = [];
  for (const r of records) {
    if (r === header || r.line < header.line || isBlankRecord(r)) continue;
    const e = entry(
      (k) => {
        const i = col.get(k.toLowerCase());
        return i === undefined || i >= r.fields.length ? null : (r.fields[i] as string).trim();
      },
      (k) => `line ${r.line} (${k})`,
      problems,
    );
    if (e !== null) entries.push(e);
  }
  // The CSV carries no release date: the newest dateAdded stands for it.
  let newest: string | null = null;
  for (const e of entries) if (newest === null || e.dateAdded > newest) newest = e.dateAdded;
  return { entries: dedupe(entries), documentDate: isoDate(newest), catalogVersion: null, problems };
}
