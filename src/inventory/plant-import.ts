import { isIP } from 'node:net';
import type { PlantAssetRow } from '../findings/check.js';
import { normaliseMac } from '../util/net.js';
import type { AssetRecord, FactRecord } from './model.js';

/**
 * The plant's own inventory: the spreadsheet a plant keeps of its devices, read from CSV or
 * JSON and matched to the assets seen on the wire.
 *
 * Layout (one device a row; every column optional, at least one of name, IP, MAC or serial per
 * row):
 *
 * | field         | header spellings recognised (case, spaces and punctuation ignored)          |
 * | ------------- | --------------------------------------------------------------------------- |
 * | `name`        | name, device name, hostname, host, tag, asset name, station name            |
 * | `ip`          | ip, ip address, ipv4, ip addr, ip-adresse                                   |
 * | `mac`         | mac, mac address, hardware address, ethernet address                        |
 * | `vendor`      | vendor, manufacturer, make, brand, hersteller                               |
 * | `model`       | model, model number, order no., order number, part number, article, MLFB    |
 * | `firmware`    | firmware, fw, firmware version, fw rev, version, software version, revision |
 * | `serial`      | serial, serial number, serial no., s/n, sn                                  |
 * | `location`    | location, site, area, building, room, cabinet                               |
 * | `zone`        | zone, security zone, network zone, segment, cell                            |
 * | `criticality` | criticality, critical, importance, priority                                 |
 * | `owner`       | owner, asset owner, responsible, contact                                    |
 *
 * Beyond those exact spellings a header is matched by its words ("Controller MAC" -> mac,
 * "PLC firmware rev" -> firmware); headers about something else ("source_ip", "firmware
 * date", "notes") are ignored. When several columns map to one field, the first non-empty one
 * in a row wins (so "Model" and "Order No." can both be given).
 *
 * CSV: RFC 4180 quoting (quoted commas, doubled quotes, line breaks inside quotes), delimiter
 * `,` `;` tab or `|` detected from the header (or an Excel `sep=;` first line), UTF-8 with or
 * without BOM, UTF-16 with BOM, else Windows-1252. Title rows above the header are skipped (the
 * header is the first of the first 20 records that names at least two fields, one of them a
 * key). A leading apostrophe that protects a formula-like value (`'=...`, `'-1`) is removed.
 *
 * JSON: an array of objects (or `{ "assets": [...] }`) with the same keys, matched the same
 * way; values are strings, numbers or null.
 *
 * A bad row (no key, an invalid IP or MAC, a value over 1,000 characters, cells beyond the
 * header) is reported with its place (`line 7`, `/3/ip`) and skipped; the rest imports.
 */

export const PLANT_FIELDS = [
  'name',
  'ip',
  'mac',
  'vendor',
  'model',
  'firmware',
  'serial',
  'location',
  'zone',
  'criticality',
  'owner',
] as const;
export type PlantField = (typeof PLANT_FIELDS)[number];

/** Precedence of a person's attested value: below the device's own answer (100), above name services (50). */
export const PLANT_PRECEDENCE = 90;
/** `FactRecord.protocol` of facts that come from the plant inventory. */
export const PLANT_PROTOCOL = 'plant-inventory';

/** Longest value accepted in a cell. */
export const MAX_VALUE_LENGTH = 1000;
/** Largest file read (bytes). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
const HEADER_SEARCH_RECORDS = 20;

/** A problem at one place of the file: `line 7` (CSV, physical line) or `/3/ip` (JSON pointer). */
export interface PlantImportIssue {
  place: string;
  message: string;
}

/** A file that cannot be read as a plant inventory at all. The message names the file. */
export class PlantFileError extends Error {
  override name = 'PlantFileError';
}

export interface PlantParseResult {
  format: 'csv' | 'json';
  /** Good rows, `assetKey` still null (see `matchPlantRows`). */
  rows: PlantAssetRow[];
  /** Bad rows, each skipped. */
  errors: PlantImportIssue[];
  /** Things the user should know that did not stop a row (ignored columns, extra IPs...). */
  warnings: PlantImportIssue[];
  /** How each header was understood (CSV header or JSON keys seen), null = ignored. */
  columns: { header: string; field: PlantField | null }[];
}

// --- header matching -----------------------------------------------------------------------

/** Exact header spellings, compacted (lower case, letters and digits only). */
const ALIASES: Record<string, PlantField> = {};
function alias(field: PlantField, ...names: string[]): void {
  for (const n of names) ALIASES[compact(n)] = field;
}
alias(
  'name',
  'name',
  'device name',
  'devicename',
  'device',
  'hostname',
  'host name',
  'host',
  'tag',
  'tag name',
  'asset',
  'asset name',
  'asset tag',
  'station name',
  'equipment',
  'system name',
  'sysname',
  'gerätename',
  'gerät',
  'geraet',
  'anlage',
  'anlagenname',
  'betriebsmittel',
  'bezeichnung',
  'equipment name',
);
alias(
  'ip',
  'ip',
  'ip address',
  'ipaddress',
  'ipv4',
  'ipv4 address',
  'ip addr',
  'ip adresse',
  'network address',
  'ipv6',
);
alias(
  'mac',
  'mac',
  'mac address',
  'macaddress',
  'mac addr',
  'hardware address',
  'ethernet address',
  'physical address',
);
alias('vendor', 'vendor', 'manufacturer', 'make', 'brand', 'hersteller', 'vendor name', 'oem');
alias(
  'model',
  'model',
  'model number',
  'model no',
  'model or order number',
  'order no',
  'order number',
  'order code',
  'part number',
  'part no',
  'article number',
  'article no',
  'catalog number',
  'catalogue number',
  'cat no',
  'mlfb',
  'product',
  'product name',
  'order nr',
  'bestellnummer',
  'bestell nr',
);
alias(
  'firmware',
  'firmware',
  'fw',
  'firmware version',
  'fw version',
  'fw rev',
  'firmware revision',
  'firmware rev',
  'version',
  'software version',
  'sw version',
  'revision',
  'rev',
);
alias('serial', 'serial', 'serial number', 'serial no', 'serialno', 's/n', 'sn', 'seriennummer');
alias('location', 'location', 'site', 'area', 'building', 'room', 'cabinet', 'place', 'standort', 'plant area');
alias('zone', 'zone', 'security zone', 'network zone', 'segment', 'network segment', 'cell', 'zone conduit');
alias('criticality', 'criticality', 'critical', 'importance', 'priority', 'business criticality', 'kritikalität');
alias('owner', 'owner', 'asset owner', 'responsible', 'responsible person', 'contact', 'maintainer', 'verantwortlich');

/** Words that make a header about something else even if it names a field ("source_ip", "firmware date"). */
const OTHER_TOPIC = new Set([
  'source',
  'src',
  'date',
  'updated',
  'status',
  'notes',
  'note',
  'comment',
  'comments',
  'remark',
  'remarks',
  'key',
  'seen',
  'gateway',
  'mask',
  'subnet',
  'count',
]);

/** Words that name a field inside a longer header, most specific first. */
const WORD_FIELDS: [string, PlantField][] = [
  ['mac', 'mac'],
  ['ip', 'ip'],
  ['ipv4', 'ip'],
  ['ipaddress', 'ip'],
  ['serial', 'serial'],
  ['firmware', 'firmware'],
  ['fw', 'firmware'],
  ['vendor', 'vendor'],
  ['manufacturer', 'vendor'],
  ['model', 'model'],
  ['article', 'model'],
  ['mlfb', 'model'],
  ['zone', 'zone'],
  ['location', 'location'],
  ['site', 'location'],
  ['criticality', 'criticality'],
  ['owner', 'owner'],
  ['hostname', 'name'],
  ['name', 'name'],
];

function compact(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The field a column header names, or null when it names none (matched loosely, see the module doc). */
export function matchHeader(header: string): PlantField | null {
  const exact = ALIASES[compact(header)];
  if (exact !== undefined) return exact;
  const words = header
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
  if (words.some((w) => OTHER_TOPIC.has(w))) return null;
  for (const [word, field] of WORD_FIELDS) if (words.includes(word)) return field;
  return null;
}

// --- values ----------------------------------------------------------------------------------

const EMPTY = new Set(['', '-', '--', 'n/a', 'na', 'none', 'null', 'unknown', '?', 'tbd']);

/** File text quoted in a message: control characters shown as '.', at most 40 characters. */
function show(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '.');
  return t.length > 40 ? `${t.slice(0, 39)}…` : t;
}

/** A cell as text, or null when it says nothing ("", "-", "n/a", "unknown"...). */
function cleanValue(raw: string): string | null {
  let s = raw.trim();
  // Our export (and careful spreadsheets) protect formula-like values with an apostrophe.
  if (/^'[=+\-@\t\r]/.test(s)) s = s.slice(1);
  return EMPTY.has(s.toLowerCase()) ? null : s;
}

/** An IP address in canonical form (IPv4 without leading zeros, IPv6 compressed lower case), or null. */
export function normaliseIp(s: string): string | null {
  let t = s.trim();
  const cidr = /^(.*)\/\d{1,3}$/.exec(t);
  if (cidr) t = cidr[1] as string;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? parts.join('.') : null;
  }
  if (isIP(t) === 6) {
    try {
      return new URL(`http://[${t}]/`).hostname.slice(1, -1);
    } catch {
      return null;
    }
  }
  return null;
}

/** A serial number for comparison: upper case, no spaces/dashes, no 0x prefix, no leading zeros. */
export function normaliseSerial(s: string): string {
  return s
    .toUpperCase()
    .replace(/[\s\-_:.]/g, '')
    .replace(/^0X(?=[0-9A-F]+$)/, '')
    .replace(/^0+(?=.)/, '');
}

/** A device name for comparison: lower case, trimmed, no trailing dot. */
function normaliseName(s: string): string {
  return s.trim().toLowerCase().replace(/\.$/, '');
}

function shortName(n: string): string {
  if (normaliseIp(n) !== null) return n;
  const dot = n.indexOf('.');
  return dot > 0 ? n.slice(0, dot) : n;
}

/** Values of one record by field; the first non-empty of the columns mapped to a field wins. */
type Cells = Partial<Record<PlantField, string>>;

/**
 * Validate one record into a row: the row, the message of its first problem (the caller adds
 * the place), or null for a record with nothing in it (blank spreadsheet lines).
 */
function buildRow(
  row: number,
  cells: Cells,
  warn: (message: string) => void,
): { row: PlantAssetRow } | { error: string } | null {
  const v: Record<PlantField, string | null> = {
    name: null,
    ip: null,
    mac: null,
    vendor: null,
    model: null,
    firmware: null,
    serial: null,
    location: null,
    zone: null,
    criticality: null,
    owner: null,
  };
  let any = false;
  for (const f of PLANT_FIELDS) {
    const raw = cells[f];
    if (raw === undefined) continue;
    if (raw.trim() !== '') any = true;
    const c = cleanValue(raw);
    if (c === null) continue;
    if (c.length > MAX_VALUE_LENGTH)
      return { error: `${f} is ${c.length} characters long (at most ${MAX_VALUE_LENGTH})` };
    v[f] = c;
  }
  if (!any) return null;

  if (v.ip !== null) {
    const list = v.ip.split(/[\s,;]+/).filter((x) => x !== '');
    const ips = list.map(normaliseIp);
    const bad = list.findIndex((_, i) => ips[i] === null);
    if (bad >= 0) return { error: `invalid IP address '${show(list[bad] as string)}'` };
    if (ips.length > 1) warn(`several IP addresses given; kept the first (${ips[0]})`);
    v.ip = ips[0] as string;
  }
  if (v.mac !== null) {
    const mac = normaliseMac(v.mac);
    if (mac === null) return { error: `invalid MAC address '${show(v.mac)}'` };
    v.mac = mac;
  }
  if (v.name === null && v.ip === null && v.mac === null && v.serial === null) {
    return { error: 'no name, IP address, MAC address or serial number: nothing to identify the device by' };
  }
  return { row: { row, ...v, name: v.name ?? '', assetKey: null } };
}

// --- CSV -------------------------------------------------------------------------------------

/** One CSV record with the physical line it starts on (1-based) and whether its quotes were closed. */
export interface CsvRecord {
  cells: string[];
  line: number;
  unterminated: boolean;
}

/**
 * RFC 4180 records: quoted fields may hold the delimiter, doubled quotes and line breaks; CRLF,
 * LF and CR end records. Lenient where spreadsheets are sloppy: a quote inside an unquoted field
 * is literal, and text after a closing quote is kept.
 */
export function parseCsv(text: string, delimiter = ',', limit = Number.POSITIVE_INFINITY): CsvRecord[] {
  const out: CsvRecord[] = [];
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  let i = 0;
  let line = 1;
  while (i < n && out.length < limit) {
    const startLine = line;
    const cells: string[] = [];
    let cell = '';
    let unterminated = false;
    for (;;) {
      if (i < n && text.charCodeAt(i) === 34 && cell === '') {
        // Quoted field.
        i++;
        let closed = false;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 34) {
            if (text.charCodeAt(i + 1) === 34) {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) line++;
          cell += text[i];
          i++;
        }
        if (!closed) unterminated = true;
      }
      // Unquoted part (or what follows a closing quote) up to the delimiter or end of line.
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === d || c === 10 || c === 13) break;
        j++;
      }
      cell += text.slice(i, j);
      i = j;
      cells.push(cell);
      cell = '';
      if (i < n && text.charCodeAt(i) === d) {
        i++;
        continue;
      }
      if (i < n && text.charCodeAt(i) === 13) i++;
      if (i < n && text.charCodeAt(i) === 10) i++;
      line++;
      break;
    }
    out.push({ cells, line: startLine, unterminated });
  }
  return out;
}

/** File bytes as text: BOM-detected UTF-8/UTF-16, else UTF-8 if valid, else Windows-1252. */
export function decodeText(data: Uint8Array): string {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf)
    return new TextDecoder('utf-8').decode(data.subarray(3));
  if (data[0] === 0xff && data[1] === 0xfe) return new TextDecoder('utf-16le').decode(data.subarray(2));
  if (data[0] === 0xfe && data[1] === 0xff) return new TextDecoder('utf-16be').decode(data.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return new TextDecoder('windows-1252').decode(data);
  }
}

interface HeaderGuess {
  delimiter: string;
  index: number;
  columns: { header: string; field: PlantField | null }[];
  score: number;
}

const KEY_FIELDS: ReadonlySet<PlantField> = new Set(['name', 'ip', 'mac', 'serial']);

function guessHeader(text: string, delimiters: string[]): HeaderGuess | null {
  let best: HeaderGuess | null = null;
  const head = text.slice(0, 256 * 1024);
  for (const delimiter of delimiters) {
    const records = parseCsv(head, delimiter, HEADER_SEARCH_RECORDS);
    for (let index = 0; index < records.length; index++) {
      const cells = (records[index] as CsvRecord).cells;
      const columns = cells.map((h) => ({ header: h.trim(), field: matchHeader(h) }));
      const fields = new Set(columns.map((c) => c.field).filter((f): f is PlantField => f !== null));
      const hasKey = [...fields].some((f) => KEY_FIELDS.has(f));
      if (fields.size < 2 || !hasKey) continue;
      if (best === null || fields.size > best.score) best = { delimiter, index, columns, score: fields.size };
      break;
    }
  }
  return best;
}

function parseCsvInventory(text: string, file: string): PlantParseResult {
  const errors: PlantImportIssue[] = [];
  const warnings: PlantImportIssue[] = [];
  let body = text;
  let delimiters = [',', ';', '\t', '|'];
  let lineOffset = 0;
  const sep = /^sep=(.)\r?\n/i.exec(body);
  if (sep) {
    delimiters = [sep[1] as string];
    body = body.slice(sep[0].length);
    lineOffset = 1;
  }
  const guess = guessHeader(body, delimiters);
  if (guess === null) {
    const first = parseCsv(body, ',', 1)[0]?.cells ?? [];
    const seen = first
      .slice(0, 8)
      .map((h) => `'${show(h.trim())}'`)
      .join(', ');
    throw new PlantFileError(
      `${file}: no header row in the first ${HEADER_SEARCH_RECORDS} lines naming the device columns ` +
        `(expected at least two of name, IP, MAC, vendor, model, firmware, serial, location, zone, criticality, owner, ` +
        `one of them name, IP, MAC or serial)${seen ? `; the first line has ${seen}` : ''}`,
    );
  }
  const records = parseCsv(body, guess.delimiter);
  const header = records[guess.index] as CsvRecord;
  if (guess.index > 0) {
    warnings.push({
      place: `line ${header.line + lineOffset}`,
      message: `header found here; ${guess.index} line(s) above it skipped`,
    });
  }
  const byField = new Map<PlantField, number[]>();
  guess.columns.forEach((c, i) => {
    if (c.field === null) return;
    const list = byField.get(c.field);
    if (list === undefined) byField.set(c.field, [i]);
    else list.push(i);
  });
  const ignored = guess.columns.filter((c) => c.field === null && c.header !== '').map((c) => `'${show(c.header)}'`);
  if (ignored.length > 0) {
    warnings.push({ place: `line ${header.line + lineOffset}`, message: `columns ignored: ${ignored.join(', ')}` });
  }

  const rows: PlantAssetRow[] = [];
  const width = guess.columns.length;
  for (let r = guess.index + 1; r < records.length; r++) {
    const rec = records[r] as CsvRecord;
    const place = `line ${rec.line + lineOffset}`;
    const rowNo = r - guess.index;
    if (rec.unterminated) {
      errors.push({ place, message: 'a quoted value is never closed (the rest of the file was read as one value)' });
      continue;
    }
    if (rec.cells.length > width && rec.cells.slice(width).some((c) => c.trim() !== '')) {
      errors.push({
        place,
        message: `${rec.cells.length} values but the header has ${width} columns (a value containing '${guess.delimiter === '\t' ? '\\t' : guess.delimiter}' must be quoted)`,
      });
      continue;
    }
    const cells: Cells = {};
    for (const [field, idx] of byField) {
      let value: string | undefined;
      for (const i of idx) {
        const c = rec.cells[i];
        if (c === undefined) continue;
        if (value === undefined || (cleanValue(value) === null && cleanValue(c) !== null)) value = c;
      }
      if (value !== undefined) cells[field] = value;
    }
    const built = buildRow(rowNo, cells, (message) => warnings.push({ place, message }));
    if (built === null) continue;
    if ('error' in built) errors.push({ place, message: built.error });
    else rows.push(built.row);
  }
  return { format: 'csv', rows, errors, warnings, columns: guess.columns };
}

// --- JSON ------------------------------------------------------------------------------------

function pointer(...parts: (string | number)[]): string {
  return `/${parts.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

function parseJsonInventory(text: string, file: string): PlantParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/[\u0000-\u001f\u007f-\u009f]/g, '.');
    throw new PlantFileError(`${file}: not valid JSON: ${why.length > 160 ? `${why.slice(0, 159)}…` : why}`);
  }
  let list: unknown[];
  let base: string[] = [];
  if (Array.isArray(doc)) list = doc;
  else if (doc !== null && typeof doc === 'object' && Array.isArray((doc as { assets?: unknown }).assets)) {
    list = (doc as { assets: unknown[] }).assets;
    base = ['assets'];
  } else {
    throw new PlantFileError(`${file}: expected a JSON array of objects (one per device), or { "assets": [...] }`);
  }
  const errors: PlantImportIssue[] = [];
  const warnings: PlantImportIssue[] = [];
  const rows: PlantAssetRow[] = [];
  const columns = new Map<string, PlantField | null>();
  list.forEach((item, i) => {
    const place = pointer(...base, i);
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      errors.push({
        place,
        message: `expected an object, found ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`,
      });
      return;
    }
    const cells: Cells = {};
    for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
      let field = columns.get(key);
      if (field === undefined) {
        field = matchHeader(key);
        columns.set(key, field);
      }
      if (field === null) continue;
      let text: string;
      if (value === null || value === undefined) text = '';
      else if (typeof value === 'string') text = value;
      else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
      else {
        errors.push({
          place: pointer(...base, i, key),
          message: `expected text or a number, found ${Array.isArray(value) ? 'an array' : typeof value}`,
        });
        return;
      }
      const prev = cells[field];
      if (prev === undefined || (cleanValue(prev) === null && cleanValue(text) !== null)) cells[field] = text;
    }
    const built = buildRow(i + 1, cells, (message) => warnings.push({ place, message }));
    if (built === null) return;
    if ('error' in built) errors.push({ place, message: built.error });
    else rows.push(built.row);
  });
  const cols = [...columns].map(([header, field]) => ({ header, field }));
  const ignored = cols.filter((c) => c.field === null).map((c) => `'${show(c.header)}'`);
  if (ignored.length > 0) warnings.push({ place: pointer(...base), message: `keys ignored: ${ignored.join(', ')}` });
  return { format: 'json', rows, errors, warnings, columns: cols };
}

/**
 * Read a plant inventory file (CSV or JSON, recognised by content). Throws `PlantFileError`
 * (one line, naming `file`) when the file as a whole is unusable; bad rows are in `errors`.
 */
export function parsePlantInventory(data: Uint8Array | string, file: string): PlantParseResult {
  if (typeof data !== 'string') {
    if (data.length > MAX_FILE_BYTES) {
      throw new PlantFileError(
        `${file}: ${data.length} bytes is more than a plant inventory can be (${MAX_FILE_BYTES})`,
      );
    }
    if (data[0] === 0x50 && data[1] === 0x4b && data[2] === 3 && data[3] === 4) {
      throw new PlantFileError(`${file}: this is an Excel workbook (or another zip file); save the sheet as CSV first`);
    }
    if (data[0] === 0xd0 && data[1] === 0xcf && data[2] === 0x11 && data[3] === 0xe0) {
      throw new PlantFileError(`${file}: this is an old Excel (.xls) workbook; save the sheet as CSV first`);
    }
  }
  const text = typeof data === 'string' ? data.replace(/^\uFEFF/, '') : decodeText(data);
  if (text.trim() === '') throw new PlantFileError(`${file}: the file is empty`);
  if (text.includes('\0')) throw new PlantFileError(`${file}: binary data, not a CSV or JSON file`);
  const first = text.trimStart()[0];
  return first === '[' || first === '{' ? parseJsonInventory(text, file) : parseCsvInventory(text, file);
}

// --- matching --------------------------------------------------------------------------------

export type PlantMatchKey = 'mac' | 'ip' | 'serial' | 'name';

export interface PlantMatch {
  /** The row with `assetKey` set (or null). */
  row: PlantAssetRow;
  /** Which key matched, null when none did. */
  by: PlantMatchKey | null;
  /** Why a candidate was refused, when one was ("IP 10.0.0.5 is held by a device with another MAC"). */
  note: string | null;
}

/** Asset fields that carry a device's name. */
export const NAME_FIELDS = ['device_name', 'hostname'];

/** Facts observed on the wire (a fact from the plant inventory itself is not evidence of the wire). */
export function wireFacts(a: AssetRecord, field: string): FactRecord[] {
  return a.facts.filter((f) => f.field === field && f.protocol !== PLANT_PROTOCOL);
}

function add<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else if (!list.includes(v)) list.push(v);
}

/** Non-routers first, then the most recently seen, then by key: the device most likely meant. */
function preferred(list: AssetRecord[]): AssetRecord {
  return [...list].sort(
    (a, b) =>
      Number(a.isRouter) - Number(b.isRouter) ||
      b.lastSeenUs - a.lastSeenUs ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  )[0] as AssetRecord;
}

/**
 * Match each row to an observed asset: by MAC, then IP, then serial number, then name
 * (device name or host name, also by the short host name). Precision first: a serial or name
 * that several assets carry matches none of them, and an IP or name match is refused when the
 * row's MAC and the asset's MAC are both known and differ (another device now holds that IP),
 * or, for a name, when the row's IP is not among the asset's. Pure and deterministic.
 */
export function matchPlantRows(rows: readonly PlantAssetRow[], assets: readonly AssetRecord[]): PlantMatch[] {
  const byMac = new Map<string, AssetRecord[]>();
  const byIp = new Map<string, AssetRecord[]>();
  const bySerial = new Map<string, AssetRecord[]>();
  const byName = new Map<string, AssetRecord[]>();
  const byShortName = new Map<string, AssetRecord[]>();
  for (const a of assets) {
    if (a.mac) add(byMac, a.mac.toLowerCase(), a);
    for (const ip of a.ips) add(byIp, normaliseIp(ip) ?? ip.toLowerCase(), a);
    for (const f of wireFacts(a, 'serial')) add(bySerial, normaliseSerial(f.value), a);
    for (const field of NAME_FIELDS) {
      for (const f of wireFacts(a, field)) {
        const n = normaliseName(f.value);
        if (n === '') continue;
        add(byName, n, a);
        add(byShortName, shortName(n), a);
      }
    }
  }

  return rows.map((row): PlantMatch => {
    const macConflict = (a: AssetRecord) => row.mac !== null && a.mac !== null && a.mac.toLowerCase() !== row.mac;
    let note: string | null = null;
    const done = (a: AssetRecord, by: PlantMatchKey): PlantMatch => ({ row: { ...row, assetKey: a.key }, by, note });

    if (row.mac !== null) {
      const hit = byMac.get(row.mac);
      if (hit) return done(preferred(hit), 'mac');
    }
    if (row.ip !== null) {
      const hit = byIp.get(row.ip)?.filter((a) => !macConflict(a));
      if (hit && hit.length > 0) return done(preferred(hit), 'ip');
      if (byIp.has(row.ip)) note = `IP ${row.ip} is held by a device with another MAC address`;
    }
    if (row.serial !== null) {
      const hit = bySerial.get(normaliseSerial(row.serial));
      if (hit?.length === 1) return done(hit[0] as AssetRecord, 'serial');
      if (hit && hit.length > 1) note ??= `serial number ${row.serial} is reported by ${hit.length} devices`;
    }
    if (row.name !== '') {
      const n = normaliseName(row.name);
      const ok = (a: AssetRecord) =>
        !macConflict(a) && (row.ip === null || a.ips.length === 0 || a.ips.includes(row.ip));
      for (const hit of [byName.get(n), byShortName.get(shortName(n))]) {
        if (hit === undefined) continue;
        const fit = hit.filter(ok);
        if (fit.length === 1) return done(fit[0] as AssetRecord, 'name');
        if (fit.length > 1) {
          note ??= `name '${show(row.name)}' is carried by ${fit.length} devices`;
          break;
        }
      }
    }
    return { row: { ...row, assetKey: null }, by: null, note };
  });
}

// --- the plant's values as facts ------------------------------------------------------------

/** Siemens MLFB-style order numbers (6ES7 315-2EH14-0AB0, 6AV2 124-0GC01-0AX0). */
export function looksLikeOrderNumber(s: string): boolean {
  return /^\d[A-Z]{2}\d/.test(s.toUpperCase().replace(/[\s-]/g, '')) && /\d{3}/.test(s);
}

/**
 * A row's attested values as identity facts (protocol 'plant-inventory', precedence 90,
 * source 'plant inventory row N'): device_name, vendor, model (or order_number for an
 * MLFB-style value), firmware, serial, location, zone, criticality, owner. Times are 0 (not
 * seen on the wire).
 */
export function plantFacts(row: PlantAssetRow): FactRecord[] {
  const out: FactRecord[] = [];
  const push = (field: string, value: string | null) => {
    if (value === null || value === '') return;
    out.push({
      field,
      value,
      protocol: PLANT_PROTOCOL,
      source: `plant inventory row ${row.row}`,
      precedence: PLANT_PRECEDENCE,
      firstSeenUs: 0,
      lastSeenUs: 0,
      count: 1,
    });
  };
  push('device_name', row.name);
  push('vendor', row.vendor);
  if (row.model !== null) push(looksLikeOrderNumber(row.model) ? 'order_number' : 'model', row.model);
  push('firmware', row.firmware);
  push('serial', row.serial);
  push('location', row.location);
  push('zone', row.zone);
  push('criticality', row.criticality);
  push('owner', row.owner);
  return out;
}

/**
 * The assets with the plant's attested values added as facts of the assets the rows match
 * (matched now, against these assets). For views and checks that want one picture: the
 * device's own answer (100) still beats the plant's value (90), which beats name services (50)
 * and the OUI (10). The inputs are not modified.
 */
export function overlayPlantFacts(assets: readonly AssetRecord[], rows: readonly PlantAssetRow[]): AssetRecord[] {
  const extra = new Map<string, FactRecord[]>();
  for (const m of matchPlantRows(rows, assets)) {
    if (m.row.assetKey === null) continue;
    const list = extra.get(m.row.assetKey) ?? [];
    list.push(...plantFacts(m.row));
    extra.set(m.row.assetKey, list);
  }
  return assets.map((a) => {
    const more = extra.get(a.key);
    return more ? { ...a, facts: [...a.facts.filter((f) => f.protocol !== PLANT_PROTOCOL), ...more] } : a;
  });
}
