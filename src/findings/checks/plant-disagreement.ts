import { OT_PROTOCOLS } from '../../engine/services.js';
import { type AssetRecord, type FactRecord, OT_ROLES } from '../../inventory/model.js';
import { looksLikeOrderNumber, matchPlantRows, normaliseIp, wireFacts } from '../../inventory/plant-import.js';
import type { Check, CheckContext, PlantAssetRow } from '../check.js';
import type { FindingDraft, FindingEvidence, FindingReference, Severity } from '../model.js';
import { BASE_SCORE, clean } from './support.js';

/**
 * Where the plant's own inventory (its spreadsheet) and the wire disagree.
 *
 * - `plant.firmware-mismatch`: the device reports a firmware the row does not list (versions
 *   compared by their numbers: "V2.9.4" = "2.9.4" = "FW 2.09.04"; a shorter one that is a prefix
 *   of the other agrees). Medium when the wire's is older (a recorded update was not applied),
 *   else low (the sheet is out of date).
 * - `plant.vendor-mismatch`, `plant.model-mismatch`: the device's own identity answer
 *   (precedence >= 100; never the MAC's OUI or a name service) names another vendor or model.
 *   Vendors are compared without legal suffixes and with brand aliases (Allen-Bradley =
 *   Rockwell, Modicon = Schneider); a model agrees when one contains the other; a Siemens
 *   order number is compared only with an order number.
 * - `plant.not-seen`: a listed device no observed asset matches. Info instead of low when its
 *   IPv4 /24 network appears nowhere in the captures (the network was probably not monitored).
 * - `plant.not-listed`: an observed asset no row matches, one finding each for controllers,
 *   HMIs, engineering workstations, historians and anything speaking an industrial protocol;
 *   the other local hosts as one grouped info finding.
 *
 * Rows are matched to assets again on every run (`matchPlantRows`: MAC, IP, serial, name), so a
 * device seen after the import stops being "not seen". Nothing fires without a plant inventory;
 * `not-seen` needs at least one observed asset. Facts with protocol 'plant-inventory' (an
 * overlay of the sheet) never count as wire evidence.
 */

const REVISION = 1;
const DEVICE_PRECEDENCE = 100;
const MAX_GROUP_EVIDENCE = 20;

const INVENTORY_REFS: FindingReference[] = [
  { kind: 'nist-csf', id: 'ID.AM-01', title: 'Inventories of hardware managed by the organization are maintained' },
  { kind: 'iec62443', id: 'SR 7.8', title: 'Control system component inventory' },
];
const FIRMWARE_REFS: FindingReference[] = [
  {
    kind: 'nist-csf',
    id: 'ID.AM-02',
    title: 'Inventories of software, services, and systems managed by the organization are maintained',
  },
  { kind: 'iec62443', id: 'SR 7.8', title: 'Control system component inventory' },
  { kind: 'cyber-essentials', id: 'Security update management' },
];

const SCORE = BASE_SCORE;

// --- comparisons ----------------------------------------------------------------------------

/** The numbers of a vendor-style version ("V2.9.4" -> [2, 9, 4]), trailing zeros dropped; null without digits. */
export function versionNumbers(v: string): number[] | null {
  const parts = v.match(/\d+/g);
  if (parts === null) return null;
  const n = parts.map((p) => Number(p));
  while (n.length > 1 && n[n.length - 1] === 0) n.pop();
  return n;
}

/** Two firmware strings name the same version (or one is a less precise spelling of the other). */
export function sameVersion(a: string, b: string): boolean {
  const x = versionNumbers(a);
  const y = versionNumbers(b);
  if (x === null || y === null) return compactUpper(a) === compactUpper(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** <0 when a is older than b, >0 when newer, 0 when equal or not comparable. */
function compareVersion(a: string, b: string): number {
  const x = versionNumbers(a);
  const y = versionNumbers(b);
  if (x === null || y === null) return 0;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function compactUpper(s: string): string {
  return s.toUpperCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

const LEGAL = new Set([
  'ag',
  'gmbh',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'ltd',
  'limited',
  'llc',
  'sa',
  'se',
  'spa',
  'bv',
  'nv',
  'kg',
  'kgaa',
  'oy',
  'ab',
  'as',
  'plc',
  'the',
  'group',
  'international',
]);
/** First significant word of a brand -> the company it belongs to. */
const BRAND: Record<string, string> = {
  allen: 'rockwell',
  allenbradley: 'rockwell',
  rockwell: 'rockwell',
  modicon: 'schneider',
  telemecanique: 'schneider',
  schneider: 'schneider',
  square: 'schneider',
  general: 'ge',
  ge: 'ge',
  fanuc: 'ge',
  emerson: 'emerson',
  belden: 'hirschmann',
  hirschmann: 'hirschmann',
  mitsubishi: 'mitsubishi',
  melsec: 'mitsubishi',
};

function vendorWords(v: string): string[] {
  return v
    .toLowerCase()
    .replace(/allen[\s-]*bradley/g, 'allenbradley')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '' && !LEGAL.has(w));
}

/** Two vendor names are the same company ("Siemens AG" = "SIEMENS", "Allen-Bradley" = "Rockwell Automation"). */
export function sameVendor(a: string, b: string): boolean {
  const x = vendorWords(a);
  const y = vendorWords(b);
  if (x.length === 0 || y.length === 0) return compactUpper(a) === compactUpper(b);
  const bx = new Set(x.map((w) => BRAND[w] ?? w));
  const by = new Set(y.map((w) => BRAND[w] ?? w));
  const fx = BRAND[x[0] as string] ?? (x[0] as string);
  const fy = BRAND[y[0] as string] ?? (y[0] as string);
  return by.has(fx) || bx.has(fy);
}

/** A model agrees with a wire value when equal or one contains the other (ignoring case, spaces and punctuation). */
export function sameModel(plant: string, wire: string): boolean {
  const a = compactUpper(plant);
  const b = compactUpper(wire);
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 4 && long.includes(short);
}

// --- helpers --------------------------------------------------------------------------------

function deviceFacts(a: AssetRecord, fields: readonly string[]): FactRecord[] {
  return fields.flatMap((f) => wireFacts(a, f)).filter((f) => f.precedence >= DEVICE_PRECEDENCE);
}

function best(facts: FactRecord[]): FactRecord {
  return [...facts].sort(
    (x, y) => y.precedence - x.precedence || y.count - x.count || y.lastSeenUs - x.lastSeenUs,
  )[0] as FactRecord;
}

function factEvidence(f: FactRecord, what: string): FindingEvidence {
  return {
    text: `${what} '${clean(f.value)}' reported by the device over ${f.protocol}`,
    protocol: f.protocol,
    source: f.source,
    firstSeenUs: f.firstSeenUs,
    lastSeenUs: f.lastSeenUs,
    count: f.count,
  };
}

function rowEvidence(row: PlantAssetRow, text: string): FindingEvidence {
  return { text, source: `plant inventory row ${row.row}` };
}

/** How a row names its device, stable across imports (not its row number, which moves). */
function rowScope(row: PlantAssetRow): string {
  if (row.mac !== null) return `mac:${row.mac}`;
  if (row.ip !== null) return `ip:${row.ip}`;
  if (row.serial !== null) return `serial:${row.serial}`;
  return `name:${row.name.toLowerCase()}`;
}

function rowLabel(row: PlantAssetRow): string {
  const name = row.name !== '' ? `'${clean(row.name)}'` : '';
  const addr = row.ip ?? row.mac ?? (row.serial !== null ? `serial ${clean(row.serial)}` : '');
  return [name, addr && name ? `(${addr})` : addr].filter((s) => s !== '').join(' ');
}

function assetLabel(a: AssetRecord): string {
  const name = wireFacts(a, 'device_name')[0]?.value ?? wireFacts(a, 'hostname')[0]?.value;
  const addr = a.ips[0] ?? a.mac ?? a.key;
  return name ? `'${clean(name)}' (${clean(addr)})` : clean(addr);
}

function ipv4Net(ip: string): string | null {
  const m = /^(\d+\.\d+\.\d+)\.\d+$/.exec(ip);
  return m ? `${m[1]}.0/24` : null;
}

function isLocal(a: AssetRecord): boolean {
  if (a.key.startsWith('mac:')) return true;
  return a.ips.some((ip) => {
    const n = normaliseIp(ip) ?? ip;
    if (/^(10\.|192\.168\.|169\.254\.|127\.)/.test(n)) return true;
    const m = /^172\.(\d+)\./.exec(n);
    if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
    const c = /^100\.(\d+)\./.exec(n);
    if (c && Number(c[1]) >= 64 && Number(c[1]) <= 127) return true;
    return /^(f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):/i.test(n);
  });
}

const ROLE_NAMES: Record<string, string> = {
  plc: 'PLC',
  hmi: 'HMI',
  'engineering-workstation': 'Engineering workstation',
  historian: 'Historian',
};

/** Why an asset counts as OT, or null: its role, an industrial protocol it serves or uses, or an identity from one. */
function otReason(a: AssetRecord): string | null {
  if (OT_ROLES.has(a.classification.role)) return `classified as ${a.classification.role}`;
  const r = a.roles.find((x) => OT_PROTOCOLS.has(x.protocol));
  if (r) return `${r.role === 'server' ? 'serves' : 'uses'} ${r.protocol}`;
  const f = a.facts.find((x) => x.precedence >= DEVICE_PRECEDENCE && OT_PROTOCOLS.has(x.protocol));
  if (f) return `answers ${f.protocol} identity requests`;
  return null;
}

// --- the check ------------------------------------------------------------------------------

function disagreements(row: PlantAssetRow, a: AssetRecord, out: FindingDraft[]): void {
  const label = assetLabel(a);

  if (row.firmware !== null) {
    const wire = wireFacts(a, 'firmware');
    if (wire.length > 0 && !wire.some((f) => sameVersion(row.firmware as string, f.value))) {
      const w = best(wire);
      const older = compareVersion(w.value, row.firmware) < 0;
      const severity: Severity = older ? 'medium' : 'low';
      out.push({
        ruleId: 'plant.firmware-mismatch',
        ruleRevision: REVISION,
        scope: a.key,
        severity,
        title: `Firmware of ${label} is ${clean(w.value)} on the wire, ${clean(row.firmware)} in the plant inventory`,
        description: older
          ? `The device reports an older firmware than the plant inventory records: an update recorded as done may not have been applied. Vulnerability assessments based on the inventory are wrong for this device.`
          : `The device reports a different firmware than the plant inventory records: the inventory is out of date, and vulnerability assessments based on it are wrong for this device.`,
        remediation: older
          ? `Check the firmware on ${label}; install ${clean(row.firmware)} (or the current fixed release) if the update was missed, then correct the plant inventory.`
          : `Update the plant inventory row ${row.row} to firmware ${clean(w.value)}, after confirming on the device that this is the installed version.`,
        assetKeys: [a.key],
        evidence: [
          factEvidence(w, 'firmware'),
          ...wire.filter((f) => f !== w).map((f) => factEvidence(f, 'also firmware')),
          rowEvidence(row, `plant inventory row ${row.row} lists firmware '${clean(row.firmware)}'`),
        ],
        references: FIRMWARE_REFS,
        score: SCORE[severity],
      });
    }
  }

  if (row.vendor !== null) {
    const wire = deviceFacts(a, ['vendor']);
    if (wire.length > 0 && !wire.some((f) => sameVendor(row.vendor as string, f.value))) {
      const w = best(wire);
      out.push({
        ruleId: 'plant.vendor-mismatch',
        ruleRevision: REVISION,
        scope: a.key,
        severity: 'low',
        title: `${label} identifies as ${clean(w.value)}, the plant inventory says ${clean(row.vendor)}`,
        description:
          'The device names another vendor in its own identity answer than the plant inventory lists. Either the row describes another device (swapped, replaced, or a wrong address in the sheet) or the inventory is wrong; advisories are matched by vendor, so either way some will be missed.',
        remediation: `Confirm which device sits at ${a.ips[0] ?? a.mac ?? a.key} and correct plant inventory row ${row.row}.`,
        assetKeys: [a.key],
        evidence: [
          factEvidence(w, 'vendor'),
          rowEvidence(row, `plant inventory row ${row.row} lists vendor '${clean(row.vendor)}'`),
        ],
        references: INVENTORY_REFS,
        score: SCORE.low,
      });
    }
  }

  if (row.model !== null) {
    const model = row.model;
    const orderOnly = looksLikeOrderNumber(model);
    const wire = deviceFacts(a, orderOnly ? ['order_number'] : ['model', 'product_name', 'order_number']);
    if (wire.length > 0 && !wire.some((f) => sameModel(model, f.value))) {
      const w = best(wire);
      out.push({
        ruleId: 'plant.model-mismatch',
        ruleRevision: REVISION,
        scope: a.key,
        severity: 'low',
        title: `${label} identifies as ${clean(w.value)}, the plant inventory says ${clean(model)}`,
        description:
          'The device reports another model or order number in its own identity answer than the plant inventory lists. Advisories are matched by model: a wrong model in the inventory hides the ones that apply.',
        remediation: `Confirm the device's model on site and record the exact model or order number in plant inventory row ${row.row}.`,
        assetKeys: [a.key],
        evidence: [
          factEvidence(w, w.field.replace('_', ' ')),
          rowEvidence(row, `plant inventory row ${row.row} lists model '${clean(model)}'`),
        ],
        references: INVENTORY_REFS,
        score: SCORE.low,
      });
    }
  }
}

function run(ctx: CheckContext): FindingDraft[] {
  if (ctx.plantInventory.length === 0) return [];
  const out: FindingDraft[] = [];
  const byKey = new Map(ctx.assets.map((a) => [a.key, a]));
  const matches = matchPlantRows(ctx.plantInventory, ctx.assets);
  const listed = new Set<string>();
  const nets = new Set<string>();
  for (const a of ctx.assets) {
    for (const ip of a.ips) {
      const n = ipv4Net(normaliseIp(ip) ?? ip);
      if (n !== null) nets.add(n);
    }
  }

  const notSeen = new Map<string, FindingDraft>();
  for (const m of matches) {
    const row = m.row;
    const asset = row.assetKey === null ? undefined : byKey.get(row.assetKey);
    if (asset !== undefined) {
      listed.add(asset.key);
      disagreements(row, asset, out);
      continue;
    }
    if (ctx.assets.length === 0) continue;
    const scope = rowScope(row);
    if (notSeen.has(scope)) continue;
    const net = row.ip === null ? null : ipv4Net(row.ip);
    const unmonitored = net !== null && !nets.has(net);
    const severity: Severity = unmonitored ? 'info' : 'low';
    const label = rowLabel(row);
    notSeen.set(scope, {
      ruleId: 'plant.not-seen',
      ruleRevision: REVISION,
      scope,
      severity,
      title: `${label} is in the plant inventory but was never seen on the network`,
      description: unmonitored
        ? `No traffic of ${label} was seen, and nothing at all from its network ${net}: that network was probably not in the captures. Monitor it to know whether the device is there.`
        : `The plant inventory lists ${label}, but no device in the captures matches it by MAC, IP, serial number or name. It may be switched off, removed, replaced by another device, or listed with a wrong address.`,
      remediation: `Check whether ${label} is still installed; if it was removed or replaced, update plant inventory row ${row.row}.`,
      assetKeys: [],
      evidence: [
        rowEvidence(row, `plant inventory row ${row.row}: ${label}${m.note ? `; ${clean(m.note, 160)}` : ''}`),
      ],
      references: INVENTORY_REFS,
      score: SCORE[severity],
    });
  }
  out.push(...notSeen.values());

  const itHosts: AssetRecord[] = [];
  for (const a of [...ctx.assets].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))) {
    if (listed.has(a.key)) continue;
    const why = otReason(a);
    if (why === null) {
      if (isLocal(a)) itHosts.push(a);
      continue;
    }
    const role = a.classification.role;
    const severity: Severity = role === 'plc' || role === 'engineering-workstation' ? 'medium' : 'low';
    const label = assetLabel(a);
    out.push({
      ruleId: 'plant.not-listed',
      ruleRevision: REVISION,
      scope: a.key,
      severity,
      title: `${ROLE_NAMES[role] ?? 'Device'} ${label} is on the network but not in the plant inventory`,
      description: `${label} ${why}, but no row of the plant inventory matches it. A device nobody lists is a device nobody patches, backs up or watches: it may be forgotten, temporary, or not supposed to be there.`,
      remediation: `Identify ${label} and its owner; add it to the plant inventory, or remove it if it should not be on this network.`,
      assetKeys: [a.key],
      evidence: [
        {
          text: `${label} ${why}; seen from first to last packet time`,
          firstSeenUs: a.firstSeenUs,
          lastSeenUs: a.lastSeenUs,
          count: a.packetsSent + a.packetsReceived,
        },
      ],
      references: INVENTORY_REFS,
      score: SCORE[severity],
    });
  }
  if (itHosts.length > 0) {
    const shown = itHosts.slice(0, MAX_GROUP_EVIDENCE);
    out.push({
      ruleId: 'plant.not-listed',
      ruleRevision: REVISION,
      scope: 'it-hosts',
      severity: 'info',
      title: `${itHosts.length} IT host${itHosts.length === 1 ? ' is' : 's are'} on the network but not in the plant inventory`,
      description:
        'These local hosts speak no industrial protocol and are not in the plant inventory. They may belong in the IT inventory instead; any of them in an OT zone deserves a look.',
      remediation: 'Check that each host belongs on this network and is listed in the IT or the plant inventory.',
      assetKeys: itHosts.map((a) => a.key),
      evidence: [
        ...shown.map((a) => ({
          text: `${assetLabel(a)} (${a.classification.role})`,
          firstSeenUs: a.firstSeenUs,
          lastSeenUs: a.lastSeenUs,
        })),
        ...(itHosts.length > shown.length ? [{ text: `and ${itHosts.length - shown.length} more` }] : []),
      ],
      references: INVENTORY_REFS,
      score: SCORE.info,
    });
  }
  return out;
}

export const plantDisagreementCheck: Check = {
  id: 'plant.disagreement',
  revision: REVISION,
  summary:
    "Where the plant's own inventory and the wire disagree: firmware, vendor or model; listed devices never seen; OT devices seen but not listed",
  run,
};
