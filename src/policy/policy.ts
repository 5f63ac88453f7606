/**
 * The zone policy as rules and exports use it: which zone a host is in, which conduit allows a
 * connection, and whether an operation stays within what the conduit allows.
 */
import { readFile, stat } from 'node:fs/promises';
import type { PolicyView } from '../detect/contract.js';
import type { Op } from '../observations/observation.js';
import { cidrContains, type Ip, ipToString, parseIp } from './net.js';
import {
  type Conduit,
  type ConduitOperations,
  MAX_ZONE_FILE_BYTES,
  parseZoneFile,
  type Zone,
  type ZoneFile,
  ZoneFileError,
} from './zone-file.js';

/** How a host was placed in its zone (the precedence order: asset tag, then VLAN, then CIDR). */
export type ZoneMatch = 'asset' | 'vlan' | 'cidr';

/** A loaded zone policy: the PolicyView rules read, plus the file's zones and conduits. */
export interface Policy extends PolicyView {
  readonly file: string;
  readonly zones: readonly Zone[];
  readonly conduits: readonly Conduit[];
  zone(name: string): Zone | undefined;
  /** Like zoneOf, with the zone itself and how it matched. */
  placeHost(ip: string, vlan: number, assetKey: string | null): { zone: Zone; match: ZoneMatch } | null;
  /** Every conduit allowing the connection (zoneOf order: the file's), broadest operations first. */
  conduitsFor(fromZone: string, toZone: string, protocol: string | null, port: number): Conduit[];
}

const OPS_RANK: Record<ConduitOperations, number> = { read: 0, 'read-write': 1, programming: 2, any: 3 };

/** The least a conduit must allow for an operation class (null: every conduit allows it). */
export function requiredOperations(op: Op | string): ConduitOperations | null {
  switch (op) {
    case 'write':
      return 'read-write';
    case 'program':
    case 'control':
    case 'firmware':
      return 'programming';
    default:
      return null;
  }
}

/** Whether a conduit's operations allow an operation class. */
export function operationAllowed(allowed: ConduitOperations, op: Op | string): boolean {
  const need = requiredOperations(op);
  return need === null || OPS_RANK[allowed] >= OPS_RANK[need];
}

const CACHE_MAX = 8192;

class ZonePolicy implements Policy {
  readonly file: string;
  readonly zones: readonly Zone[];
  readonly conduits: readonly Conduit[];
  readonly engineeringStations: ReadonlySet<string>;
  private readonly byName = new Map<string, Zone>();
  private readonly byKey = new Map<string, Zone>();
  private readonly byIp = new Map<string, Zone>();
  private readonly byVlan = new Map<number, Zone>();
  /** CIDRs of every zone, most specific first. */
  private readonly cidrs: { zone: Zone; cidr: Zone['cidrs'][number] }[];
  private readonly cache = new Map<string, { zone: Zone; match: ZoneMatch } | null>();

  constructor(zf: ZoneFile) {
    this.file = zf.file;
    this.zones = zf.zones;
    this.conduits = zf.conduits;
    this.engineeringStations = new Set(zf.engineeringStations);
    for (const z of zf.zones) {
      this.byName.set(z.name, z);
      for (const k of z.assetKeys) this.byKey.set(k, z);
      for (const ip of z.assetIps) this.byIp.set(ip, z);
      for (const v of z.vlans) this.byVlan.set(v, z);
    }
    this.cidrs = zf.zones.flatMap((zone) => zone.cidrs.map((cidr) => ({ zone, cidr })));
    this.cidrs.sort((a, b) => b.cidr.bits - a.cidr.bits);
  }

  zone(name: string): Zone | undefined {
    return this.byName.get(name);
  }

  placeHost(ip: string, vlan: number, assetKey: string | null): { zone: Zone; match: ZoneMatch } | null {
    const ck = `${ip}|${vlan}|${assetKey ?? ''}`;
    const hit = this.cache.get(ck);
    if (hit !== undefined) return hit;
    const r = this.place(ip, vlan, assetKey);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(ck, r);
    return r;
  }

  private place(ip: string, vlan: number, assetKey: string | null): { zone: Zone; match: ZoneMatch } | null {
    if (assetKey !== null) {
      const z = this.byKey.get(assetKey.toLowerCase()) ?? this.byKey.get(assetKey);
      if (z) return { zone: z, match: 'asset' };
    }
    const parsed: Ip | null = ip === '' ? null : parseIp(ip);
    if (parsed !== null && this.byIp.size > 0) {
      const z = this.byIp.get(ip) ?? this.byIp.get(ipToString(parsed.v, parsed.n));
      if (z) return { zone: z, match: 'asset' };
    }
    if (vlan > 0) {
      const z = this.byVlan.get(vlan);
      if (z) return { zone: z, match: 'vlan' };
    }
    if (parsed !== null)
      for (const e of this.cidrs) if (cidrContains(e.cidr, parsed)) return { zone: e.zone, match: 'cidr' };
    return null;
  }

  zoneOf(
    ip: string,
    vlan: number,
    assetKey: string | null,
  ): { name: string; level: number; criticality: string } | null {
    const p = this.placeHost(ip, vlan, assetKey);
    return p === null ? null : { name: p.zone.name, level: p.zone.level, criticality: p.zone.criticality };
  }

  conduitsFor(fromZone: string, toZone: string, protocol: string | null, port: number): Conduit[] {
    const out: Conduit[] = [];
    for (const c of this.conduits) {
      const forward = c.from === fromZone && c.to === toZone;
      const back = c.bidirectional && c.from === toZone && c.to === fromZone;
      if (!forward && !back) continue;
      if (!c.protocols.includes('any') && (protocol === null || !c.protocols.includes(protocol))) continue;
      if (c.ports !== null && !c.ports.some((r) => port >= r.from && port <= r.to)) continue;
      out.push(c);
    }
    return out.sort((a, b) => OPS_RANK[b.operations] - OPS_RANK[a.operations]);
  }

  conduit(
    fromZone: string,
    toZone: string,
    protocol: string | null,
    port: number,
  ): { name: string; operations: ConduitOperations } | null {
    const c = this.conduitsFor(fromZone, toZone, protocol, port)[0];
    return c ? { name: c.name, operations: c.operations } : null;
  }
}

/** A policy from an already parsed zone file. */
export function buildPolicy(zf: ZoneFile): Policy {
  return new ZonePolicy(zf);
}

/** Parse zone-file text into a policy (throws ZoneFileError with every problem). */
export function policyFromText(text: string, file: string): Policy {
  return buildPolicy(parseZoneFile(text, file));
}

/**
 * Read, validate and load a zone file. Throws ZoneFileError (every problem with its line) for a
 * bad file, or an Error "cannot read '<path>': <why>" when it cannot be read.
 */
export async function loadPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    if (st.size > MAX_ZONE_FILE_BYTES) {
      throw new ZoneFileError(path, [{ line: 1, col: 1, message: `${st.size} bytes is too large for a zone file` }]);
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof ZoneFileError) throw e;
    const code = (e as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : e instanceof Error
              ? e.message
              : String(e);
    throw new Error(`cannot read '${path.replace(/[\u0000-\u001f\u007f-\u009f]/g, '.')}': ${why}`);
  }
  return policyFromText(text, path);
}
