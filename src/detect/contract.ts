import type { FlowInfo } from '../dissectors/contract.js';
import type { Severity } from '../findings/model.js';
import type { AssetRole } from '../inventory/model.js';
import type { Observation } from '../observations/observation.js';

/**
 * Detection rules: pure functions over events (observations, ended flows, ARP and DHCP facts)
 * plus a read-only context, returning detections. The engine aggregates detections into alerts
 * (one alert per rule and aggregation key, with a count and first/last seen), applies
 * suppressions, and stores them.
 */

/** What the rules know about a host, from the stored inventory (previous analyses) and the policy. */
export interface HostView {
  assetKey: string | null;
  role: AssetRole;
  /** Zone from the zone file (null when no zone file, or the host matches none). */
  zone: string | null;
  /** Purdue level of its zone (0-5), null when unknown. */
  level: number | null;
  /** A known engineering workstation (classified so, or listed in the zone file). */
  engineering: boolean;
  /** Best name for messages ('PLC-3 (10.10.10.13)'). */
  label: string;
}

/** An ended flow, as rules see it (client = originator). */
export interface FlowEvent {
  id: number;
  transport: 'tcp' | 'udp' | 'icmp' | 'other';
  protocol: string | null;
  clientIp: string;
  serverIp: string;
  clientMac: number;
  serverMac: number;
  clientPort: number;
  serverPort: number;
  vlan: number;
  firstUs: number;
  lastUs: number;
  packetsToServer: number;
  packetsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  /** TCP: the handshake completed (SYN, SYN-ACK seen); false for a probe that got RST or nothing. */
  established: boolean;
  /** TCP: the server answered with RST. */
  reset: boolean;
  /** Operations seen on the flow by op class ('read' -> n, 'write' -> n, 'program' -> n...). */
  ops: Readonly<Record<string, number>>;
}

/** An ARP packet (request or reply), for spoofing and duplicate-IP rules. */
export interface ArpEvent {
  ts: number;
  op: number;
  senderMac: number;
  senderIp: string;
  targetMac: number;
  targetIp: string;
  /** Gratuitous: sender IP == target IP. */
  gratuitous: boolean;
  vlan: number;
}

export type RuleEvent =
  | { kind: 'observation'; obs: Observation; flow: FlowInfo }
  | { kind: 'flow'; flow: FlowEvent }
  | { kind: 'arp'; arp: ArpEvent }
  | { kind: 'end'; ts: number };

export interface Detection {
  ruleId: string;
  /**
   * Aggregation key within the rule: detections with the same (ruleId, key) become one alert
   * with a count ('10.0.0.5>10.0.0.9:STOP'). Keep it free of times.
   */
  key: string;
  severity: Severity;
  /** What happened, for a control room ("PLC 10.10.10.11 put into STOP by 10.20.100.7"). */
  title: string;
  /** Why it matters and what to do (the rule's remediation, made specific). */
  remediation: string;
  /** MITRE ATT&CK for ICS technique ids ('T0816', 'T0843'). */
  attack: string[];
  /** Packet time of the event. */
  ts: number;
  /** IPs (or MACs as 'mac:..') involved: the engine resolves them to asset keys. */
  hosts: string[];
  /** One line of evidence (protocol, function, addresses, counts). */
  evidence: string;
  protocol?: string;
  flowId?: number;
}

/** Read-only view for rules; `state` is the rule's own small mutable state (bounded by the rule). */
export interface RuleContext {
  host(ipOrMac: string): HostView;
  /** Learned normal (null while nothing is learned or learning is still on). */
  baseline: BaselineView | null;
  /** Zone policy (null without a zone file). */
  policy: PolicyView | null;
  state: Map<string, unknown>;
}

/** What the baseline knows (src/baseline). Times of day are hours 0-23 in UTC of packet time. */
export interface BaselineView {
  readonly learning: boolean;
  knownAsset(key: string): boolean;
  /** A conversation pair on a protocol (client asset, server asset, protocol) seen while learning. */
  knownLink(client: string, server: string, protocol: string): boolean;
  /** Function codes (transaction fn) seen for the pair and protocol while learning. */
  knownFunction(client: string, server: string, protocol: string, fn: string): boolean;
  /** Bytes per hour the asset sent while learning: mean and standard deviation for the hour of day, null if never seen then. */
  hourlyBytesSent(asset: string, hour: number): { mean: number; sd: number; samples: number } | null;
  /** Bytes per hour on the link (client->server + server->client) at that hour of day. */
  hourlyLinkBytes(client: string, server: string, hour: number): { mean: number; sd: number; samples: number } | null;
  /** Hours of day (0-23) in which the pair talked while learning. */
  activeHours(client: string, server: string): ReadonlySet<number> | null;
}

/** What the zone policy says (src/policy). */
export interface PolicyView {
  zoneOf(
    ip: string,
    vlan: number,
    assetKey: string | null,
  ): { name: string; level: number; criticality: string } | null;
  /**
   * The conduit allowing (from zone, to zone, protocol, port), with its allowed operation class,
   * or null when no conduit allows it.
   */
  conduit(
    fromZone: string,
    toZone: string,
    protocol: string | null,
    port: number,
  ): { name: string; operations: 'read' | 'read-write' | 'programming' | 'any' } | null;
  /** Listed engineering workstations (IPs or asset keys). */
  engineeringStations: ReadonlySet<string>;
}

export interface Rule {
  readonly id: string;
  readonly revision: number;
  readonly severity: Severity;
  /** A title a plant manager understands ("Controller put into STOP"). */
  readonly title: string;
  readonly remediation: string;
  readonly attack: readonly string[];
  /** Which events the rule wants (the engine only calls it for those). */
  readonly events: readonly RuleEvent['kind'][];
  /**
   * The event is valid during the call only (the engine reuses one object for observations):
   * keep its values (`event.obs`, `event.flow`), not the event.
   */
  evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null;
}
