import type { PacketSink } from '../capture/types.js';
import { Decoder } from '../decode/decoder.js';
import { type Flow, FlowTable } from '../decode/flow-table.js';
import { IpProto, Layer, PacketInfo, TcpFlag } from '../decode/packet-info.js';
import { type StreamConsumer, TcpStream } from '../decode/tcp-reassembly.js';
import type { Dissector } from '../dissectors/contract.js';
import { type DissectorRegistry, l2Key } from '../dissectors/registry.js';
import type { Direction } from '../observations/observation.js';
import { ip4ToString, ip6ToString } from '../util/net.js';
import { etherTypeName, isKnownServerPort, tcpServiceName, udpServiceName } from './services.js';

/**
 * The packet half of the pipeline: decode, flow table, and the choice of dissector per flow.
 *
 *   packet -> Decoder (one reused PacketInfo) -> FlowTable
 *          -> per flow with a dissector: TcpStream ordering per direction -> BackSink events
 *
 * The front never parses application bytes (probing aside, which is a pure function): what it
 * hands on is a short list of events (`BackSink`) that the back half (`FlowBack`, in back.ts)
 * turns into dissector calls, observations and inventory. The front puts TCP bytes in order;
 * the back keeps what a dissector did not consume yet (`StreamTail`), since only it knows. Events flow one
 * way only, so the two halves can run in one thread (a direct call, `Pipeline`) or in two
 * (a shared-memory ring in between, ring.ts) with the same results in the same order.
 *
 * Flows are named on both sides by a small integer slot, reused after the flow ends.
 */
export interface BackSink {
  /** A flow was created. `d` is the registry index of its dissector by port, or -1. */
  newFlow(slot: number, flow: Flow, d: number): void;
  /** A probe recognised the flow's protocol: attach dissector `d` (registry index). */
  attach(slot: number, d: number): void;
  /** In-order stream bytes of a TCP flow with a dissector (reassembled here: src/decode/tcp-reassembly.ts). */
  streamData(slot: number, dir: Direction, tsUs: number, buf: Uint8Array, off: number, len: number): void;
  /** Bytes missing from a TCP flow's stream before the next data. */
  streamGap(slot: number, dir: Direction, bytes: number, tsUs: number): void;
  /** A UDP datagram of a flow with a dissector (non-empty payload). */
  udp(slot: number, dir: Direction, tsUs: number, buf: Uint8Array, off: number, len: number): void;
  /** The flow ended (idle, closed, evicted or end of capture); its counters are final. */
  flowEnded(slot: number, flow: Flow): void;
  /** An IP packet without a transport the flow table follows (fragments, other protocols). */
  ipPacket(srcMac: number, srcIp: string, dstMac: number, dstIp: string, tsUs: number, vlan: number, len: number): void;
  /** An ARP packet; addresses as numbers (0 = none). */
  arp(
    op: number,
    senderMac: number,
    senderIp: number,
    targetMac: number,
    targetIp: number,
    tsUs: number,
    vlan: number,
    len: number,
  ): void;
  /**
   * A non-IP frame: `d` the registry index of its L2 dissector or -1, `name` its protocol name;
   * `buf[off, off+plen)` its L2 payload (bytes for the dissector; only valid during the call).
   */
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
  ): void;
}

/** Packet counts by kind, for the summary (the back adds `observations`). */
export interface FrontCounts {
  packets: number;
  bytes: number;
  flows: number;
  ip: number;
  arp: number;
  otherL2: number;
  undecoded: number;
}

/** What the front knows at the end of input, beyond its events. */
export interface FrontSummary {
  counts: FrontCounts;
  firstUs: number;
  lastUs: number;
  digest: number;
  /** Decoder anomalies: code, count, first/last packet time, an example. */
  anomalies: { code: string; count: number; firstUs: number; lastUs: number; example: string }[];
  /** LINKTYPE value -> packets the decoder could not handle. */
  unsupportedLinkTypes: [number, number][];
}

/** How many packets between idle-flow sweeps. */
const EXPIRE_EVERY = 1 << 16;
/** Payload-carrying packets a flow on an unknown port gets probed with, per direction. */
const PROBE_PACKETS = 2;

/** The dissector and protocol name of a new flow, by its server port. */
export function flowDissector(
  registry: DissectorRegistry,
  proto: number,
  serverPort: number,
): { d: Dissector | undefined; protocol: string | null; probe: boolean } {
  let d: Dissector | undefined;
  let protocol: string | null = null;
  const isTcp = proto === IpProto.TCP;
  const isUdp = proto === IpProto.UDP;
  if (isTcp) {
    d = registry.forTcpPort(serverPort);
    protocol = d?.name ?? tcpServiceName(serverPort) ?? null;
  } else if (isUdp) {
    d = registry.forUdpPort(serverPort);
    protocol = d?.name ?? udpServiceName(serverPort) ?? null;
  } else {
    protocol = proto === IpProto.ICMP || proto === IpProto.ICMPV6 ? 'icmp' : null;
  }
  // Probe only flows whose port names no protocol: a port another protocol owns (MELSOFT
  // on 5007, HTTP on 80) must not be claimed because its bytes happen to look like ours.
  const probe =
    d === undefined &&
    protocol === null &&
    ((isTcp && registry.tcpProbers.length > 0) || (isUdp && registry.udpProbers.length > 0));
  return { d, protocol, probe };
}

/** The front's own per-flow state (in `Flow.app`). */
class FrontFlow {
  streams: [TcpStream | null, TcpStream | null] = [null, null];
  constructor(
    readonly slot: number,
    public dissected: boolean,
    public probesLeft: number,
  ) {}
}

/** One direction of a flow's stream, handed on to the back. */
class StreamEvents implements StreamConsumer {
  constructor(
    private readonly back: BackSink,
    private readonly slot: number,
    private readonly dir: Direction,
  ) {}
  data(buf: Uint8Array, off: number, len: number, tsUs: number): number {
    this.back.streamData(this.slot, this.dir, tsUs, buf, off, len);
    return len;
  }
  gap(bytes: number, tsUs: number): void {
    this.back.streamGap(this.slot, this.dir, bytes, tsUs);
  }
}

export class PacketFront implements PacketSink {
  readonly decoder = new Decoder();
  readonly info = new PacketInfo();
  readonly flows: FlowTable;
  readonly counts: FrontCounts = { packets: 0, bytes: 0, flows: 0, ip: 0, arp: 0, otherL2: 0, undecoded: 0 };
  firstUs = 0;
  lastUs = 0;
  /** A cheap running digest of packet times and lengths: part of the analysis id. */
  digest = 0x811c9dc5;
  private sinceExpire = 0;
  private readonly index = new Map<Dissector, number>();
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;

  constructor(
    private readonly registry: DissectorRegistry,
    private readonly back: BackSink,
    idleTimeoutUs = 120_000_000,
  ) {
    for (const [i, d] of registry.all.entries()) this.index.set(d, i);
    this.flows = new FlowTable({
      idleTimeoutUs,
      isServerPort: (proto, port) =>
        isKnownServerPort(proto, port) ||
        (proto === IpProto.TCP ? registry.forTcpPort(port) !== undefined : registry.forUdpPort(port) !== undefined),
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
      this.back.ipPacket(p.srcMac, ipString(p, 0), p.dstMac, ipString(p, 1), tsUs, p.vlan, origLen);
    } else if (layers & Layer.ARP) {
      c.arp++;
      this.back.arp(
        p.arpOp,
        p.arpSenderMac || p.srcMac,
        p.arpSenderIp,
        p.arpTargetMac,
        p.arpTargetIp,
        tsUs,
        p.vlan,
        origLen,
      );
    } else if (layers & Layer.L2) {
      c.otherL2++;
      const d = this.registry.hasL2 ? this.registry.forEtherType(l2Key(p)) : undefined;
      const name = d ? d.name : p.etherType !== 0 ? etherTypeName(p.etherType) : llcName(p.llcDsap);
      this.back.l2(
        d ? (this.index.get(d) as number) : -1,
        name,
        p.srcMac,
        p.dstMac,
        tsUs,
        p.vlan,
        origLen,
        buf,
        p.l2PayloadOff,
        p.l2PayloadLen,
      );
    } else {
      c.undecoded++;
    }
    if (++this.sinceExpire >= EXPIRE_EVERY) {
      this.sinceExpire = 0;
      this.flows.expire(tsUs);
    }
  }

  private flowPacket(p: PacketInfo, tsUs: number): void {
    const flow = this.flows.update(p);
    let ff = flow.app as FrontFlow | null | undefined;
    if (this.flows.lastCreated || ff === undefined) ff = this.newFlow(flow);
    if (ff === null) return;
    const dir = this.flows.lastDir;
    if (!ff.dissected) {
      if (ff.probesLeft <= 0 || p.payloadLen === 0) return;
      ff.probesLeft--;
      if (!this.probe(ff, p, dir)) return;
    }
    if (p.ipProto === IpProto.TCP) {
      const s = ff.streams[dir];
      if (s === null) return;
      const flags = p.tcpFlags;
      // A bare ACK carries nothing for this direction's stream, only news for the other one.
      if (p.payloadLen !== 0 || (flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) !== 0) {
        s.segment(p.seq, flags, p.payloadBuf, p.payloadOff, p.payloadLen, tsUs);
      }
      if (flags & TcpFlag.ACK) {
        const other = ff.streams[dir === 0 ? 1 : 0];
        if (other !== null) other.acked(p.ack, tsUs);
      }
    } else if (p.payloadLen > 0) {
      this.back.udp(ff.slot, dir, tsUs, p.payloadBuf, p.payloadOff, p.payloadLen);
    }
  }

  private newFlow(flow: Flow): FrontFlow {
    this.counts.flows++;
    const { d, probe } = flowDissector(this.registry, flow.proto, flow.serverPort);
    const slot = this.freeSlots.length > 0 ? (this.freeSlots.pop() as number) : this.nextSlot++;
    const ff = new FrontFlow(slot, d !== undefined, probe ? PROBE_PACKETS * 2 : 0);
    flow.app = ff;
    this.back.newFlow(slot, flow, d ? (this.index.get(d) as number) : -1);
    if (d && flow.proto === IpProto.TCP) this.openStreams(ff);
    return ff;
  }

  private probe(ff: FrontFlow, p: PacketInfo, dir: Direction): boolean {
    const probers = p.ipProto === IpProto.TCP ? this.registry.tcpProbers : this.registry.udpProbers;
    for (const d of probers) {
      let r: 'match' | 'no-match' | 'need-more';
      try {
        r = d.probe ? d.probe(p.payloadBuf, p.payloadOff, p.payloadLen, dir) : 'no-match';
      } catch {
        r = 'no-match';
      }
      if (r === 'match') {
        ff.dissected = true;
        // The stream starts at this segment: reassembly picks up mid-stream from here.
        this.back.attach(ff.slot, this.index.get(d) as number);
        if (p.ipProto === IpProto.TCP) this.openStreams(ff);
        return true;
      }
    }
    return false;
  }

  private openStreams(ff: FrontFlow): void {
    const back = this.back;
    ff.streams = [
      new TcpStream(new StreamEvents(back, ff.slot, 0), { keepTail: false }),
      new TcpStream(new StreamEvents(back, ff.slot, 1), { keepTail: false }),
    ];
  }

  private flowEnded(flow: Flow): void {
    const ff = flow.app as FrontFlow | null | undefined;
    if (!ff) return;
    // Out-of-order data that can never be filled: a gap, then the data, before the flow ends.
    for (const s of ff.streams) if (s) s.finish(flow.lastUs);
    this.back.flowEnded(ff.slot, flow);
    flow.app = null;
    this.freeSlots.push(ff.slot);
  }

  /** End of input: every flow ends (in id order); returns what the back needs to finish. */
  finish(): FrontSummary {
    this.flows.drain();
    const anomalies: FrontSummary['anomalies'] = [];
    for (const [code, a] of this.decoder.anomalies) anomalies.push({ code, ...a });
    return {
      counts: { ...this.counts },
      firstUs: this.firstUs,
      lastUs: this.lastUs,
      digest: this.digest,
      anomalies,
      unsupportedLinkTypes: [...this.decoder.unsupportedLinkTypes],
    };
  }
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
