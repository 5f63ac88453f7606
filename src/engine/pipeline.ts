import { randomBytes } from 'node:crypto';
import type { PacketSink } from '../capture/types.js';
import { Decoder } from '../decode/decoder.js';
import { type Flow, FlowTable, TcpState } from '../decode/flow-table.js';
import { IpProto, Layer, PacketInfo, TcpFlag } from '../decode/packet-info.js';
import { TcpStream } from '../decode/tcp-reassembly.js';
import type { ArpEvent, FlowEvent } from '../detect/contract.js';
import type { DissectContext, Dissector, FlowInfo } from '../dissectors/contract.js';
import { type DissectorRegistry, l2Key } from '../dissectors/registry.js';
import { fingerprintWith } from '../findings/fingerprint.js';
import { InventoryBuilder, Precedence } from '../inventory/builder.js';
import type { Direction, Observation } from '../observations/observation.js';
import { ip4ToString, ip6ToString } from '../util/net.js';
import { etherTypeName, isKnownServerPort, tcpServiceName, udpServiceName } from './services.js';

/**
 * The analysis pipeline: capture packets in, observations and inventory out.
 *
 *   packet -> Decoder (L2-L4 into one reused PacketInfo) -> FlowTable (numeric keys)
 *          -> per flow with a dissector: TcpStream reassembly per direction -> Dissector.parse
 *          -> observations -> InventoryBuilder (+ an optional observer: rules, tests)
 *
 * Only flows that have a dissector pay for reassembly and parsing; all other packets cost a
 * decode and a flow-table update. Inventory work happens per flow, not per packet.
 */
export interface PipelineOptions {
  registry: DissectorRegistry;
  /** Every observation, in packet order (rules, goldens), with the flow it came from. */
  onObservation?: (obs: Observation, flow: FlowInfo) => void;
  /** Every flow when it ends (idle, closed, or end of capture), for detection rules. */
  onFlowEnd?: (flow: FlowEvent) => void;
  /** Every ARP packet, for spoofing and duplicate-address rules. */
  onArp?: (arp: ArpEvent) => void;
  /** Flow idle timeout in µs of packet time (default 120 s). */
  idleTimeoutUs?: number;
  /**
   * Key for credential fingerprints (the inventory's, from `InventoryRepository.credentialKey`).
   * Without one a random key is used: fingerprints are then comparable within this run only.
   */
  credentialKey?: Uint8Array;
}

/** L2 dissector states kept per dissector (one per sending MAC). */
const MAX_L2_STATES = 65_536;

/** How many packets between idle-flow sweeps. */
const EXPIRE_EVERY = 1 << 16;
/** Payload-carrying packets a flow on an unknown port gets probed with, per direction. */
const PROBE_PACKETS = 2;

export interface ProtocolCount {
  flows: number;
  packets: number;
  bytes: number;
  /** true when a dissector parsed it; false when named from the port only. */
  dissected: boolean;
}

class FlowApp implements DissectContext {
  flow: FlowInfo;
  tsUs = 0;
  dir: Direction = 0;
  l2DstMac = 0;
  dissector: Dissector | null = null;
  state: unknown = null;
  /** Confirmed or port-guessed protocol name; null = unknown. */
  protocol: string | null;
  dissected = false;
  probesLeft = 0;
  streams: [TcpStream | null, TcpStream | null] = [null, null];
  /** Transactions on this flow: function name -> op class and count. */
  ops: Map<string, { op: string; n: number }> | null = null;
  dead = false;

  constructor(
    private readonly pipe: Pipeline,
    info: FlowInfo,
    protocol: string | null,
  ) {
    this.flow = info;
    this.protocol = protocol;
  }

  attach(d: Dissector): void {
    this.dissector = d;
    this.protocol = d.name;
    this.dissected = true;
    this.state = d.newState(this.flow);
    if (this.flow.transport === 'tcp') {
      this.streams = [new TcpStream(new StreamFeed(this, 0)), new TcpStream(new StreamFeed(this, 1))];
    }
  }

  emit(obs: Observation): void {
    this.pipe.observe(obs, this);
  }
  anomaly(code: string, detail: string): void {
    this.pipe.flowAnomaly(this, code, detail);
  }
  fingerprint(secret: Uint8Array | string): string {
    return this.pipe.fingerprint(secret);
  }
  violation(reason: string): void {
    if (this.dead) return;
    this.pipe.flowAnomaly(this, `${this.protocol ?? 'app'}-protocol-violation`, reason);
    this.stop();
  }
  stop(): void {
    this.dead = true;
    this.streams = [null, null];
  }

  parse(buf: Uint8Array, off: number, len: number, tsUs: number, dir: Direction): number {
    const d = this.dissector;
    if (!d || this.dead) return len;
    this.tsUs = tsUs;
    this.dir = dir;
    try {
      const n = d.parse(this.state, buf, off, len, this);
      return Math.min(Math.max(n, 0), len);
    } catch (err) {
      this.pipe.flowAnomaly(this, `${d.name}-parser-error`, err instanceof Error ? err.message : String(err));
      this.stop();
      return len;
    }
  }

  gap(bytes: number, tsUs: number, dir: Direction): void {
    const d = this.dissector;
    if (!d || this.dead) return;
    this.tsUs = tsUs;
    this.dir = dir;
    this.pipe.flowAnomaly(
      this,
      'tcp-stream-gap',
      `${bytes} byte(s) missing in the ${dir === 0 ? 'client' : 'server'} stream`,
    );
    if (d.onGap) {
      try {
        d.onGap(this.state, dir, bytes, this);
      } catch (err) {
        this.pipe.flowAnomaly(this, `${d.name}-parser-error`, err instanceof Error ? err.message : String(err));
        this.stop();
      }
    }
  }
}

class StreamFeed {
  constructor(
    private readonly app: FlowApp,
    private readonly dir: Direction,
  ) {}
  data(buf: Uint8Array, off: number, len: number, tsUs: number): number {
    return this.app.parse(buf, off, len, tsUs, this.dir);
  }
  gap(bytes: number, tsUs: number): void {
    this.app.gap(bytes, tsUs, this.dir);
  }
}

export class Pipeline implements PacketSink {
  readonly decoder = new Decoder();
  readonly info = new PacketInfo();
  readonly flows: FlowTable;
  readonly inventory = new InventoryBuilder();
  readonly protocols = new Map<string, ProtocolCount>();
  /** Packet counts by kind, for the summary. */
  readonly counts = { packets: 0, bytes: 0, flows: 0, ip: 0, arp: 0, otherL2: 0, undecoded: 0, observations: 0 };
  firstUs = 0;
  lastUs = 0;
  /** A cheap running digest of packet times and lengths: part of the analysis id. */
  digest = 0x811c9dc5;
  private readonly registry: DissectorRegistry;
  private readonly onObservation: ((obs: Observation, flow: FlowInfo) => void) | undefined;
  private readonly onFlowEnd: ((flow: FlowEvent) => void) | undefined;
  private readonly onArp: ((arp: ArpEvent) => void) | undefined;
  private readonly credentialKey: Uint8Array;
  /** L2 dissector contexts: dissector -> sending MAC -> context. */
  private readonly l2Apps = new Map<Dissector, Map<number, FlowApp>>();
  private sinceExpire = 0;

  constructor(opts: PipelineOptions) {
    this.registry = opts.registry;
    this.onObservation = opts.onObservation;
    this.onFlowEnd = opts.onFlowEnd;
    this.onArp = opts.onArp;
    this.credentialKey = opts.credentialKey ?? randomBytes(32);
    this.flows = new FlowTable({
      idleTimeoutUs: opts.idleTimeoutUs ?? 120_000_000,
      isServerPort: (proto, port) =>
        isKnownServerPort(proto, port) ||
        (proto === IpProto.TCP
          ? this.registry.forTcpPort(port) !== undefined
          : this.registry.forUdpPort(port) !== undefined),
      onEvict: (flow) => this.flowEnded(flow),
    });
  }

  packet(linkType: number, tsUs: number, buf: Uint8Array, off: number, capLen: number, origLen: number): void {
    const c = this.counts;
    c.packets++;
    c.bytes += origLen;
    if (this.firstUs === 0) this.firstUs = tsUs;
    if (tsUs > this.lastUs) this.lastUs = tsUs;
    this.digest = Math.imul(this.digest ^ (tsUs | 0) ^ (origLen << 16), 0x01000193) >>> 0;

    const p = this.info;
    this.decoder.decode(linkType, buf, off, capLen, origLen, tsUs, p);
    const layers = p.layers;
    if (layers & Layer.L4) {
      c.ip++;
      this.flowPacket(p, tsUs);
    } else if (layers & Layer.IP) {
      c.ip++;
      this.inventory.ipPacket(p.srcMac, ipString(p, 0), p.dstMac, ipString(p, 1), tsUs, p.vlan, origLen);
    } else if (layers & Layer.ARP) {
      c.arp++;
      // Sender IP 0.0.0.0 is an ARP probe (RFC 5227): the MAC claims nothing yet.
      const sender = p.arpSenderIp === 0 ? '' : ip4ToString(p.arpSenderIp);
      this.inventory.arp(p.arpSenderMac || p.srcMac, sender, tsUs, p.vlan, origLen);
      if (this.onArp) {
        this.onArp({
          ts: tsUs,
          op: p.arpOp,
          senderMac: p.arpSenderMac || p.srcMac,
          senderIp: sender,
          targetMac: p.arpTargetMac,
          targetIp: p.arpTargetIp === 0 ? '' : ip4ToString(p.arpTargetIp),
          gratuitous: p.arpSenderIp !== 0 && p.arpSenderIp === p.arpTargetIp,
          vlan: p.vlan,
        });
      }
    } else if (layers & Layer.L2) {
      c.otherL2++;
      const d = this.registry.hasL2 ? this.registry.forEtherType(l2Key(p)) : undefined;
      const name = d ? d.name : p.etherType !== 0 ? etherTypeName(p.etherType) : llcName(p.llcDsap);
      this.countProtocol(name, 1, origLen, d !== undefined, 0);
      this.inventory.l2Frame(p.srcMac, p.dstMac, name, tsUs, p.vlan, origLen);
      if (d) this.l2Frame(d, p, buf, tsUs);
    } else {
      c.undecoded++;
    }
    if (++this.sinceExpire >= EXPIRE_EVERY) {
      this.sinceExpire = 0;
      this.flows.expire(tsUs);
    }
  }

  /** A non-IP frame for an L2 dissector: one context per (dissector, sending MAC). */
  private l2Frame(d: Dissector, p: PacketInfo, buf: Uint8Array, tsUs: number): void {
    let apps = this.l2Apps.get(d);
    if (!apps) {
      apps = new Map();
      this.l2Apps.set(d, apps);
    }
    let app = apps.get(p.srcMac);
    if (!app) {
      if (apps.size >= MAX_L2_STATES) return;
      const info: FlowInfo = {
        id: 0,
        transport: 'l2',
        clientIp: '',
        serverIp: '',
        clientPort: 0,
        serverPort: 0,
        clientMac: p.srcMac,
        serverMac: 0,
        vlan: p.vlan,
      };
      app = new FlowApp(this, info, d.name);
      app.attach(d);
      apps.set(p.srcMac, app);
    }
    if (app.dead) return;
    app.l2DstMac = p.dstMac;
    app.parse(buf, p.l2PayloadOff, p.l2PayloadLen, tsUs, 0);
  }

  private flowPacket(p: PacketInfo, tsUs: number): void {
    const flow = this.flows.update(p);
    let app = flow.app as FlowApp | null | undefined;
    if (this.flows.lastCreated || app === undefined) app = this.newFlow(flow);
    if (app === null) return;
    const dir = this.flows.lastDir;
    if (app.dead) return;
    if (app.dissector === null) {
      if (app.probesLeft <= 0 || p.payloadLen === 0) return;
      app.probesLeft--;
      if (!this.probe(app, p, dir)) return;
    }
    if (p.ipProto === IpProto.TCP) {
      const s = app.streams[dir];
      if (s === null) return;
      const flags = p.tcpFlags;
      // A bare ACK carries nothing for this direction's stream, only news for the other one.
      if (p.payloadLen !== 0 || (flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) !== 0) {
        s.segment(p.seq, flags, p.payloadBuf, p.payloadOff, p.payloadLen, tsUs);
      }
      if (flags & TcpFlag.ACK) {
        const other = app.streams[dir === 0 ? 1 : 0];
        if (other !== null) other.acked(p.ack, tsUs);
      }
    } else if (p.payloadLen > 0) {
      app.parse(p.payloadBuf, p.payloadOff, p.payloadLen, tsUs, dir);
    }
  }

  /** Set up a new flow: endpoints, protocol by port, dissector by port or probing. */
  private newFlow(flow: Flow): FlowApp | null {
    this.counts.flows++;
    const isTcp = flow.proto === IpProto.TCP;
    const isUdp = flow.proto === IpProto.UDP;
    let protocol: string | null = null;
    let d: Dissector | undefined;
    if (isTcp) {
      d = this.registry.forTcpPort(flow.serverPort);
      protocol = d?.name ?? tcpServiceName(flow.serverPort) ?? null;
    } else if (isUdp) {
      d = this.registry.forUdpPort(flow.serverPort);
      protocol = d?.name ?? udpServiceName(flow.serverPort) ?? null;
    } else {
      protocol = flow.proto === IpProto.ICMP || flow.proto === IpProto.ICMPV6 ? 'icmp' : null;
    }
    const info: FlowInfo = {
      id: flow.id,
      transport: isTcp ? 'tcp' : 'udp',
      clientIp: flow.clientIp,
      serverIp: flow.serverIp,
      clientPort: flow.clientPort,
      serverPort: flow.serverPort,
      clientMac: flow.clientMac,
      serverMac: flow.serverMac,
      vlan: flow.vlan,
    };
    const app = new FlowApp(this, info, protocol);
    if (d) app.attach(d);
    else if (
      // Probe only flows whose port names no protocol: a port another protocol owns (MELSOFT
      // on 5007, HTTP on 80) must not be claimed because its bytes happen to look like ours.
      protocol === null &&
      ((isTcp && this.registry.tcpProbers.length) || (isUdp && this.registry.udpProbers.length))
    ) {
      app.probesLeft = PROBE_PACKETS * 2;
    }
    flow.app = app;
    return app;
  }

  private probe(app: FlowApp, p: PacketInfo, dir: Direction): boolean {
    const probers = p.ipProto === IpProto.TCP ? this.registry.tcpProbers : this.registry.udpProbers;
    for (const d of probers) {
      let r: 'match' | 'no-match' | 'need-more';
      try {
        r = d.probe ? d.probe(p.payloadBuf, p.payloadOff, p.payloadLen, dir) : 'no-match';
      } catch {
        r = 'no-match';
      }
      if (r === 'match') {
        app.attach(d);
        // The stream starts at this segment: reassembly picks up mid-stream from here.
        return true;
      }
    }
    return false;
  }

  private flowEnded(flow: Flow): void {
    const app = flow.app as FlowApp | null | undefined;
    if (!app) {
      const [c, s] = this.inventory.flowEndpoints(flow);
      this.inventory.flowEnded(flow, c, s, null, null);
      this.countProtocol(null, flow.pkts0 + flow.pkts1, flow.bytes0 + flow.bytes1, false, 1);
      if (this.onFlowEnd) this.onFlowEnd(flowEvent(flow, null, null));
      return;
    }
    if (app.dissector && !app.dead) {
      const tsUs = flow.lastUs;
      for (const s of app.streams) if (s) s.finish(tsUs);
      if (app.dissector.onEnd) {
        app.tsUs = tsUs;
        try {
          app.dissector.onEnd(app.state, app);
        } catch (err) {
          this.flowAnomaly(app, `${app.dissector.name}-parser-error`, err instanceof Error ? err.message : String(err));
        }
      }
    }
    let ops: Map<string, number> | null = null;
    if (app.ops) {
      ops = new Map();
      for (const [fn, v] of app.ops) ops.set(`${v.op}:${fn}`, v.n);
    }
    const [client, server] = this.inventory.flowEndpoints(flow);
    this.inventory.flowEnded(flow, client, server, app.protocol, ops);
    this.countProtocol(app.protocol, flow.pkts0 + flow.pkts1, flow.bytes0 + flow.bytes1, app.dissected, 1);
    if (this.onFlowEnd) this.onFlowEnd(flowEvent(flow, app.protocol, app.ops));
    flow.app = null;
  }

  private countProtocol(name: string | null, packets: number, bytes: number, dissected: boolean, flows: number): void {
    const key = name ?? 'unknown';
    let pc = this.protocols.get(key);
    if (!pc) {
      pc = { flows: 0, packets: 0, bytes: 0, dissected };
      this.protocols.set(key, pc);
    }
    pc.flows += flows;
    pc.packets += packets;
    pc.bytes += bytes;
    if (dissected) pc.dissected = true;
  }

  /** Observations from dissectors: into the inventory, the link's operation counts, and the observer. */
  observe(obs: Observation, app: FlowApp): void {
    this.counts.observations++;
    switch (obs.kind) {
      case 'transaction': {
        let ops = app.ops;
        if (ops === null) ops = app.ops = new Map();
        const cur = ops.get(obs.fn);
        if (cur) cur.n++;
        else ops.set(obs.fn, { op: obs.op, n: 1 });
        break;
      }
      case 'asset.identity': {
        const about = obs.about;
        const f = app.flow;
        const target =
          about === 'client'
            ? f.transport === 'l2'
              ? { mac: f.clientMac }
              : { ip: f.clientIp }
            : about === 'server'
              ? { ip: f.serverIp }
              : about;
        this.inventory.identity(target, obs.facts, obs.protocol, obs.ts, Precedence.device);
        break;
      }
      case 'credential': {
        const f = app.flow;
        const byClient = obs.by === 'client';
        this.inventory.credential(
          obs,
          byClient ? f.clientIp : f.serverIp,
          byClient ? f.clientMac : f.serverMac,
          byClient ? f.serverIp : f.clientIp,
          byClient ? f.serverMac : f.clientMac,
        );
        break;
      }
      case 'anomaly': {
        const ip = obs.dir === 1 ? app.flow.serverIp : obs.dir === 0 ? app.flow.clientIp : null;
        this.inventory.anomaly(obs.code, obs.protocol, ip, obs.ts, obs.detail);
        break;
      }
    }
    if (this.onObservation) this.onObservation(obs, app.flow);
  }

  /** HMAC-SHA-256 of a secret under the inventory's key: 32 hex characters. */
  fingerprint(secret: Uint8Array | string): string {
    return fingerprintWith(this.credentialKey, secret);
  }

  flowAnomaly(app: FlowApp, code: string, detail: string): void {
    const obs: Observation = {
      kind: 'anomaly',
      ts: app.tsUs,
      flowId: app.flow.id,
      protocol: app.protocol ?? 'unknown',
      code,
      detail,
      dir: app.dir,
    };
    this.observe(obs, app);
  }

  /** End of input: flush every flow (in id order) and fold decoder anomalies in. */
  finish(): void {
    this.flows.drain();
    for (const [d, apps] of this.l2Apps) {
      if (!d.onEnd) continue;
      for (const app of apps.values()) {
        if (app.dead) continue;
        app.tsUs = this.lastUs;
        try {
          d.onEnd(app.state, app);
        } catch (err) {
          this.flowAnomaly(app, `${d.name}-parser-error`, err instanceof Error ? err.message : String(err));
        }
      }
    }
    for (const [code, a] of this.decoder.anomalies) {
      this.inventory.anomaly(code, 'decode', null, a.firstUs, a.example, a.count);
      if (a.lastUs > a.firstUs) this.inventory.anomaly(code, 'decode', null, a.lastUs, a.example, 0);
    }
  }
}

/** The rules' view of an ended flow. */
function flowEvent(flow: Flow, protocol: string | null, ops: Map<string, { op: string; n: number }> | null): FlowEvent {
  const byOp: Record<string, number> = {};
  if (ops) for (const v of ops.values()) byOp[v.op] = (byOp[v.op] ?? 0) + v.n;
  const tcp = flow.proto === IpProto.TCP;
  return {
    id: flow.id,
    transport: tcp
      ? 'tcp'
      : flow.proto === IpProto.UDP
        ? 'udp'
        : flow.proto === IpProto.ICMP || flow.proto === IpProto.ICMPV6
          ? 'icmp'
          : 'other',
    protocol,
    clientIp: flow.clientIp,
    serverIp: flow.serverIp,
    clientMac: flow.clientMac,
    serverMac: flow.serverMac,
    clientPort: flow.clientPort,
    serverPort: flow.serverPort,
    vlan: flow.vlan,
    firstUs: flow.firstUs,
    lastUs: flow.lastUs,
    packetsToServer: flow.pkts0,
    packetsToClient: flow.pkts1,
    bytesToServer: flow.bytes0,
    bytesToClient: flow.bytes1,
    established: tcp
      ? flow.pkts1 > 0 && flow.tcpState !== TcpState.RESET && flow.tcpState !== TcpState.SYN_SEEN
      : flow.pkts1 > 0,
    reset: tcp && flow.tcpState === TcpState.RESET,
    ops: byOp,
  };
}

function ipString(p: PacketInfo, side: 0 | 1): string {
  if (p.ipVersion === 4) return ip4ToString(side === 0 ? p.src4 : p.dst4);
  if (p.ipVersion === 6) return ip6ToString(side === 0 ? p.src6 : p.dst6);
  return '';
}

function llcName(dsap: number): string {
  switch (dsap) {
    case 0x42:
      return 'stp';
    case 0xfe:
      return 'osi';
    case 0xe0:
      return 'ipx';
    case 0xaa:
      return 'snap';
    default:
      return dsap ? `llc-0x${dsap.toString(16).padStart(2, '0')}` : 'l2-unknown';
  }
}
