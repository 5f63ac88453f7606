import { randomBytes } from 'node:crypto';
import { type Flow, TcpState } from '../decode/flow-table.js';
import { IpProto } from '../decode/packet-info.js';
import { newStreamCounters, StreamTail } from '../decode/tcp-reassembly.js';
import type { ArpEvent, FlowEvent } from '../detect/contract.js';
import type { DissectContext, Dissector, FlowInfo } from '../dissectors/contract.js';
import type { DissectorRegistry } from '../dissectors/registry.js';
import { fingerprintWith } from '../findings/fingerprint.js';
import { InventoryBuilder, Precedence } from '../inventory/builder.js';
import type { Direction, Observation } from '../observations/observation.js';
import { ip4ToString } from '../util/net.js';
import { type BackSink, type FrontSummary, flowDissector } from './front.js';

/**
 * The flow half of the pipeline: what happens to a flow's bytes once the front (front.ts) has
 * decoded the packet and found the flow.
 *
 *   BackSink events -> per TCP flow with a dissector: StreamTail per direction (the bytes a
 *                      dissector left for later, in front of the next ones)
 *                   -> Dissector.parse -> observations -> InventoryBuilder (+ the hooks: rules, tests)
 *
 * Only flows with a dissector pay for reassembly (in the front) and parsing. Inventory work happens per
 * flow (when it ends), per identity observation and per non-IP frame, never per IP packet.
 */
export interface BackOptions {
  registry: DissectorRegistry;
  /**
   * Every observation, in packet order (rules, goldens), with the flow it came from; `repeat`
   * is true for a transaction whose function this flow has already carried.
   */
  onObservation?: (obs: Observation, flow: FlowInfo, repeat: boolean) => void;
  /**
   * The op classes whose repeated transactions `onObservation` wants. A transaction of another op
   * class reaches it only the first time its function appears on the flow (polling: millions of
   * reads that no rule needs twice). Default: every observation.
   */
  repeatOps?: ReadonlySet<string>;
  /** Every flow when it ends (idle, closed, or end of capture), for detection rules. */
  onFlowEnd?: (flow: FlowEvent) => void;
  /** Every ARP packet, for spoofing and duplicate-address rules. */
  onArp?: (arp: ArpEvent) => void;
  /**
   * Key for credential fingerprints (the inventory's, from `InventoryRepository.credentialKey`).
   * Without one a random key is used: fingerprints are then comparable within this run only.
   */
  credentialKey?: Uint8Array;
}

/** L2 dissector states kept per dissector (one per sending MAC). */
const MAX_L2_STATES = 65_536;

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
  tails: [StreamTail | null, StreamTail | null] = [null, null];
  /** Transactions on this flow: function name -> op class and count. */
  ops: Map<string, { op: string; n: number }> | null = null;
  /** The last transaction's function and op, its entry, and whether its repeats go to the observer. */
  lastFn = '';
  lastOp = '';
  lastOps: { op: string; n: number } | null = null;
  lastWanted = true;
  dead = false;

  constructor(
    private readonly back: FlowBack,
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
      this.tails = [
        new StreamTail(new StreamFeed(this, 0), TAIL_COUNTERS),
        new StreamTail(new StreamFeed(this, 1), TAIL_COUNTERS),
      ];
    }
  }

  emit(obs: Observation): void {
    this.back.observe(obs, this);
  }
  anomaly(code: string, detail: string): void {
    this.back.flowAnomaly(this, code, detail);
  }
  fingerprint(secret: Uint8Array | string): string {
    return this.back.fingerprint(secret);
  }
  violation(reason: string): void {
    if (this.dead) return;
    this.back.flowAnomaly(this, `${this.protocol ?? 'app'}-protocol-violation`, reason);
    this.stop();
  }
  stop(): void {
    this.dead = true;
    this.tails = [null, null];
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
      this.back.flowAnomaly(this, `${d.name}-parser-error`, err instanceof Error ? err.message : String(err));
      this.stop();
      return len;
    }
  }

  gap(bytes: number, tsUs: number, dir: Direction): void {
    const d = this.dissector;
    if (!d || this.dead) return;
    this.tsUs = tsUs;
    this.dir = dir;
    this.back.flowAnomaly(
      this,
      'tcp-stream-gap',
      `${bytes} byte(s) missing in the ${dir === 0 ? 'client' : 'server'} stream`,
    );
    if (d.onGap) {
      try {
        d.onGap(this.state, dir, bytes, this);
      } catch (err) {
        this.back.flowAnomaly(this, `${d.name}-parser-error`, err instanceof Error ? err.message : String(err));
        this.stop();
      }
    }
  }
}

/** The tails' overflow counters: overflows also reach the dissector as gaps, which is what counts. */
const TAIL_COUNTERS = newStreamCounters();

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

export class FlowBack implements BackSink {
  readonly inventory = new InventoryBuilder();
  readonly protocols = new Map<string, ProtocolCount>();
  observations = 0;
  private readonly registry: DissectorRegistry;
  private readonly onObservation: ((obs: Observation, flow: FlowInfo, repeat: boolean) => void) | undefined;
  private readonly onFlowEnd: ((flow: FlowEvent) => void) | undefined;
  private readonly onArp: ((arp: ArpEvent) => void) | undefined;
  private readonly credentialKey: Uint8Array;
  private readonly repeatOps: ReadonlySet<string> | null;
  /** Live flows by slot (see BackSink). */
  private readonly apps: (FlowApp | undefined)[] = [];
  /** L2 dissector contexts: dissector -> sending MAC -> context. */
  private readonly l2Apps = new Map<Dissector, Map<number, FlowApp>>();

  constructor(opts: BackOptions) {
    this.registry = opts.registry;
    this.onObservation = opts.onObservation;
    this.onFlowEnd = opts.onFlowEnd;
    this.onArp = opts.onArp;
    this.credentialKey = opts.credentialKey ?? randomBytes(32);
    this.repeatOps = opts.repeatOps ?? null;
  }

  newFlow(slot: number, flow: Flow, d: number): void {
    const isTcp = flow.proto === IpProto.TCP;
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
    const app = new FlowApp(this, info, flowDissector(this.registry, flow.proto, flow.serverPort).protocol);
    if (d >= 0) app.attach(this.registry.all[d] as Dissector);
    this.apps[slot] = app;
  }

  attach(slot: number, d: number): void {
    this.apps[slot]?.attach(this.registry.all[d] as Dissector);
  }

  streamData(slot: number, dir: Direction, tsUs: number, buf: Uint8Array, off: number, len: number): void {
    const t = this.apps[slot]?.tails[dir];
    if (t) t.data(buf, off, len, tsUs);
  }

  streamGap(slot: number, dir: Direction, bytes: number, tsUs: number): void {
    const t = this.apps[slot]?.tails[dir];
    if (t) t.gap(bytes, tsUs);
  }

  udp(slot: number, dir: Direction, tsUs: number, buf: Uint8Array, off: number, len: number): void {
    const app = this.apps[slot];
    if (app === undefined || app.dead) return;
    app.parse(buf, off, len, tsUs, dir);
  }

  ipPacket(
    srcMac: number,
    srcIp: string,
    dstMac: number,
    dstIp: string,
    tsUs: number,
    vlan: number,
    len: number,
  ): void {
    this.inventory.ipPacket(srcMac, srcIp, dstMac, dstIp, tsUs, vlan, len);
  }

  arp(
    op: number,
    senderMac: number,
    senderIp: number,
    targetMac: number,
    targetIp: number,
    tsUs: number,
    vlan: number,
    len: number,
  ): void {
    // Sender IP 0.0.0.0 is an ARP probe (RFC 5227): the MAC claims nothing yet.
    const sender = senderIp === 0 ? '' : ip4ToString(senderIp);
    this.inventory.arp(senderMac, sender, tsUs, vlan, len);
    if (this.onArp) {
      this.onArp({
        ts: tsUs,
        op,
        senderMac,
        senderIp: sender,
        targetMac,
        targetIp: targetIp === 0 ? '' : ip4ToString(targetIp),
        gratuitous: senderIp !== 0 && senderIp === targetIp,
        vlan,
      });
    }
  }

  /** A non-IP frame: counted, into the inventory, and to its L2 dissector (one context per sending MAC). */
  l2(
    d: number,
    name: string,
    srcMac: number,
    dstMac: number,
    tsUs: number,
    vlan: number,
    len: number,
    buf: Uint8Array,
    off: number,
    plen: number,
  ): void {
    this.countProtocol(name, 1, len, d >= 0, 0);
    this.inventory.l2Frame(srcMac, dstMac, name, tsUs, vlan, len);
    if (d < 0) return;
    const dissector = this.registry.all[d] as Dissector;
    let apps = this.l2Apps.get(dissector);
    if (!apps) {
      apps = new Map();
      this.l2Apps.set(dissector, apps);
    }
    let app = apps.get(srcMac);
    if (!app) {
      if (apps.size >= MAX_L2_STATES) return;
      const info: FlowInfo = {
        id: 0,
        transport: 'l2',
        clientIp: '',
        serverIp: '',
        clientPort: 0,
        serverPort: 0,
        clientMac: srcMac,
        serverMac: 0,
        vlan,
      };
      app = new FlowApp(this, info, dissector.name);
      app.attach(dissector);
      apps.set(srcMac, app);
    }
    if (app.dead) return;
    app.l2DstMac = dstMac;
    app.parse(buf, off, plen, tsUs, 0);
  }

  flowEnded(slot: number, flow: Flow): void {
    const app = this.apps[slot];
    this.apps[slot] = undefined;
    if (!app) {
      const [c, s] = this.inventory.flowEndpoints(flow);
      this.inventory.flowEnded(flow, c, s, null, null);
      this.countProtocol(null, flow.pkts0 + flow.pkts1, flow.bytes0 + flow.bytes1, false, 1);
      if (this.onFlowEnd) this.onFlowEnd(flowEvent(flow, null, null));
      return;
    }
    // The front has already finished the flow's streams (held data delivered, holes as gaps).
    if (app.dissector && !app.dead) {
      if (app.dissector.onEnd) {
        app.tsUs = flow.lastUs;
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
    this.observations++;
    let repeat = false;
    switch (obs.kind) {
      case 'transaction': {
        const fn = obs.fn;
        repeat = true;
        if (fn === app.lastFn && obs.op === app.lastOp && app.lastOps !== null) {
          app.lastOps.n++;
          if (!app.lastWanted) return;
          break;
        }
        let ops = app.ops;
        if (ops === null) ops = app.ops = new Map();
        let cur = ops.get(fn);
        if (cur) cur.n++;
        else {
          cur = { op: obs.op, n: 1 };
          ops.set(fn, cur);
          repeat = false;
        }
        app.lastFn = fn;
        app.lastOp = obs.op;
        app.lastOps = cur;
        app.lastWanted = this.repeatOps === null || this.repeatOps.has(obs.op);
        if (repeat && !app.lastWanted) return;
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
    if (this.onObservation) this.onObservation(obs, app.flow, repeat);
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

  /** End of input (after the front's flows have all ended): L2 contexts end, decoder anomalies fold in. */
  finish(front: FrontSummary): void {
    for (const [d, apps] of this.l2Apps) {
      if (!d.onEnd) continue;
      for (const app of apps.values()) {
        if (app.dead) continue;
        app.tsUs = front.lastUs;
        try {
          d.onEnd(app.state, app);
        } catch (err) {
          this.flowAnomaly(app, `${d.name}-parser-error`, err instanceof Error ? err.message : String(err));
        }
      }
    }
    for (const a of front.anomalies) {
      this.inventory.anomaly(a.code, 'decode', null, a.firstUs, a.example, a.count);
      if (a.lastUs > a.firstUs) this.inventory.anomaly(a.code, 'decode', null, a.lastUs, a.example, 0);
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
