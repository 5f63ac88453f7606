/**
 * `zones suggest`: a first zone file drafted from the stored inventory, for a person to review.
 *
 * - Zones: one per VLAN the assets were seen on, else one per private IPv4 /24. A VLAN zone also
 *   lists the /24s its members use (so routed traffic is placed too); a /24 used on two VLANs is
 *   left out of both, with a note. Routers and public addresses are in no zone.
 * - Level: the lowest (most critical) level among its members' roles: controller 1, HMI and
 *   engineering workstation 2, historian 3, IT host 4. Network devices and unknown devices do not
 *   vote (they sit where their addresses are). A zone without a vote gets 3, marked as a guess.
 * - Criticality from the level: 0-1 critical, 2 high, 3 medium, DMZ and IT low.
 * - Conduits: one per (client zone, server zone, protocol) over the observed links, with the
 *   server ports seen and the operations seen (program, control or firmware -> programming,
 *   write -> read-write, otherwise read).
 * Every proposal carries a comment saying why (members, roles, flows, first and last seen).
 */
import type { AssetRecord, AssetRole, LinkRecord } from '../inventory/model.js';
import { isPublicAddress, parseIp } from './net.js';
import type { ConduitOperations, Criticality } from './zone-file.js';

export interface SuggestedZone {
  name: string;
  level: number;
  criticality: Criticality;
  vlans: number[];
  cidrs: string[];
  members: string[];
  why: string[];
}

export interface SuggestedConduit {
  from: string;
  to: string;
  protocol: string;
  ports: number[];
  operations: ConduitOperations;
  flows: number;
  firstSeenUs: number;
  lastSeenUs: number;
  why: string[];
}

export interface Suggestion {
  zones: SuggestedZone[];
  conduits: SuggestedConduit[];
  engineeringStations: string[];
  /** The zone file text, commented. */
  text: string;
}

const ROLE_LEVEL: Partial<Record<AssetRole, number>> = {
  plc: 1,
  hmi: 2,
  'engineering-workstation': 2,
  historian: 3,
  'it-host': 4,
};

function criticalityFor(level: number): Criticality {
  return level <= 1 ? 'critical' : level === 2 ? 'high' : level === 3 ? 'medium' : 'low';
}

/** One line of comment: control characters out (a newline would end the comment), capped. */
function note(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '.');
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

function name(a: AssetRecord): string {
  const f = a.facts
    .filter((x) => x.field === 'device_name' || x.field === 'hostname')
    .sort((x, y) => y.precedence - x.precedence)[0];
  const addr = a.ips[0] ?? a.mac ?? a.key;
  return f ? `${f.value.slice(0, 40)} (${addr})` : addr;
}

function privateV4(a: AssetRecord): string[] {
  return a.ips.filter((s) => {
    const ip = parseIp(s);
    return ip !== null && ip.v === 4 && !isPublicAddress(ip) && !s.startsWith('127.') && !s.startsWith('169.254.');
  });
}

function slash24(ip: string): string {
  const p = ip.split('.');
  return `${p[0]}.${p[1]}.${p[2]}.0/24`;
}

function time(us: number): string {
  return us ? new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d+Z$/, 'Z') : '-';
}

const OP_CLASSES = ['program', 'control', 'firmware', 'write'] as const;

/** Draft zones and conduits from an inventory. Deterministic: same inventory, same text. */
export function suggestZones(
  assets: readonly AssetRecord[],
  links: readonly LinkRecord[],
  source = 'the inventory',
): Suggestion {
  const sorted = [...assets].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const candidates = sorted.filter((a) => !a.isRouter && (privateV4(a).length > 0 || a.vlans.some((v) => v > 0)));
  const skipped = sorted.filter((a) => !candidates.includes(a));

  // VLAN zones first; their /24s, where one VLAN alone uses them.
  const vlanOf = (a: AssetRecord) => a.vlans.filter((v) => v > 0 && v <= 4094).sort((x, y) => x - y)[0];
  const netVlans = new Map<string, Set<number>>();
  for (const a of candidates) {
    const v = vlanOf(a);
    if (v === undefined) continue;
    for (const ip of privateV4(a)) {
      const n = slash24(ip);
      let s = netVlans.get(n);
      if (!s) {
        s = new Set();
        netVlans.set(n, s);
      }
      s.add(v);
    }
  }
  const groups = new Map<
    string,
    { vlan: number | null; cidrs: Set<string>; members: AssetRecord[]; notes: string[] }
  >();
  const group = (k: string, vlan: number | null) => {
    let g = groups.get(k);
    if (!g) {
      g = { vlan, cidrs: new Set(), members: [], notes: [] };
      groups.set(k, g);
    }
    return g;
  };
  const shared = new Set<string>();
  for (const [n, vs] of netVlans) if (vs.size > 1) shared.add(n);
  for (const a of candidates) {
    const v = vlanOf(a);
    if (v === undefined) continue;
    const g = group(`vlan-${v}`, v);
    g.members.push(a);
    for (const ip of privateV4(a)) {
      const n = slash24(ip);
      if (shared.has(n)) {
        const msg = `${n} is used on VLANs ${[...(netVlans.get(n) ?? [])].join(', ')}: left out, place it by hand`;
        if (!g.notes.includes(msg)) g.notes.push(msg);
      } else g.cidrs.add(n);
    }
  }
  const netOwner = new Map<string, string>();
  for (const [k, g] of groups) for (const n of g.cidrs) netOwner.set(n, k);
  for (const a of candidates) {
    if (vlanOf(a) !== undefined) continue;
    const n = slash24(privateV4(a)[0] as string);
    const owner = netOwner.get(n);
    if (owner !== undefined) (groups.get(owner) as { members: AssetRecord[] }).members.push(a);
    else if (!shared.has(n)) {
      const g = group(`net-${n.split('.').slice(0, 3).join('-')}`, null);
      g.cidrs.add(n);
      g.members.push(a);
    }
  }

  const zoneOfAsset = new Map<string, string>();
  const zones: SuggestedZone[] = [];
  for (const [zname, g] of [...groups].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    const roles = new Map<string, number>();
    for (const a of g.members) roles.set(a.classification.role, (roles.get(a.classification.role) ?? 0) + 1);
    const votes = g.members.map((a) => ROLE_LEVEL[a.classification.role]).filter((x): x is number => x !== undefined);
    const level = votes.length ? Math.min(...votes) : 3;
    const roleText = [...roles].map(([r, n]) => `${n} ${r}`).join(', ');
    const why = [
      g.vlan !== null ? `assets seen on VLAN ${g.vlan}` : `assets in ${[...g.cidrs][0]}`,
      `members: ${roleText}`,
      votes.length
        ? `level ${level}: the lowest level among its roles (controller 1, HMI/engineering 2, historian 3, IT 4)${new Set(votes).size > 1 ? '; mixed levels in one zone: consider splitting it' : ''}`
        : 'level 3 is a guess: no member has a role that sets a level',
      ...(level === 4 ? ['IT zone: set level 5 if it is the enterprise network or faces the internet'] : []),
      ...g.notes,
    ];
    const members = g.members.map(name);
    for (const a of g.members) zoneOfAsset.set(a.key, zname);
    zones.push({
      name: zname,
      level,
      criticality: criticalityFor(level),
      vlans: g.vlan !== null ? [g.vlan] : [],
      cidrs: [...g.cidrs].sort(),
      members,
      why,
    });
  }

  const byKey = new Map(sorted.map((a) => [a.key, a]));
  const cgroups = new Map<string, SuggestedConduit & { examples: Set<string>; ops: Map<string, number> }>();
  const unzoned = new Map<string, number>();
  for (const l of links) {
    if (l.transport !== 'tcp' && l.transport !== 'udp' && l.transport !== 'icmp') continue;
    const from = zoneOfAsset.get(l.clientKey);
    const to = zoneOfAsset.get(l.serverKey);
    if (from === undefined || to === undefined) {
      if (from !== to) {
        const k = `${from ?? l.clientKey.replace(/^(ip|mac):/, '')} -> ${to ?? l.serverKey.replace(/^(ip|mac):/, '')} ${l.protocol}`;
        unzoned.set(k, (unzoned.get(k) ?? 0) + l.flows);
      }
      continue;
    }
    if (from === to) continue;
    const protocol = /^(tcp|udp)\/\d+$/.test(l.protocol) ? l.transport : l.protocol;
    const k = `${from}|${to}|${protocol}`;
    let c = cgroups.get(k);
    if (!c) {
      c = {
        from,
        to,
        protocol,
        ports: [],
        operations: 'read',
        flows: 0,
        firstSeenUs: l.firstSeenUs,
        lastSeenUs: l.lastSeenUs,
        why: [],
        examples: new Set(),
        ops: new Map(),
      };
      cgroups.set(k, c);
    }
    if (l.transport !== 'icmp' && !c.ports.includes(l.port)) c.ports.push(l.port);
    c.flows += l.flows;
    c.firstSeenUs = Math.min(c.firstSeenUs, l.firstSeenUs);
    c.lastSeenUs = Math.max(c.lastSeenUs, l.lastSeenUs);
    const cl = byKey.get(l.clientKey);
    const sv = byKey.get(l.serverKey);
    c.examples.add(`${cl ? name(cl) : l.clientKey} -> ${sv ? name(sv) : l.serverKey}`);
    for (const [opfn, n] of Object.entries(l.ops)) {
      const op = opfn.split(':')[0] as string;
      c.ops.set(op, (c.ops.get(op) ?? 0) + n);
    }
  }
  const conduits: SuggestedConduit[] = [];
  const levelOf = new Map(zones.map((z) => [z.name, z.level]));
  for (const c of [...cgroups.values()].sort((a, b) =>
    `${a.from}|${a.to}|${a.protocol}` < `${b.from}|${b.to}|${b.protocol}` ? -1 : 1,
  )) {
    const seen = (o: string) => (c.ops.get(o) ?? 0) > 0;
    c.operations =
      seen('program') || seen('control') || seen('firmware') ? 'programming' : seen('write') ? 'read-write' : 'read';
    c.ports.sort((a, b) => a - b);
    const opsText = [...c.ops].map(([o, n]) => `${o} ${n}`).join(', ');
    const ex = [...c.examples];
    const heavy = OP_CLASSES.filter(seen);
    c.why = [
      `seen: ${c.flows} flow${c.flows === 1 ? '' : 's'} from ${time(c.firstSeenUs)} to ${time(c.lastSeenUs)}`,
      `between: ${ex.slice(0, 3).join('; ')}${ex.length > 3 ? `; and ${ex.length - 3} more pairs` : ''}`,
      opsText ? `operations seen: ${opsText}` : 'no operations decoded: read assumed',
      ...(heavy.length
        ? [
            `${c.operations} because ${heavy.join(' and ')} operations were seen: confirm they are meant to cross this conduit`,
          ]
        : []),
      ...((levelOf.get(c.from) ?? 0) >= 4 && (levelOf.get(c.to) ?? 9) <= 1
        ? [
            'WARNING: an IT zone reaching level 0-1 directly; the Purdue model routes this through the DMZ: drop this conduit unless it is deliberate',
          ]
        : []),
    ];
    const { examples: _e, ops: _o, ...plain } = c;
    conduits.push(plain);
  }

  const stations = sorted
    .filter((a) => a.classification.role === 'engineering-workstation')
    .map((a) => a.ips[0] ?? a.key);

  const out: string[] = [
    '# plantwarden zone file: DRAFT from the observed traffic. Review every zone and conduit:',
    '# it proposes what was seen, not what should be. Check it with `plantwarden zones check <file>`.',
    `# Drafted from ${note(source)}: ${assets.length} assets, ${links.length} links.`,
    'version: 1',
    '',
  ];
  if (stations.length) {
    out.push('# Classified as engineering workstations from their traffic (programming controllers).');
    out.push('engineering_stations:');
    for (const s of stations) out.push(`  - ${JSON.stringify(s)}`);
    out.push('');
  }
  out.push('zones:');
  for (const z of zones) {
    for (const w of z.why) out.push(`  # ${note(w)}`);
    out.push(
      `  # assets: ${note(z.members.slice(0, 8).join(', '))}${z.members.length > 8 ? ` and ${z.members.length - 8} more` : ''}`,
    );
    out.push(`  - name: ${z.name}`);
    out.push(`    level: ${z.level}`);
    out.push(`    criticality: ${z.criticality}`);
    if (z.vlans.length) out.push(`    vlans: [${z.vlans.join(', ')}]`);
    if (z.cidrs.length) out.push(`    cidrs: [${z.cidrs.join(', ')}]`);
    out.push('');
  }
  if (zones.length === 0) out.push('  # no asset with a private IPv4 address or a VLAN: nothing to propose', '  []');
  out.push('conduits:');
  for (const c of conduits) {
    for (const w of c.why) out.push(`  # ${note(w)}`);
    out.push(`  - from: ${c.from}`);
    out.push(`    to: ${c.to}`);
    out.push(`    protocols: [${c.protocol}]`);
    if (c.ports.length) out.push(`    ports: [${c.ports.join(', ')}]`);
    out.push(`    operations: ${c.operations}`);
    out.push('');
  }
  if (conduits.length === 0) out.push('  # no traffic between the proposed zones was seen', '  []');
  if (unzoned.size || skipped.length) {
    out.push('');
    out.push('# Not proposed:');
    for (const a of skipped.slice(0, 20)) {
      const why = a.isRouter
        ? 'router'
        : a.ips.some((s) => {
              const ip = parseIp(s);
              return ip !== null && isPublicAddress(ip);
            })
          ? 'public address'
          : 'no private IPv4 address or VLAN';
      out.push(`#   asset ${note(name(a))}: ${why}`);
    }
    if (skipped.length > 20) out.push(`#   and ${skipped.length - 20} more assets`);
    const u = [...unzoned].sort((a, b) => b[1] - a[1]);
    for (const [k, n] of u.slice(0, 20)) out.push(`#   traffic with a host in no zone: ${note(k)} (${n} flows)`);
    if (u.length > 20) out.push(`#   and ${u.length - 20} more`);
  }
  return { zones, conduits, engineeringStations: stations, text: `${out.join('\n')}\n` };
}
