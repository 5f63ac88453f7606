/**
 * Address arithmetic for zones and firewall export: IPv4 and IPv6 addresses as bigints, CIDR
 * parsing, interval subtraction and interval-to-CIDR covers. Also what the zone file knows about
 * protocol names: which names exist and which transports and server ports each one uses.
 */
import { DISSECTORS } from '../dissectors/index.js';
import {
  HISTORIAN_SERVICES,
  NETWORK_DEVICE_PROTOCOLS,
  OT_PROTOCOLS,
  tcpServiceName,
  udpServiceName,
} from '../engine/services.js';
import { ip4IsPublic, ip4ToString, ip6ToString } from '../util/net.js';

export type IpVersion = 4 | 6;

export interface Ip {
  v: IpVersion;
  n: bigint;
}

/** A parsed CIDR block: network address (host bits zero) and prefix length. */
export interface Cidr {
  v: IpVersion;
  net: bigint;
  bits: number;
}

/** An inclusive address interval of one family. */
export interface Interval {
  v: IpVersion;
  lo: bigint;
  hi: bigint;
}

const WIDTH: Record<IpVersion, number> = { 4: 32, 6: 128 };

function parseIp4Big(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255 || ((m[i] as string).length > 1 && (m[i] as string).startsWith('0'))) return null;
    v = (v << 8n) | BigInt(o);
  }
  return v;
}

function parseIp6Big(s: string): bigint | null {
  if (!/^[0-9a-f:.]+$/i.test(s) || s.length > 45) return null;
  let text = s;
  let tail: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail = parseIp4Big(text.slice(lastColon + 1));
    if (tail === null) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const words = (h: string) => (h === '' ? [] : h.split(':'));
  const head = words(halves[0] as string);
  const rest = halves.length === 2 ? words(halves[1] as string) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = [...head, ...Array<string>(8 - total).fill('0'), ...rest];
  let v = 0n;
  for (const w of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(w)) return null;
    v = (v << 16n) | BigInt(Number.parseInt(w, 16));
  }
  if (tail !== null) v = (v & ~0xffffffffn) | tail;
  return v;
}

/** An IPv4 or IPv6 address in text form, or null. */
export function parseIp(s: string): Ip | null {
  const t = s.trim();
  const v4 = parseIp4Big(t);
  if (v4 !== null) return { v: 4, n: v4 };
  const v6 = t.includes(':') ? parseIp6Big(t) : null;
  return v6 === null ? null : { v: 6, n: v6 };
}

/**
 * A CIDR block ('10.10.1.0/24', 'fd00::/64'; a bare address is a /32 or /128). Returns an error
 * message when the text is not one, or when host bits are set (the intended network is named).
 */
export function parseCidr(s: string): Cidr | string {
  const t = s.trim();
  const slash = t.indexOf('/');
  const addr = parseIp(slash < 0 ? t : t.slice(0, slash));
  if (addr === null) return `'${t}' is not an IPv4 or IPv6 network (expected e.g. 10.10.1.0/24)`;
  const w = WIDTH[addr.v];
  let bits = w;
  if (slash >= 0) {
    const b = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > w) return `'${t}': prefix length must be 0 to ${w}`;
    bits = Number(b);
  }
  const mask = prefixMask(addr.v, bits);
  const net = addr.n & mask;
  if (net !== addr.n) {
    return `'${t}' has host bits set (did you mean ${ipToString(addr.v, net)}/${bits}?)`;
  }
  return { v: addr.v, net, bits };
}

function prefixMask(v: IpVersion, bits: number): bigint {
  const w = BigInt(WIDTH[v]);
  const all = (1n << w) - 1n;
  return bits === 0 ? 0n : (all >> (w - BigInt(bits))) << (w - BigInt(bits));
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  return c.v === ip.v && (ip.n & prefixMask(c.v, c.bits)) === c.net;
}

export function cidrToInterval(c: Cidr): Interval {
  const size = 1n << BigInt(WIDTH[c.v] - c.bits);
  return { v: c.v, lo: c.net, hi: c.net + size - 1n };
}

export function cidrToString(c: Cidr): string {
  return `${ipToString(c.v, c.net)}/${c.bits}`;
}

/** Text form (RFC 5952 for IPv6, as everywhere else: src/util/net.ts). */
export function ipToString(v: IpVersion, n: bigint): string {
  if (v === 4) return ip4ToString(Number(n));
  const b = new Uint8Array(16);
  for (let i = 15; i >= 0; i--, n >>= 8n) b[i] = Number(n & 255n);
  return ip6ToString(b);
}

/** `base` minus every interval of `holes` (same family), as sorted disjoint intervals. */
export function subtract(base: Interval, holes: readonly Interval[]): Interval[] {
  let parts: Interval[] = [base];
  for (const h of holes) {
    if (h.v !== base.v) continue;
    const next: Interval[] = [];
    for (const p of parts) {
      if (h.hi < p.lo || h.lo > p.hi) {
        next.push(p);
        continue;
      }
      if (h.lo > p.lo) next.push({ v: p.v, lo: p.lo, hi: h.lo - 1n });
      if (h.hi < p.hi) next.push({ v: p.v, lo: h.hi + 1n, hi: p.hi });
    }
    parts = next;
  }
  return parts.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
}

/** The fewest CIDR blocks that cover exactly the interval. */
export function intervalToCidrs(iv: Interval): Cidr[] {
  const w = WIDTH[iv.v];
  const out: Cidr[] = [];
  let lo = iv.lo;
  while (lo <= iv.hi) {
    let bits = w;
    // Grow the block while it stays aligned at lo and inside the interval.
    while (bits > 0) {
      const size = 1n << BigInt(w - bits + 1);
      if ((lo & (size - 1n)) !== 0n || lo + size - 1n > iv.hi) break;
      bits--;
    }
    out.push({ v: iv.v, net: lo, bits });
    lo += 1n << BigInt(w - bits);
  }
  return out;
}

/**
 * A public internet address: a public IPv4 (the RFC 5737 documentation ranges count as public,
 * util/net.ts ip4IsPublic) or a global unicast IPv6 (2000::/3).
 */
export function isPublicAddress(ip: Ip): boolean {
  if (ip.v === 6) return ip.n >> 125n === 1n;
  return ip4IsPublic(Number(ip.n));
}

/** Multicast or broadcast: traffic to a group, not to a host in a zone. */
export function isGroupAddress(ip: Ip): boolean {
  if (ip.v === 6) return ip.n >> 120n === 0xffn;
  const n = Number(ip.n);
  return n >>> 28 === 0xe || n === 0xffffffff;
}

// ---- protocol names ----

/**
 * Pseudo-protocols a conduit may name: 'any' (every protocol), and 'tcp', 'udp', 'icmp' for
 * traffic no dissector or well-known port names (a flow on tcp/8000 is protocol 'tcp').
 */
export const PSEUDO_PROTOCOLS: ReadonlySet<string> = new Set(['any', 'tcp', 'udp', 'icmp']);

export interface ProtocolPort {
  transport: 'tcp' | 'udp';
  port: number;
}

let portTable: Map<string, ProtocolPort[]> | null = null;
let l2Names: Set<string> | null = null;

function tables(): { ports: Map<string, ProtocolPort[]>; l2: Set<string> } {
  if (portTable !== null && l2Names !== null) return { ports: portTable, l2: l2Names };
  const ports = new Map<string, ProtocolPort[]>();
  const l2 = new Set<string>();
  const add = (name: string, transport: 'tcp' | 'udp', port: number) => {
    let list = ports.get(name);
    if (!list) {
      list = [];
      ports.set(name, list);
    }
    if (!list.some((p) => p.transport === transport && p.port === port)) list.push({ transport, port });
  };
  for (const d of DISSECTORS) {
    if (d.transports.includes('l2')) {
      l2.add(d.name);
      continue;
    }
    for (const t of d.transports) if (t !== 'l2') for (const p of d.defaultPorts) add(d.name, t, p);
  }
  for (let p = 1; p < 65536; p++) {
    const tn = tcpServiceName(p);
    if (tn !== undefined) add(tn, 'tcp', p);
    const un = udpServiceName(p);
    if (un !== undefined) add(un, 'udp', p);
  }
  for (const n of [...OT_PROTOCOLS, ...NETWORK_DEVICE_PROTOCOLS]) if (!ports.has(n)) l2.add(n);
  for (const n of HISTORIAN_SERVICES) if (!ports.has(n)) l2.add(n);
  portTable = ports;
  l2Names = l2;
  return { ports, l2 };
}

/** Every protocol name a conduit may use: dissector names, well-known service names, pseudo-protocols. */
export function knownProtocols(): ReadonlySet<string> {
  const { ports, l2 } = tables();
  return new Set([...ports.keys(), ...l2, ...PSEUDO_PROTOCOLS]);
}

/** The standard transports and server ports of a protocol ([] for L2 protocols and pseudo-protocols). */
export function protocolPorts(name: string): readonly ProtocolPort[] {
  return tables().ports.get(name) ?? [];
}

/** The transports a protocol runs over ('tcp' and 'udp' for 'any' and unknown names). */
export function protocolTransports(name: string): ('tcp' | 'udp')[] {
  if (name === 'tcp' || name === 'udp') return [name];
  const list = protocolPorts(name);
  if (list.length === 0) return name === 'icmp' || tables().l2.has(name) ? [] : ['tcp', 'udp'];
  return [...new Set(list.map((p) => p.transport))];
}

/** A name that runs only below IP (PROFINET DCP, LLDP...): no firewall can see it. */
export function isL2Protocol(name: string): boolean {
  return tables().l2.has(name);
}

/**
 * The name a flow goes by in conduits: the dissector's, else the well-known port's, else the
 * transport ('tcp', 'udp', 'icmp', or 'other').
 */
export function flowProtocol(transport: string, protocol: string | null, port: number): string {
  if (protocol !== null && protocol !== '') return protocol;
  if (transport === 'tcp') return tcpServiceName(port) ?? 'tcp';
  if (transport === 'udp') return udpServiceName(port) ?? 'udp';
  return transport;
}

/** Edit distance, for "did you mean" hints (small strings only). */
export function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j] as number;
      d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length] as number;
}
