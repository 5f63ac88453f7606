/**
 * `policy export`: the allow-list that enforces the approved conduits, for a firewall between
 * the zones. Three formats:
 *
 * - `nftables`: one `inet plantwarden` table (re-created on load: `nft -f file`) with a set of
 *   addresses per zone and family, a forward chain that accepts established traffic, one accept
 *   rule per conduit, protocol and direction, traffic inside each zone, and a final drop for
 *   traffic between zones. Hosts in no zone are not touched.
 * - `iptables`: the same as `iptables-restore --noflush` input for IPv4, in a PLANTWARDEN chain
 *   (hook it once from FORWARD: `iptables -I FORWARD -j PLANTWARDEN`). IPv6 zones are listed in
 *   a comment: use the nftables export for them.
 * - `csv`: one row per allowed flow (conduit, direction, source and destination networks,
 *   transport, ports), with the observed evidence.
 *
 * Zone addresses follow zoneOf's precedence: a zone's networks exclude more specific networks
 * of other zones and addresses pinned elsewhere by asset tag or VLAN (asset tags and VLAN zones
 * are resolved to addresses through the inventory when one is given). Every rule is commented
 * with the conduit, its line in the zone file and the observed links behind it (assets, flows,
 * first and last seen). A firewall sees addresses and ports, not operations: what a conduit
 * allows beyond that (read-only...) is enforced by the zone.operation-beyond-conduit alerts.
 */
import type { AssetRecord, LinkRecord } from '../inventory/model.js';
import {
  type Cidr,
  cidrContains,
  cidrToInterval,
  cidrToString,
  type Interval,
  intervalToCidrs,
  isL2Protocol,
  parseCidr,
  parseIp,
  protocolPorts,
  protocolTransports,
  subtract,
} from './net.js';
import type { Policy } from './policy.js';
import type { Conduit, PortRange, Zone } from './zone-file.js';

export type ExportFormat = 'nftables' | 'iptables' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['nftables', 'iptables', 'csv'];

export interface ExportInput {
  policy: Policy;
  /** The stored inventory, for evidence and for resolving asset tags and VLAN zones to addresses. */
  assets?: readonly AssetRecord[];
  links?: readonly LinkRecord[];
}

/** An observed link behind a conduit. */
export interface Evidence {
  client: string;
  server: string;
  /** The assets' addresses (first of each), '' when unknown. */
  clientIp: string;
  serverIp: string;
  protocol: string;
  transport: string;
  port: number;
  flows: number;
  firstSeenUs: number;
  lastSeenUs: number;
  /** Seen in the conduit's reverse direction (bidirectional conduits). */
  reverse: boolean;
}

export interface ZoneAddresses {
  v4: Cidr[];
  v6: Cidr[];
}

interface Service {
  protocol: string;
  /** null: every transport (protocol 'any' without ports). */
  transport: 'tcp' | 'udp' | 'icmp' | null;
  ports: PortRange[] | null;
}

function label(a: AssetRecord | undefined, key: string): string {
  if (!a) return key.replace(/^(ip|mac):/, '');
  const f = a.facts
    .filter((x) => x.field === 'device_name' || x.field === 'hostname')
    .sort((x, y) => y.precedence - x.precedence)[0];
  const addr = a.ips[0] ?? a.mac ?? a.key;
  return f ? `${f.value.slice(0, 32)} (${addr})` : addr;
}

/** Text for comments: no control characters, no quotes (nft comments are quoted), capped. */
function text(s: string, max = 200): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f"\\]/g, '.');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function time(us: number): string {
  return us ? new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d+Z$/, 'Z') : '-';
}

/** The zone an inventory asset is in (its addresses first, then its key alone), and how. */
function placeAsset(policy: Policy, a: AssetRecord): ReturnType<Policy['placeHost']> {
  const vlan = a.vlans.find((v) => v > 0) ?? 0;
  for (const ip of a.ips) {
    const p = policy.placeHost(ip, vlan, a.key);
    if (p) return p;
  }
  return policy.placeHost('', vlan, a.key);
}

/** Each zone's effective networks, disjoint across zones (see the module comment). */
export function zoneAddresses(policy: Policy, assets: readonly AssetRecord[] = []): Map<string, ZoneAddresses> {
  const pinned = new Map<string, Cidr[]>();
  const pin = (zone: string, ip: string) => {
    const c = parseCidr(ip);
    if (typeof c === 'string') return;
    let list = pinned.get(zone);
    if (!list) {
      list = [];
      pinned.set(zone, list);
    }
    if (!list.some((x) => x.v === c.v && x.net === c.net)) list.push(c);
  };
  for (const z of policy.zones) for (const ip of z.assetIps) pin(z.name, ip);
  for (const a of assets) {
    if (a.isRouter) continue;
    const vlan = a.vlans.find((v) => v > 0) ?? 0;
    for (const ip of a.ips) {
      const p = policy.placeHost(ip, vlan, a.key);
      if (p && p.match !== 'cidr') pin(p.zone.name, ip);
    }
  }
  const allPinned = [...pinned].flatMap(([zone, list]) => list.map((c) => ({ zone, c })));
  const out = new Map<string, ZoneAddresses>();
  for (const z of policy.zones) {
    const holes: Interval[] = [];
    for (const o of policy.zones) {
      if (o === z) continue;
      for (const oc of o.cidrs)
        if (z.cidrs.some((zc) => zc.v === oc.v && oc.bits > zc.bits)) holes.push(cidrToInterval(oc));
    }
    for (const p of allPinned) if (p.zone !== z.name) holes.push(cidrToInterval(p.c));
    const parts: Interval[] = [];
    for (const c of z.cidrs) parts.push(...subtract(cidrToInterval(c), holes));
    for (const c of pinned.get(z.name) ?? []) {
      const iv = cidrToInterval(c);
      if (!parts.some((p) => p.v === iv.v && p.lo <= iv.lo && p.hi >= iv.hi)) parts.push(iv);
    }
    parts.sort((a, b) => a.v - b.v || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    const cidrs = parts.flatMap(intervalToCidrs);
    out.set(z.name, { v4: cidrs.filter((c) => c.v === 4), v6: cidrs.filter((c) => c.v === 6) });
  }
  return out;
}

/** Observed links by the conduit that allows them, and the inter-zone links none allows. */
export function conduitEvidence(
  policy: Policy,
  assets: readonly AssetRecord[] = [],
  links: readonly LinkRecord[] = [],
): { byConduit: Map<string, Evidence[]>; unallowed: (Evidence & { from: string; to: string })[] } {
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const zoneOf = new Map<string, string>();
  for (const a of assets) {
    // A router sits between zones: its links are not evidence for any one conduit.
    if (a.isRouter) continue;
    const p = placeAsset(policy, a);
    if (p) zoneOf.set(a.key, p.zone.name);
  }
  const byConduit = new Map<string, Evidence[]>();
  const unallowed: (Evidence & { from: string; to: string })[] = [];
  for (const l of links) {
    if (l.transport !== 'tcp' && l.transport !== 'udp' && l.transport !== 'icmp') continue;
    const from = zoneOf.get(l.clientKey);
    const to = zoneOf.get(l.serverKey);
    if (from === undefined || to === undefined || from === to) continue;
    const protocol = /^(tcp|udp)\/\d+$/.test(l.protocol) ? l.transport : l.protocol;
    const c = policy.conduitsFor(from, to, protocol, l.port)[0];
    const e: Evidence = {
      client: label(byKey.get(l.clientKey), l.clientKey),
      server: label(byKey.get(l.serverKey), l.serverKey),
      clientIp: byKey.get(l.clientKey)?.ips[0] ?? '',
      serverIp: byKey.get(l.serverKey)?.ips[0] ?? '',
      protocol,
      transport: l.transport,
      port: l.port,
      flows: l.flows,
      firstSeenUs: l.firstSeenUs,
      lastSeenUs: l.lastSeenUs,
      reverse: c !== undefined && c.from !== from,
    };
    if (c === undefined) unallowed.push({ ...e, from, to });
    else {
      let list = byConduit.get(c.name);
      if (!list) {
        list = [];
        byConduit.set(c.name, list);
      }
      list.push(e);
    }
  }
  for (const list of byConduit.values()) list.sort((a, b) => b.flows - a.flows);
  unallowed.sort((a, b) => b.flows - a.flows);
  return { byConduit, unallowed };
}

/** What a conduit's protocol becomes at L3/L4, or a reason it cannot be enforced there. */
function services(c: Conduit, evidence: readonly Evidence[]): { services: Service[]; notes: string[] } {
  const out: Service[] = [];
  const notes: string[] = [];
  for (const p of c.protocols) {
    if (p === 'icmp') {
      out.push({ protocol: p, transport: 'icmp', ports: null });
      continue;
    }
    if (isL2Protocol(p)) {
      notes.push(`${p} runs below IP: a firewall between zones cannot see it (separate the zones' layer 2)`);
      continue;
    }
    if (p === 'any' && c.ports === null) {
      out.push({ protocol: p, transport: null, ports: null });
      continue;
    }
    for (const t of protocolTransports(p)) {
      let ports: PortRange[] | null = c.ports;
      if (ports === null) {
        const set = new Set(
          protocolPorts(p)
            .filter((x) => x.transport === t)
            .map((x) => x.port),
        );
        for (const e of evidence) if (e.protocol === p && e.transport === t) set.add(e.port);
        ports = set.size ? [...set].sort((a, b) => a - b).map((n) => ({ from: n, to: n })) : null;
        if (ports === null && p !== 'tcp' && p !== 'udp') continue;
      }
      out.push({ protocol: p, transport: t, ports });
    }
  }
  return { services: out, notes };
}

function portsText(ports: PortRange[]): string {
  return ports.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(',');
}

interface Prepared {
  addrs: Map<string, ZoneAddresses>;
  byConduit: Map<string, Evidence[]>;
  unallowed: (Evidence & { from: string; to: string })[];
  header: string[];
}

function prepare(input: ExportInput, format: ExportFormat): Prepared {
  const assets = input.assets ?? [];
  const links = input.links ?? [];
  const addrs = zoneAddresses(input.policy, assets);
  const { byConduit, unallowed } = conduitEvidence(input.policy, assets, links);
  const header = [
    `plantwarden policy export (${format}): the allow-list enforcing the conduits of ${text(input.policy.file)}`,
    `${input.policy.zones.length} zones, ${input.policy.conduits.length} conduits; evidence from ${input.links ? `${links.length} stored links` : 'no inventory (run with --db)'}`,
    'A firewall sees addresses and ports only: operation limits (read-only...) are watched by the zone.operation-beyond-conduit alerts.',
  ];
  return { addrs, byConduit, unallowed, header };
}

function evidenceLines(c: Conduit, ev: readonly Evidence[], reverse: boolean | null): string[] {
  const list = reverse === null ? ev : ev.filter((e) => e.reverse === reverse);
  if (list.length === 0) return ['  evidence: none observed in the inventory'];
  const lines = list
    .slice(0, 5)
    .map(
      (e) =>
        `  evidence: ${e.client} -> ${e.server} ${e.protocol} ${e.transport}${e.transport === 'icmp' ? '' : `/${e.port}`}: ${e.flows} flows, ${time(e.firstSeenUs)} to ${time(e.lastSeenUs)}`,
    );
  if (list.length > 5)
    lines.push(`  evidence: and ${list.length - 5} more links (${list.reduce((n, e) => n + e.flows, 0)} flows in all)`);
  void c;
  return lines;
}

function conduitLine(c: Conduit, from: string, to: string): string {
  return `conduit '${c.name}' (line ${c.line}): ${from} -> ${to}, ${c.protocols.join(' ')}, operations ${c.operations}${c.description ? `: ${c.description}` : ''}`;
}

/** Directions a conduit opens: forward, and back for a bidirectional one. */
function directions(c: Conduit): { from: string; to: string; reverse: boolean }[] {
  const d = [{ from: c.from, to: c.to, reverse: false }];
  if (c.bidirectional) d.push({ from: c.to, to: c.from, reverse: true });
  return d;
}

function zoneComment(z: Zone, a: ZoneAddresses): string {
  const parts = [`level ${z.level}`, `${z.criticality} criticality`];
  if (z.vlans.length) parts.push(`VLAN ${z.vlans.join(',')}`);
  if (z.assetKeys.length + z.assetIps.length) parts.push(`${z.assetKeys.length + z.assetIps.length} tagged assets`);
  if (a.v4.length + a.v6.length === 0) parts.push('NO ADDRESSES: give it cidrs (or run with --db) to enforce it');
  return `zone '${z.name}': ${parts.join(', ')}`;
}

// ---- nftables ----

function setNames(policy: Policy): Map<string, string> {
  const m = new Map<string, string>();
  const used = new Set<string>();
  for (const z of policy.zones) {
    let base = `z_${z.name.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 40);
    let n = base;
    for (let i = 2; used.has(n); i++) n = `${base}_${i}`;
    base = n;
    used.add(base);
    m.set(z.name, base);
  }
  return m;
}

function nftPorts(ports: PortRange[]): string {
  const items = ports.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`));
  return items.length === 1 ? (items[0] as string) : `{ ${items.join(', ')} }`;
}

function nftMatch(s: Service): string[] {
  if (s.transport === null) return [''];
  if (s.transport === 'icmp') return ['meta l4proto { icmp, ipv6-icmp }'];
  if (s.ports === null) return [`meta l4proto ${s.transport}`];
  return [`${s.transport} dport ${nftPorts(s.ports)}`];
}

function exportNft(input: ExportInput): string {
  const { policy } = input;
  const p = prepare(input, 'nftables');
  const names = setNames(policy);
  const L: string[] = ['#!/usr/sbin/nft -f', ...p.header.map((h) => `# ${h}`)];
  L.push('# Load with: nft -f <this file> (the table is replaced). Traffic of hosts in no zone is not touched.');
  L.push('table inet plantwarden', 'delete table inet plantwarden', '', 'table inet plantwarden {');
  const has = (zone: string, fam: 'v4' | 'v6') => (p.addrs.get(zone)?.[fam].length ?? 0) > 0;
  const all = { v4: [] as Cidr[], v6: [] as Cidr[] };
  for (const z of policy.zones) {
    const a = p.addrs.get(z.name) as ZoneAddresses;
    L.push(`  # ${text(zoneComment(z, a))}`);
    for (const fam of ['v4', 'v6'] as const) {
      if (a[fam].length === 0) continue;
      all[fam].push(...a[fam]);
      L.push(`  set ${names.get(z.name)}_${fam} {`);
      L.push(`    type ${fam === 'v4' ? 'ipv4_addr' : 'ipv6_addr'}`, '    flags interval');
      L.push(`    elements = { ${a[fam].map(cidrToString).join(', ')} }`, '  }');
    }
  }
  for (const fam of ['v4', 'v6'] as const) {
    if (all[fam].length === 0) continue;
    L.push(`  # every zone's addresses (${fam === 'v4' ? 'IPv4' : 'IPv6'})`);
    L.push(`  set zoned_${fam} {`, `    type ${fam === 'v4' ? 'ipv4_addr' : 'ipv6_addr'}`, '    flags interval');
    const sorted = [...all[fam]].sort((a, b) => (a.net < b.net ? -1 : a.net > b.net ? 1 : 0));
    L.push(`    elements = { ${sorted.map(cidrToString).join(', ')} }`, '  }');
  }
  L.push('', '  chain forward {', '    type filter hook forward priority filter; policy accept;');
  L.push('    ct state established,related accept');
  for (const c of policy.conduits) {
    const ev = p.byConduit.get(c.name) ?? [];
    const { services: svc, notes } = services(c, ev);
    for (const d of directions(c)) {
      L.push('', `    # ${text(conduitLine(c, d.from, d.to))}`);
      for (const e of evidenceLines(c, ev, c.bidirectional ? d.reverse : null)) L.push(`    # ${text(e)}`);
      for (const n of notes) L.push(`    # ${text(n)}`);
      for (const fam of ['v4', 'v6'] as const) {
        if (!has(d.from, fam) || !has(d.to, fam)) continue;
        const kw = fam === 'v4' ? 'ip' : 'ip6';
        for (const s of svc) {
          for (const m of nftMatch(s)) {
            const match = m === '' ? '' : ` ${m}`;
            L.push(
              `    ${kw} saddr @${names.get(d.from)}_${fam} ${kw} daddr @${names.get(d.to)}_${fam}${match} counter accept comment "${text(`conduit ${c.name}`, 120)}"`,
            );
          }
        }
      }
    }
  }
  L.push('', '    # traffic inside each zone');
  for (const z of policy.zones) {
    for (const fam of ['v4', 'v6'] as const) {
      if (!has(z.name, fam)) continue;
      const kw = fam === 'v4' ? 'ip' : 'ip6';
      const n = `${names.get(z.name)}_${fam}`;
      L.push(`    ${kw} saddr @${n} ${kw} daddr @${n} accept`);
    }
  }
  if (p.unallowed.length) {
    L.push('', '    # observed between zones, allowed by no conduit (dropped below):');
    for (const e of p.unallowed.slice(0, 20)) {
      L.push(
        `    #   ${text(`${e.from} -> ${e.to}: ${e.client} -> ${e.server} ${e.protocol} ${e.transport}/${e.port}, ${e.flows} flows, last ${time(e.lastSeenUs)}`)}`,
      );
    }
    if (p.unallowed.length > 20) L.push(`    #   and ${p.unallowed.length - 20} more links`);
  }
  L.push('', '    # everything else between zones');
  for (const fam of ['v4', 'v6'] as const) {
    if (all[fam].length === 0) continue;
    const kw = fam === 'v4' ? 'ip' : 'ip6';
    L.push(
      `    ${kw} saddr @zoned_${fam} ${kw} daddr @zoned_${fam} counter drop comment "inter-zone traffic without a conduit"`,
    );
  }
  L.push('  }', '}');
  return `${L.join('\n')}\n`;
}

// ---- iptables ----

function iptMatches(s: Service): string[] {
  if (s.transport === null) return [''];
  if (s.transport === 'icmp') return ['-p icmp'];
  if (s.ports === null) return [`-p ${s.transport}`];
  const items = s.ports.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`));
  if (items.length === 1) return [`-p ${s.transport} --dport ${items[0]}`];
  const out: string[] = [];
  // multiport takes at most 15 ports, a range counting as two.
  for (let i = 0; i < items.length; i += 7)
    out.push(`-p ${s.transport} -m multiport --dports ${items.slice(i, i + 7).join(',')}`);
  return out;
}

function exportIptables(input: ExportInput): string {
  const { policy } = input;
  const p = prepare(input, 'iptables');
  const L: string[] = p.header.map((h) => `# ${h}`);
  L.push(
    '# Load with: iptables-restore --noflush < <this file>; hook the chain once: iptables -I FORWARD -j PLANTWARDEN',
  );
  const v6 = policy.zones.filter((z) => (p.addrs.get(z.name)?.v6.length ?? 0) > 0).map((z) => z.name);
  if (v6.length)
    L.push(`# IPv6 addresses of zones ${text(v6.join(', '))} are not covered here: use the nftables export`);
  L.push('*filter', ':PLANTWARDEN - [0:0]', '-A PLANTWARDEN -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
  const v4 = (zone: string) => (p.addrs.get(zone)?.v4 ?? []).map(cidrToString);
  for (const z of policy.zones) {
    const a = p.addrs.get(z.name) as ZoneAddresses;
    L.push(`# ${text(zoneComment(z, a))}: ${a.v4.map(cidrToString).join(' ') || '-'}`);
  }
  for (const c of policy.conduits) {
    const ev = p.byConduit.get(c.name) ?? [];
    const { services: svc, notes } = services(c, ev);
    for (const d of directions(c)) {
      L.push(`# ${text(conduitLine(c, d.from, d.to))}`);
      for (const e of evidenceLines(c, ev, c.bidirectional ? d.reverse : null)) L.push(`# ${text(e)}`);
      for (const n of notes) L.push(`# ${text(n)}`);
      for (const s of v4(d.from))
        for (const t of v4(d.to))
          for (const sv of svc)
            for (const m of iptMatches(sv)) {
              L.push(
                `-A PLANTWARDEN -s ${s} -d ${t}${m ? ` ${m}` : ''} -m comment --comment "${text(`conduit ${c.name}`, 200)}" -j ACCEPT`,
              );
            }
    }
  }
  L.push('# traffic inside each zone');
  for (const z of policy.zones)
    for (const s of v4(z.name)) for (const t of v4(z.name)) L.push(`-A PLANTWARDEN -s ${s} -d ${t} -j ACCEPT`);
  L.push('# everything else between zones');
  for (const a of policy.zones)
    for (const b of policy.zones) {
      if (a === b) continue;
      for (const s of v4(a.name))
        for (const t of v4(b.name))
          L.push(
            `-A PLANTWARDEN -s ${s} -d ${t} -m comment --comment "${text(`no conduit ${a.name} to ${b.name}`, 200)}" -j DROP`,
          );
    }
  L.push('-A PLANTWARDEN -j RETURN', 'COMMIT');
  return `${L.join('\n')}\n`;
}

// ---- csv ----

function inside(ip: string, c: Cidr): boolean {
  const a = parseIp(ip);
  return a !== null && cidrContains(c, a);
}

const CSV_HEADER = [
  'conduit',
  'direction',
  'from_zone',
  'to_zone',
  'source',
  'destination',
  'protocol',
  'transport',
  'ports',
  'operations',
  'observed_flows',
  'first_seen',
  'last_seen',
  'observed_assets',
  'zone_file_line',
];

function exportCsv(input: ExportInput, row: (v: (string | number)[]) => string): string {
  const { policy } = input;
  const p = prepare(input, 'csv');
  const L: string[] = [row(CSV_HEADER)];
  for (const c of policy.conduits) {
    const ev = p.byConduit.get(c.name) ?? [];
    const { services: svc } = services(c, ev);
    for (const d of directions(c)) {
      const sides = (zone: string) => {
        const a = p.addrs.get(zone) as ZoneAddresses;
        return [...a.v4, ...a.v6];
      };
      for (const sc of sides(d.from))
        for (const tc of sides(d.to)) {
          if (sc.v !== tc.v) continue;
          const s = cidrToString(sc);
          const t = cidrToString(tc);
          for (const sv of svc) {
            const seen = ev.filter(
              (e) =>
                e.reverse === d.reverse &&
                (sv.protocol === 'any' || e.protocol === sv.protocol) &&
                inside(e.clientIp, sc) &&
                inside(e.serverIp, tc),
            );
            const flows = seen.reduce((n, e) => n + e.flows, 0);
            const first = seen.length ? Math.min(...seen.map((e) => e.firstSeenUs)) : 0;
            const last = seen.length ? Math.max(...seen.map((e) => e.lastSeenUs)) : 0;
            L.push(
              row([
                c.name,
                d.reverse ? 'reverse' : 'forward',
                d.from,
                d.to,
                s,
                t,
                sv.protocol,
                sv.transport ?? 'any',
                sv.ports ? portsText(sv.ports) : 'any',
                c.operations,
                flows,
                first ? time(first) : '',
                last ? time(last) : '',
                seen
                  .slice(0, 5)
                  .map((e) => `${e.client} -> ${e.server}`)
                  .join('; '),
                c.line,
              ]),
            );
          }
        }
    }
  }
  return `${L.join('\n')}\n`;
}

/**
 * The allow-list in one format. `csvRow` formats one CSV line (the CLI's, which defuses
 * spreadsheet formulas); it is only used for 'csv'.
 */
export function exportPolicy(
  format: ExportFormat,
  input: ExportInput,
  csvRow: (v: (string | number)[]) => string = (v) => v.map(String).join(','),
): string {
  if (format === 'nftables') return exportNft(input);
  if (format === 'iptables') return exportIptables(input);
  return exportCsv(input, csvRow);
}
