/**
 * The zone file: the plant's zones (IEC 62443 zones with a Purdue level and a criticality) and
 * the conduits allowed between them, in YAML. Format and example: src/policy/README.md.
 *
 * Parsing is strict: every problem is reported with its line and column (unknown keys, wrong
 * types, bad CIDRs, unknown protocols, conduits naming missing zones, an address, VLAN or asset
 * claimed by two zones), all of them at once, and a file with any error is refused as a whole: a
 * half-read policy would raise false alerts or open the firewall.
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { macToString, parseMac } from '../util/net.js';
import { type Cidr, cidrToString, editDistance, ipToString, knownProtocols, parseCidr, parseIp } from './net.js';

export type Criticality = 'low' | 'medium' | 'high' | 'critical';
export const CRITICALITIES: readonly Criticality[] = ['low', 'medium', 'high', 'critical'];

/**
 * What a conduit allows: 'read' (reads, diagnostics, discovery, logins), 'read-write' (also
 * writes of values and setpoints), 'programming' (also program download/upload/delete, mode
 * changes such as STOP/RUN, firmware), 'any' (no restriction on operations).
 */
export type ConduitOperations = 'read' | 'read-write' | 'programming' | 'any';
export const CONDUIT_OPERATIONS: readonly ConduitOperations[] = ['read', 'read-write', 'programming', 'any'];

/** Purdue levels: 0 process, 1 control, 2 supervisory, 3 operations, 3.5 the IT/OT DMZ, 4-5 enterprise. */
export const LEVELS: readonly number[] = [0, 1, 2, 3, 3.5, 4, 5];

export interface Zone {
  name: string;
  description: string | null;
  level: number;
  criticality: Criticality;
  cidrs: Cidr[];
  vlans: number[];
  /** Asset tags: asset keys ('mac:00:1b:1b:01:02:03', 'ip:10.0.0.5'), normalised. */
  assetKeys: string[];
  /** Asset tags given as addresses, normalised text form. */
  assetIps: string[];
  /** Line of the zone in the file. */
  line: number;
}

export interface PortRange {
  from: number;
  to: number;
}

export interface Conduit {
  name: string;
  description: string | null;
  from: string;
  to: string;
  protocols: string[];
  /** Allowed server ports; null = the protocol's ports, whatever they are. */
  ports: PortRange[] | null;
  operations: ConduitOperations;
  /** Either zone may open the connection. */
  bidirectional: boolean;
  line: number;
}

export interface ZoneFile {
  /** Name of the file as given (for messages). */
  file: string;
  /** Engineering workstations: addresses (normalised) and asset keys. */
  engineeringStations: string[];
  zones: Zone[];
  conduits: Conduit[];
}

export interface ZoneFileIssue {
  line: number;
  col: number;
  message: string;
}

/** A zone file that cannot be used; `issues` lists every problem with its place. */
export class ZoneFileError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ZoneFileIssue[],
  ) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(first ? `${file}:${first.line}: ${first.message}${more}` : `${file}: invalid zone file`);
    this.name = 'ZoneFileError';
  }

  /** Every issue as `file:line:col: message`, one per line. */
  lines(): string[] {
    return this.issues.map((i) => `${this.file}:${i.line}:${i.col}: ${i.message}`);
  }
}

/** Zone files are small; a larger one is a mistake (or an attack on the parser). */
export const MAX_ZONE_FILE_BYTES = 1024 * 1024;
const MAX_ITEMS = 10_000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const TOP_KEYS = ['version', 'engineering_stations', 'zones', 'conduits'];
const ZONE_KEYS = ['name', 'description', 'level', 'criticality', 'cidrs', 'vlans', 'assets'];
const CONDUIT_KEYS = ['name', 'description', 'from', 'to', 'protocols', 'ports', 'operations', 'bidirectional'];

/** Control characters out of text quoted back in messages. */
function shown(s: unknown): string {
  const t = String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, '.');
  return t.length > 60 ? `${t.slice(0, 59)}…` : t;
}

class Checker {
  readonly issues: ZoneFileIssue[] = [];
  constructor(private readonly lc: LineCounter) {}

  at(node: Node | Pair | null | undefined, message: string): void {
    const n = node && 'range' in node ? node : node && 'key' in node ? (node.key as Node) : null;
    const off = n?.range?.[0] ?? 0;
    const pos = this.lc.linePos(off);
    this.issues.push({ line: pos.line, col: pos.col, message });
  }

  /** The keys of a mapping, each unknown key reported. */
  fields(node: Node, allowed: readonly string[], where: string): Map<string, { pair: Pair; value: Node | null }> {
    const out = new Map<string, { pair: Pair; value: Node | null }>();
    if (!isMap(node)) {
      this.at(node, `${where} must be a mapping of keys to values`);
      return out;
    }
    for (const pair of (node as YAMLMap).items) {
      const k = isScalar(pair.key) ? pair.key.value : null;
      if (typeof k !== 'string') {
        this.at(pair.key as Node, `${where}: keys must be plain names`);
        continue;
      }
      if (!allowed.includes(k)) {
        const near = allowed.find((a) => editDistance(a, k) <= 2);
        this.at(
          pair.key as Node,
          `${where}: unknown key '${shown(k)}'${near ? ` (did you mean '${near}'?)` : ''} (allowed: ${allowed.join(', ')})`,
        );
        continue;
      }
      out.set(k, { pair, value: (pair.value as Node | null) ?? null });
    }
    return out;
  }

  str(node: Node | null, where: string, pair?: Pair): string | null {
    if (node && isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') return node.value.trim();
    this.at(node ?? pair, `${where} must be a non-empty text`);
    return null;
  }

  /** A list of scalars; a single scalar is accepted as a list of one. */
  list(node: Node | null, where: string, pair?: Pair): Scalar[] {
    if (node && isScalar(node) && node.value !== null) return [node];
    if (!node || !isSeq(node)) {
      this.at(node ?? pair, `${where} must be a list`);
      return [];
    }
    const out: Scalar[] = [];
    for (const item of node.items) {
      if (isScalar(item) && item.value !== null) out.push(item);
      else this.at(item as Node, `${where}: each entry must be a single value`);
    }
    if (out.length > MAX_ITEMS) this.at(node, `${where}: more than ${MAX_ITEMS} entries`);
    return out.slice(0, MAX_ITEMS);
  }
}

/** An asset tag or engineering station: an IP, a MAC, or an asset key; null when it is none. */
function assetRef(s: string): { key: string | null; ip: string | null } | null {
  const t = s.trim();
  const lower = t.toLowerCase();
  if (lower.startsWith('ip:')) {
    const ip = parseIp(t.slice(3));
    return ip ? { key: `ip:${ipToString(ip.v, ip.n)}`, ip: ipToString(ip.v, ip.n) } : null;
  }
  if (lower.startsWith('mac:')) {
    const mac = parseMac(t.slice(4));
    return mac === null ? null : { key: `mac:${macToString(mac)}`, ip: null };
  }
  const ip = parseIp(t);
  if (ip) return { key: null, ip: ipToString(ip.v, ip.n) };
  const mac = parseMac(t);
  return mac === null ? null : { key: `mac:${macToString(mac)}`, ip: null };
}

function parsePorts(c: Checker, items: Scalar[], where: string): PortRange[] {
  const out: PortRange[] = [];
  for (const it of items) {
    const v = it.value;
    let r: PortRange | null = null;
    if (typeof v === 'number' && Number.isInteger(v)) r = { from: v, to: v };
    else if (typeof v === 'string') {
      const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(v);
      if (m) r = { from: Number(m[1]), to: Number(m[2]) };
      else if (/^\s*\d{1,5}\s*$/.test(v)) r = { from: Number(v), to: Number(v) };
    }
    if (r === null || r.from < 1 || r.to > 65535 || r.from > r.to) {
      c.at(it, `${where}: '${shown(v)}' is not a port (1-65535) or a range like 5000-5010`);
      continue;
    }
    out.push(r);
  }
  return out;
}

/**
 * Parse and validate a zone file. Throws ZoneFileError listing every problem (line, column,
 * what is wrong); returns the zones and conduits when there is none.
 */
export function parseZoneFile(text: string, file: string): ZoneFile {
  const lc = new LineCounter();
  const c = new Checker(lc);
  if (text.length > MAX_ZONE_FILE_BYTES) {
    throw new ZoneFileError(file, [
      { line: 1, col: 1, message: `file is larger than ${MAX_ZONE_FILE_BYTES} bytes: not a zone file` },
    ]);
  }
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    c.issues.push({ line: pos.line, col: pos.col, message: `YAML: ${e.message.split('\n')[0]}` });
  }
  if (c.issues.length > 0) throw new ZoneFileError(file, c.issues);
  const root = doc.contents as Node | null;
  if (root === null)
    throw new ZoneFileError(file, [{ line: 1, col: 1, message: 'the file is empty: expected zones and conduits' }]);

  const top = c.fields(root, TOP_KEYS, 'zone file');
  const version = top.get('version');
  if (version && !(isScalar(version.value) && version.value.value === 1)) {
    c.at(version.value ?? version.pair, 'version must be 1 (the only zone file version there is)');
  }

  const stations: string[] = [];
  const es = top.get('engineering_stations');
  if (es) {
    for (const it of c.list(es.value, 'engineering_stations', es.pair)) {
      const ref = assetRef(String(it.value));
      if (!ref) c.at(it, `engineering_stations: '${shown(it.value)}' is not an IP address, MAC address or asset key`);
      else stations.push((ref.key ?? ref.ip) as string);
    }
  }

  const zones: Zone[] = [];
  const zoneByName = new Map<string, Zone>();
  const cidrOwner = new Map<string, string>();
  const vlanOwner = new Map<number, string>();
  const assetOwner = new Map<string, string>();
  const zonesNode = top.get('zones');
  if (!zonesNode) c.at(root, "zone file: 'zones' is missing (a list of zones)");
  else if (!isSeq(zonesNode.value) || zonesNode.value.items.length === 0)
    c.at(zonesNode.value ?? zonesNode.pair, 'zones must be a non-empty list of zones');
  else {
    zonesNode.value.items.forEach((item, i) => {
      const node = item as Node;
      const f = c.fields(node, ZONE_KEYS, `zones[${i}]`);
      if (!isMap(node)) return;
      const nameField = f.get('name');
      const name = nameField ? c.str(nameField.value, `zones[${i}].name`, nameField.pair) : null;
      if (!nameField) c.at(node, `zones[${i}]: 'name' is missing`);
      const where = name ? `zone '${shown(name)}'` : `zones[${i}]`;
      if (name !== null && !NAME.test(name)) {
        c.at(
          nameField?.value,
          `${where}: a name is letters, digits, '.', '_' or '-' (at most 63, starting with a letter or digit)`,
        );
      } else if (name !== null && zoneByName.has(name)) {
        c.at(nameField?.value, `${where}: defined twice (first at line ${zoneByName.get(name)?.line})`);
      }
      const lv = f.get('level');
      let level = -1;
      if (!lv) c.at(node, `${where}: 'level' is missing (Purdue level ${LEVELS.join(', ')})`);
      else if (isScalar(lv.value) && typeof lv.value.value === 'number' && LEVELS.includes(lv.value.value)) {
        level = lv.value.value;
      } else {
        const v = isScalar(lv.value) ? lv.value.value : '(not a number)';
        c.at(
          lv.value ?? lv.pair,
          `${where}: level must be a Purdue level: ${LEVELS.join(', ')} (3.5 is the DMZ), not '${shown(v)}'`,
        );
      }
      const cr = f.get('criticality');
      let criticality: Criticality = 'low';
      if (!cr) c.at(node, `${where}: 'criticality' is missing (${CRITICALITIES.join(', ')})`);
      else {
        const v = isScalar(cr.value) ? cr.value.value : null;
        if (typeof v === 'string' && (CRITICALITIES as readonly string[]).includes(v)) criticality = v as Criticality;
        else
          c.at(
            cr.value ?? cr.pair,
            `${where}: criticality must be one of ${CRITICALITIES.join(', ')}, not '${shown(v)}'`,
          );
      }
      const desc = f.get('description');
      const description = desc ? c.str(desc.value, `${where}: description`, desc.pair) : null;
      const zone: Zone = {
        name: name ?? `zones[${i}]`,
        description,
        level,
        criticality,
        cidrs: [],
        vlans: [],
        assetKeys: [],
        assetIps: [],
        line: lc.linePos(node.range?.[0] ?? 0).line,
      };
      const claim = (owners: Map<string | number, string>, k: string | number, what: string, at: Node) => {
        const prev = owners.get(k);
        if (prev !== undefined && prev !== zone.name) {
          c.at(at, `${where}: ${what} is already in zone '${shown(prev)}' (a host belongs to one zone)`);
          return false;
        }
        owners.set(k, zone.name);
        return true;
      };
      const cidrs = f.get('cidrs');
      if (cidrs) {
        for (const it of c.list(cidrs.value, `${where}: cidrs`, cidrs.pair)) {
          const r = parseCidr(String(it.value));
          if (typeof r === 'string') c.at(it, `${where}: ${r}`);
          else if (claim(cidrOwner as Map<string | number, string>, cidrToString(r), cidrToString(r), it)) {
            if (!zone.cidrs.some((x) => x.v === r.v && x.net === r.net && x.bits === r.bits)) zone.cidrs.push(r);
          }
        }
      }
      const vlans = f.get('vlans');
      if (vlans) {
        for (const it of c.list(vlans.value, `${where}: vlans`, vlans.pair)) {
          const v = it.value;
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 4094) {
            c.at(it, `${where}: VLAN '${shown(v)}' must be a number from 1 to 4094`);
          } else if (claim(vlanOwner as Map<string | number, string>, v, `VLAN ${v}`, it) && !zone.vlans.includes(v)) {
            zone.vlans.push(v);
          }
        }
      }
      const assets = f.get('assets');
      if (assets) {
        for (const it of c.list(assets.value, `${where}: assets`, assets.pair)) {
          const ref = assetRef(String(it.value));
          if (!ref) {
            c.at(
              it,
              `${where}: asset '${shown(it.value)}' is not an IP address, MAC address or asset key (ip:..., mac:...)`,
            );
            continue;
          }
          const k = (ref.key ?? ref.ip) as string;
          if (!claim(assetOwner as Map<string | number, string>, k, `asset ${k}`, it)) continue;
          if (ref.key !== null && !zone.assetKeys.includes(ref.key)) zone.assetKeys.push(ref.key);
          if (ref.ip !== null && !zone.assetIps.includes(ref.ip)) zone.assetIps.push(ref.ip);
        }
      }
      if (!cidrs && !vlans && !assets)
        c.at(node, `${where}: give at least one of cidrs, vlans or assets (what is in the zone)`);
      if (name !== null && !zoneByName.has(name)) zoneByName.set(name, zone);
      zones.push(zone);
    });
  }

  const conduits: Conduit[] = [];
  const conduitNames = new Map<string, number>();
  const known = knownProtocols();
  const cn = top.get('conduits');
  if (cn && cn.value !== null && !(isScalar(cn.value) && cn.value.value === null)) {
    if (!isSeq(cn.value)) c.at(cn.value ?? cn.pair, 'conduits must be a list of conduits');
    else {
      cn.value.items.forEach((item, i) => {
        const node = item as Node;
        const f = c.fields(node, CONDUIT_KEYS, `conduits[${i}]`);
        if (!isMap(node)) return;
        const line = lc.linePos(node.range?.[0] ?? 0).line;
        const zoneRef = (k: 'from' | 'to'): string | null => {
          const fld = f.get(k);
          if (!fld) {
            c.at(node, `conduits[${i}]: '${k}' is missing (a zone name)`);
            return null;
          }
          const z = c.str(fld.value, `conduits[${i}].${k}`, fld.pair);
          if (z !== null && !zoneByName.has(z)) {
            const near = [...zoneByName.keys()].find((n) => editDistance(n, z) <= 2);
            c.at(
              fld.value,
              `conduits[${i}].${k}: no zone named '${shown(z)}'${near ? ` (did you mean '${near}'?)` : ''}`,
            );
          }
          return z;
        };
        const from = zoneRef('from');
        const to = zoneRef('to');
        const nm = f.get('name');
        const name = nm ? c.str(nm.value, `conduits[${i}].name`, nm.pair) : `${from ?? '?'}->${to ?? '?'}#${i + 1}`;
        const where = nm && name ? `conduit '${shown(name)}'` : `conduits[${i}]`;
        if (nm && name !== null) {
          if (!NAME.test(name)) c.at(nm.value, `${where}: a name is letters, digits, '.', '_' or '-' (at most 63)`);
          else if (conduitNames.has(name))
            c.at(nm.value, `${where}: defined twice (first at line ${conduitNames.get(name)})`);
          else conduitNames.set(name, line);
        }
        if (from !== null && from === to) {
          c.at(f.get('to')?.value, `${where}: from and to are the same zone (traffic inside a zone needs no conduit)`);
        }
        const protocols: string[] = [];
        const pr = f.get('protocols');
        if (!pr) c.at(node, `${where}: 'protocols' is missing (e.g. [modbus, s7comm]; 'any' for every protocol)`);
        else {
          for (const it of c.list(pr.value, `${where}: protocols`, pr.pair)) {
            const p = String(it.value).trim().toLowerCase();
            if (!known.has(p)) {
              const near = p === 'https' ? ['tls'] : [...known].filter((k) => editDistance(k, p) <= 2).slice(0, 3);
              c.at(
                it,
                `${where}: unknown protocol '${shown(it.value)}'${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ''}; names are those plantwarden reports (modbus, s7comm, enip, opcua, http, tls...) or tcp, udp, icmp, any`,
              );
            } else if (!protocols.includes(p)) protocols.push(p);
          }
          if (isSeq(pr.value) && pr.value.items.length === 0) c.at(pr.value, `${where}: protocols must not be empty`);
        }
        let ports: PortRange[] | null = null;
        const po = f.get('ports');
        if (po) ports = parsePorts(c, c.list(po.value, `${where}: ports`, po.pair), `${where}: ports`);
        if (protocols.includes('icmp') && ports !== null) c.at(po?.value, `${where}: icmp has no ports`);
        const op = f.get('operations');
        let operations: ConduitOperations = 'read';
        if (!op) c.at(node, `${where}: 'operations' is missing (${CONDUIT_OPERATIONS.join(', ')})`);
        else {
          const v = isScalar(op.value) ? op.value.value : null;
          if (typeof v === 'string' && (CONDUIT_OPERATIONS as readonly string[]).includes(v))
            operations = v as ConduitOperations;
          else
            c.at(
              op.value ?? op.pair,
              `${where}: operations must be one of ${CONDUIT_OPERATIONS.join(', ')}, not '${shown(v)}'`,
            );
        }
        const bi = f.get('bidirectional');
        let bidirectional = false;
        if (bi) {
          if (isScalar(bi.value) && typeof bi.value.value === 'boolean') bidirectional = bi.value.value;
          else c.at(bi.value ?? bi.pair, `${where}: bidirectional must be true or false`);
        }
        const desc = f.get('description');
        const description = desc ? c.str(desc.value, `${where}: description`, desc.pair) : null;
        conduits.push({
          name: name ?? `conduits[${i}]`,
          description,
          from: from ?? '',
          to: to ?? '',
          protocols,
          ports,
          operations,
          bidirectional,
          line,
        });
      });
    }
  }
  if (c.issues.length > 0) {
    c.issues.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ZoneFileError(file, c.issues);
  }
  return { file, engineeringStations: stations, zones, conduits };
}
