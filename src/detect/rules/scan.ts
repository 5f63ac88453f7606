import type { Severity } from '../../findings/model.js';
import { OT_ROLES } from '../../inventory/model.js';
import { lruGet } from '../../util/lru.js';
import { macToString } from '../../util/net.js';
import type { ArpEvent, Detection, FlowEvent, Rule, RuleContext, RuleEvent } from '../contract.js';

/**
 * `net.scan`: one host probing many hosts (horizontal) or many ports on one host (vertical).
 *
 * A failed probe is an ended flow that looks like a probe and got nowhere:
 * - TCP: handshake not completed, or reset (a SYN scan resets the SYN-ACK itself), with at most
 *   `PROBE_MAX_PACKETS` packets to the target and `PROBE_MAX_REPLIES` back, and no protocol
 *   operation on it (a session that ended in a RST after real traffic is not a probe);
 * - UDP and ICMP: no answer at all, at most `PROBE_MAX_PACKETS` packets (an ICMP echo sweep is
 *   the ICMP case: ICMP flows are one per address pair).
 * Broadcast and multicast targets never count (discovery broadcasts are normal), nor a target
 *   the same client talked to successfully before (an HMI whose PLCs went down is not scanning),
 *   nor a (client, server, protocol) link the frozen baseline knows.
 *
 * Thresholds (packet time): >= `HORIZONTAL_THRESHOLD` distinct target hosts in one IPv4 /16
 * (IPv6 /64: a sweep walks a range; a browser whose capture starts mid-stream leaves lone
 * FINs to scattered internet hosts, which must not count), or >=
 * `VERTICAL_THRESHOLD` distinct ports on one target, with failed probes within
 * `SCAN_WINDOW_US` of each other. Flows end out of packet-time order (idle timeouts, end of
 * capture), so each probe counts the others whose time is within one window on either side.
 * A local ARP sweep (nmap -sn on the segment sends only ARP) counts too: >=
 * `ARP_SWEEP_THRESHOLD` distinct target IPs requested by one MAC within the window and not
 * answered; a MAC the inventory classifies as network device (a router resolving for traffic it
 * forwards) is skipped.
 *
 * An HMI polling 20 PLCs makes established, answered flows: nothing counts.
 * Key: the scanner's IP; re-reported at most once per window while the scan goes on (the
 * alert's count is then roughly the scan's duration in minutes). Severity high when a probed
 * target is an OT asset (inventory role PLC, HMI, historian, engineering workstation) or a probe
 * went to an industrial protocol port, medium otherwise.
 * ATT&CK for ICS: T0846 Remote System Discovery (the ICS matrix has no separate port-scan
 * technique; T0840 Network Connection Enumeration is about a host's own connection table).
 */

export const SCAN_WINDOW_US = 60_000_000;
export const HORIZONTAL_THRESHOLD = 20;
export const VERTICAL_THRESHOLD = 20;
export const ARP_SWEEP_THRESHOLD = 64;
/** Packets to the target that a single probe (with SYN retransmissions) may take. */
export const PROBE_MAX_PACKETS = 8;
/** Packets back for a TCP probe (SYN-ACK or RST, possibly retransmitted). */
export const PROBE_MAX_REPLIES = 3;

/** Memory bounds: scanners tracked (least recently active evicted), targets and ports per scanner. */
export const MAX_SCANNERS = 1024;
const MAX_TARGETS = 64;
const MAX_PORT_TARGETS = 8;
const MAX_PORTS = 64;
/** Clients whose answered peers are remembered, and peers per client. */
const MAX_CLIENTS = 2048;
const MAX_PEERS = 64;
const MAX_ARP_SCANNERS = 1024;
const MAX_ARP_PENDING = 128;

/** Industrial protocols (by registry name, from the server port): a probe there is aimed at OT. */
const ICS_PROTOCOLS: ReadonlySet<string> = new Set([
  'modbus',
  's7comm',
  'enip',
  'enip-io',
  'dnp3',
  'bacnet',
  'iec104',
  'opcua',
  'profinet',
  'hart-ip',
]);

interface Scanner {
  /** Target IP -> packet time of its latest failed probe. */
  hosts: Map<string, number>;
  /** Target IP -> port -> packet time. */
  ports: Map<string, Map<number, number>>;
  /** Targets that are OT assets or ICS ports, by target IP. */
  ot: Set<string>;
  reportedH: number;
  reportedV: Map<string, number>;
}

interface ArpScanner {
  ip: string;
  /** Requested target IP -> time, removed when the target answers. */
  pending: Map<string, number>;
  reported: number;
}

interface ScanState {
  scanners: Map<string, Scanner>;
  peers: Map<string, Set<string>>;
  arp: Map<number, ArpScanner>;
}

const TITLE = 'Network scan: one host probing many hosts or ports';
const REMEDIATION =
  'Find out who runs the scanning host and why. An unplanned scan is often the first step of an attack: ' +
  'isolate the host if nobody owns the scan, check it for malware, and review what it reached. ' +
  'Planned scans of OT networks should be scheduled, announced and rate-limited.';

function state(ctx: RuleContext): ScanState {
  let s = ctx.state.get('scan') as ScanState | undefined;
  if (s === undefined) {
    s = { scanners: new Map(), peers: new Map(), arp: new Map() };
    ctx.state.set('scan', s);
  }
  return s;
}

/** Set a time in a bounded map, evicting the oldest entry. */
function stamp<K>(m: Map<K, number>, k: K, ts: number, cap: number): void {
  const cur = m.get(k);
  if (cur !== undefined) {
    m.delete(k);
    m.set(k, Math.max(cur, ts));
    return;
  }
  if (m.size >= cap) {
    const oldest = m.keys().next();
    if (!oldest.done) m.delete(oldest.value);
  }
  m.set(k, ts);
}

/** IPv4 /16 or (roughly) IPv6 /64: a sweep walks an address range. */
export function sweepPrefix(ip: string): string {
  if (ip.includes(':')) return ip.split(':').slice(0, 4).join(':');
  return ip.slice(0, ip.indexOf('.', ip.indexOf('.') + 1) + 1);
}

function withinPrefix(m: Map<string, number>, ts: number, prefix: string): number {
  let n = 0;
  for (const [ip, t] of m) if (Math.abs(t - ts) <= SCAN_WINDOW_US && ip.startsWith(prefix)) n++;
  return n;
}

function within(m: Map<unknown, number>, ts: number): number {
  let n = 0;
  for (const t of m.values()) if (Math.abs(t - ts) <= SCAN_WINDOW_US) n++;
  return n;
}

/** Unicast host address (not broadcast, multicast, unspecified). x.x.x.255 is taken as a broadcast. */
export function isUnicastTarget(ip: string): boolean {
  if (ip === '' || ip === '0.0.0.0' || ip === '::') return false;
  if (ip.includes(':')) return !ip.toLowerCase().startsWith('ff');
  const first = Number(ip.slice(0, ip.indexOf('.')));
  if (first >= 224) return false;
  return !ip.endsWith('.255');
}

/** True when the ended flow looks like a probe that got nowhere (see the module comment). */
export function isFailedProbe(f: FlowEvent): boolean {
  if (f.packetsToServer > PROBE_MAX_PACKETS) return false;
  if (f.transport === 'tcp') {
    if (f.established && !f.reset) return false;
    if (f.packetsToClient > PROBE_MAX_REPLIES) return false;
    for (const k in f.ops) if ((f.ops[k] ?? 0) > 0) return false;
    return true;
  }
  if (f.transport === 'udp' || f.transport === 'icmp') return f.packetsToClient === 0;
  return false;
}

function isOt(ctx: RuleContext, ip: string, protocol: string | null): boolean {
  if (protocol !== null && ICS_PROTOCOLS.has(protocol)) return true;
  return OT_ROLES.has(ctx.host(ip).role);
}

function onFlow(f: FlowEvent, ctx: RuleContext): Detection[] | null {
  if (f.transport === 'other') return null;
  const s = state(ctx);
  const client = f.clientIp;
  const server = f.serverIp;
  if (!isFailedProbe(f)) {
    if (f.packetsToClient > 0 && f.packetsToServer > 0) {
      const peers = lruGet(s.peers, client, MAX_CLIENTS, () => new Set<string>());
      if (peers.size < MAX_PEERS) peers.add(server);
    }
    return null;
  }
  if (!isUnicastTarget(server) || client === '' || client === '0.0.0.0') return null;
  if (s.peers.get(client)?.has(server)) return null;
  const b = ctx.baseline;
  if (b !== null && !b.learning && f.protocol !== null) {
    const c = ctx.host(client).assetKey;
    const t = ctx.host(server).assetKey;
    if (c !== null && t !== null && b.knownLink(c, t, f.protocol)) return null;
  }
  // ICMP errors from a router to many senders look like a sweep: routers do not count for ICMP.
  if (f.transport === 'icmp' && ctx.host(client).role === 'network-device') return null;

  const ts = f.firstUs;
  const sc = lruGet(s.scanners, client, MAX_SCANNERS, () => ({
    hosts: new Map<string, number>(),
    ports: new Map<string, Map<number, number>>(),
    ot: new Set<string>(),
    reportedH: Number.NEGATIVE_INFINITY,
    reportedV: new Map<string, number>(),
  }));
  stamp(sc.hosts, server, ts, MAX_TARGETS);
  if (sc.ot.size < MAX_TARGETS && !sc.ot.has(server) && isOt(ctx, server, f.protocol)) sc.ot.add(server);
  const out: Detection[] = [];

  const nHosts = withinPrefix(sc.hosts, ts, sweepPrefix(server));
  if (nHosts >= HORIZONTAL_THRESHOLD && ts - sc.reportedH >= SCAN_WINDOW_US) {
    sc.reportedH = ts;
    const ot = [...sc.ot].filter((ip) => sc.hosts.has(ip));
    const sample = [...sc.hosts.keys()]
      .filter((ip) => ip.startsWith(sweepPrefix(server)))
      .slice(-5)
      .join(', ');
    out.push(
      detection(ctx, client, f, ot.length > 0 ? 'high' : 'medium', {
        title: `Host ${ctx.host(client).label} probed ${nHosts}${nHosts >= MAX_TARGETS ? '+' : ''} hosts within a minute`,
        evidence: `horizontal ${f.transport} scan from ${client}: ${nHosts} unanswered or refused targets within ${SCAN_WINDOW_US / 1e6} s (e.g. ${sample})${ot.length > 0 ? `; OT targets: ${ot.slice(0, 5).join(', ')}` : ''}`,
        hosts: [client, ...ot.slice(0, 16)],
      }),
    );
  }

  if (f.transport !== 'icmp') {
    const ports = lruGet(sc.ports, server, MAX_PORT_TARGETS, () => new Map<number, number>());
    stamp(ports, f.serverPort, ts, MAX_PORTS);
    const nPorts = within(ports, ts);
    const last = sc.reportedV.get(server) ?? Number.NEGATIVE_INFINITY;
    if (nPorts >= VERTICAL_THRESHOLD && ts - last >= SCAN_WINDOW_US) {
      if (sc.reportedV.size >= MAX_PORT_TARGETS && !sc.reportedV.has(server)) {
        const oldest = sc.reportedV.keys().next();
        if (!oldest.done) sc.reportedV.delete(oldest.value);
      }
      sc.reportedV.set(server, ts);
      const ot = sc.ot.has(server) || OT_ROLES.has(ctx.host(server).role);
      const sample = [...ports.keys()]
        .slice(-8)
        .sort((a, b) => a - b)
        .join(',');
      out.push(
        detection(ctx, client, f, ot ? 'high' : 'medium', {
          title: `Host ${ctx.host(client).label} probed ${nPorts}${nPorts >= MAX_PORTS ? '+' : ''} ports on ${ctx.host(server).label}`,
          evidence: `vertical ${f.transport} scan from ${client} to ${server}: ${nPorts} unanswered or refused ports within ${SCAN_WINDOW_US / 1e6} s (e.g. ${sample})`,
          hosts: [client, server],
        }),
      );
    }
  }
  return out.length > 0 ? out : null;
}

function detection(
  _ctx: RuleContext,
  scanner: string,
  f: FlowEvent,
  severity: Severity,
  d: { title: string; evidence: string; hosts: string[] },
): Detection {
  return {
    ruleId: scanRule.id,
    key: scanner,
    severity,
    title: d.title,
    remediation: REMEDIATION,
    attack: [...scanRule.attack],
    ts: f.firstUs,
    hosts: d.hosts,
    evidence: d.evidence,
    flowId: f.id,
    ...(f.protocol !== null ? { protocol: f.protocol } : {}),
  };
}

function onArp(a: ArpEvent, ctx: RuleContext): Detection[] | null {
  const s = state(ctx);
  if (a.op === 2) {
    // A reply answers the requester (its target MAC): the target IP exists.
    const req = s.arp.get(a.targetMac);
    if (req !== undefined && a.senderIp !== '') req.pending.delete(a.senderIp);
    return null;
  }
  if (a.op !== 1 || a.gratuitous || a.senderIp === '' || a.targetIp === '' || a.senderMac === 0) return null;
  const sc = lruGet(s.arp, a.senderMac, MAX_ARP_SCANNERS, () => ({
    ip: a.senderIp,
    pending: new Map<string, number>(),
    reported: Number.NEGATIVE_INFINITY,
  }));
  sc.ip = a.senderIp;
  stamp(sc.pending, a.targetIp, a.ts, MAX_ARP_PENDING);
  if (sc.pending.size < ARP_SWEEP_THRESHOLD) return null;
  const n = within(sc.pending, a.ts);
  if (n < ARP_SWEEP_THRESHOLD || a.ts - sc.reported < SCAN_WINDOW_US) return null;
  const mac = `mac:${macToString(a.senderMac)}`;
  if (ctx.host(mac).role === 'network-device' || ctx.host(a.senderIp).role === 'network-device') return null;
  sc.reported = a.ts;
  return [
    {
      ruleId: scanRule.id,
      key: a.senderIp,
      severity: 'medium',
      title: `Host ${ctx.host(a.senderIp).label} swept the local network with ARP (${n}${n >= MAX_ARP_PENDING ? '+' : ''} addresses)`,
      remediation: REMEDIATION,
      attack: [...scanRule.attack],
      ts: a.ts,
      hosts: [a.senderIp, mac],
      evidence: `ARP sweep from ${a.senderIp} (${macToString(a.senderMac)}) on VLAN ${a.vlan}: ${n} distinct addresses requested without answer within ${SCAN_WINDOW_US / 1e6} s`,
      protocol: 'arp',
    },
  ];
}

export const scanRule: Rule = {
  id: 'net.scan',
  revision: 1,
  severity: 'medium',
  title: TITLE,
  remediation: REMEDIATION,
  attack: ['T0846'],
  events: ['flow', 'arp'],
  evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
    if (event.kind === 'flow') return onFlow(event.flow, ctx);
    if (event.kind === 'arp') return onArp(event.arp, ctx);
    return null;
  },
};
