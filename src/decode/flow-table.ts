import { i32be } from '../bytes/words.js';
import { ip4ToString, ip6ToString } from '../util/net.js';
import { IpProto, Layer, type PacketInfo, TcpFlag } from './packet-info.js';

/**
 * TCP connection state of a flow, as far as a passive observer can tell.
 * - NONE: not TCP.
 * - SYN_SEEN: the client's SYN, no SYN-ACK yet.
 * - SYN_ACK_SEEN: the server's SYN-ACK, no ACK from the client yet.
 * - ESTABLISHED: handshake completed (client ACK after the SYN-ACK).
 * - MIDSTREAM: picked up without seeing the handshake (capture started mid-connection).
 * - FIN_ONE: one side sent FIN.
 * - CLOSED: both sides sent FIN.
 * - RESET: a RST was seen.
 */
export const TcpState = {
  NONE: 0,
  SYN_SEEN: 1,
  SYN_ACK_SEEN: 2,
  ESTABLISHED: 3,
  MIDSTREAM: 4,
  FIN_ONE: 5,
  CLOSED: 6,
  RESET: 7,
} as const;

export function tcpStateName(s: number): string {
  switch (s) {
    case 0:
      return 'none';
    case 1:
      return 'syn-seen';
    case 2:
      return 'syn-ack-seen';
    case 3:
      return 'established';
    case 4:
      return 'midstream';
    case 5:
      return 'fin';
    case 6:
      return 'closed';
    case 7:
      return 'reset';
    default:
      return `unknown-${s}`;
  }
}

export interface Flow {
  /** 1, 2, 3... in creation order (deterministic). */
  readonly id: number;
  readonly ipVersion: 4 | 6;
  /** IpProto */
  readonly proto: number;
  /** Strings made once at creation. */
  readonly clientIp: string;
  readonly serverIp: string;
  /** 0 for IPv6. */
  readonly clientIp4: number;
  readonly serverIp4: number;
  readonly clientPort: number;
  readonly serverPort: number;
  /** MAC first seen as L2 source for each side (0 if none). */
  clientMac: number;
  serverMac: number;
  readonly vlan: number;
  firstUs: number;
  lastUs: number;
  /** Per direction (0 = client->server), wire bytes. */
  pkts0: number;
  pkts1: number;
  bytes0: number;
  bytes1: number;
  /** L4 payload bytes per direction. */
  payload0: number;
  payload1: number;
  /** TcpState */
  tcpState: number;
  /** Slot for the pipeline (dissector state, reassembly); the flow table never touches it. */
  app: unknown;
}

export interface FlowTableOptions {
  /** Flows without packets for this long (packet time) are evicted by expire(). Default 300 s. */
  idleTimeoutUs?: number;
  /** TCP flows closed by FIN/FIN or RST are evicted after this long. Default 10 s. */
  tcpClosedTimeoutUs?: number;
  /** At most this many flows; creating one more evicts the least recently used. Default 1,000,000. */
  maxFlows?: number;
  /**
   * Granularity of the recency order (µs of packet time, default 1 s): a flow moves to the
   * tail of the LRU list at most this often, so idle eviction may be this much late.
   */
  recencyUs?: number;
  /** Is `port` a server port for `proto`? Default: port < 1024. */
  isServerPort?: (proto: number, port: number) => boolean;
  onEvict?: (flow: Flow) => void;
}

const LIST_ACTIVE = 0;
const LIST_CLOSED = 1;

class FlowRec implements Flow {
  clientMac = 0;
  serverMac = 0;
  firstUs: number;
  lastUs: number;
  pkts0 = 0;
  pkts1 = 0;
  bytes0 = 0;
  bytes1 = 0;
  payload0 = 0;
  payload1 = 0;
  tcpState = 0;
  app: unknown = undefined;
  /** Hash chain and recency list (LRU, oldest at the head). */
  chain: FlowRec | null = null;
  prev: FlowRec | null = null;
  next: FlowRec | null = null;
  list = LIST_ACTIVE;
  /** Packet time of the last move to the recency list's tail. */
  touchedUs = 0;
  /** Bit 0: client sent FIN; bit 1: server sent FIN. */
  fins = 0;
  /** Sequence number of the client's SYN (-1 when not seen). */
  isn = -1;
  readonly clientIp: string;
  readonly serverIp: string;
  readonly clientIp4: number;
  readonly serverIp4: number;

  constructor(
    readonly id: number,
    readonly hash: number,
    readonly ipVersion: 4 | 6,
    readonly proto: number,
    readonly vlan: number,
    readonly c0: number,
    readonly c1: number,
    readonly c2: number,
    readonly c3: number,
    readonly s0: number,
    readonly s1: number,
    readonly s2: number,
    readonly s3: number,
    readonly clientPort: number,
    readonly serverPort: number,
    clientIp: string,
    serverIp: string,
    tsUs: number,
  ) {
    this.firstUs = tsUs;
    this.lastUs = tsUs;
    this.clientIp = clientIp;
    this.serverIp = serverIp;
    this.clientIp4 = ipVersion === 4 ? c0 >>> 0 : 0;
    this.serverIp4 = ipVersion === 4 ? s0 >>> 0 : 0;
  }
}

function defaultIsServerPort(_proto: number, port: number): boolean {
  return port < 1024;
}

function endpointHash(a0: number, a1: number, a2: number, a3: number, port: number): number {
  let h = Math.imul(a0 ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ a1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ a2, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ a3, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ port, 0x165667b1);
  return h ^ (h >>> 16);
}

/**
 * Bidirectional flow table keyed by numbers: (IP version, protocol, VLAN, the two addresses
 * as four 32-bit words each, the two ports), hashed symmetrically so both directions land in
 * the same bucket; collisions are chained. No strings or objects per packet: a flow object and
 * its address strings are allocated once, when the flow is created.
 *
 * Recency: flows sit in a doubly linked list, least recently updated at the head; `update()`
 * moves the flow to the tail (a few pointer writes, skipped when it is already the tail).
 * That makes both LRU eviction at `maxFlows` and `expire()` O(evicted) instead of a scan.
 * TCP flows that closed (both FINs, or RST) move to a second list with the shorter timeout.
 * `expire()` walks each list from its head and stops at the first flow that is still fresh,
 * so a capture whose packet times go backwards may keep a stale flow a little longer.
 *
 * ICMP/ICMPv6 flows have ports 0 (one flow per address pair, VLAN and protocol).
 */
export class FlowTable {
  /** Direction of the packet passed to the last update(): 0 client->server, 1 server->client. */
  lastDir: 0 | 1 = 0;
  /** true if the last update() created the flow. */
  lastCreated = false;
  /** Flows created so far (the last id). */
  created = 0;
  /** Flows evicted because maxFlows was reached. */
  evictedForSpace = 0;

  private buckets: (FlowRec | null)[];
  private mask: number;
  private count = 0;
  private nextId = 1;
  private readonly heads: (FlowRec | null)[] = [null, null];
  private readonly tails: (FlowRec | null)[] = [null, null];
  private readonly idleTimeoutUs: number;
  private readonly closedTimeoutUs: number;
  private readonly maxFlows: number;
  private readonly recencyUs: number;
  private readonly isServerPort: (proto: number, port: number) => boolean;
  private readonly onEvict: ((flow: Flow) => void) | undefined;

  // Key of the packet being looked up (avoids passing 12 arguments around).
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;
  private m0 = 0;
  private m1 = 0;
  private m2 = 0;
  private m3 = 0;

  constructor(opts: FlowTableOptions = {}) {
    this.idleTimeoutUs = opts.idleTimeoutUs ?? 300_000_000;
    this.closedTimeoutUs = opts.tcpClosedTimeoutUs ?? 10_000_000;
    this.maxFlows = Math.max(1, opts.maxFlows ?? 1_000_000);
    this.recencyUs = Math.max(0, opts.recencyUs ?? 1_000_000);
    this.isServerPort = opts.isServerPort ?? defaultIsServerPort;
    this.onEvict = opts.onEvict;
    this.buckets = new Array<FlowRec | null>(1024).fill(null);
    this.mask = 1023;
  }

  get size(): number {
    return this.count;
  }

  /** Find or create the flow of `p` (IP + TCP/UDP/ICMP layers must be decoded), update counters and TCP state. */
  update(p: PacketInfo): Flow {
    const v6 = p.ipVersion === 6;
    if (v6) {
      const s = p.src6;
      const d = p.dst6;
      this.k0 = i32be(s, 0);
      this.k1 = i32be(s, 4);
      this.k2 = i32be(s, 8);
      this.k3 = i32be(s, 12);
      this.m0 = i32be(d, 0);
      this.m1 = i32be(d, 4);
      this.m2 = i32be(d, 8);
      this.m3 = i32be(d, 12);
    } else {
      this.k0 = p.src4 | 0;
      this.m0 = p.dst4 | 0;
      this.k1 = this.k2 = this.k3 = this.m1 = this.m2 = this.m3 = 0;
    }
    const proto = p.ipProto;
    const hasPorts = (p.layers & Layer.L4) !== 0 && (proto === IpProto.TCP || proto === IpProto.UDP);
    const sp = hasPorts ? p.srcPort : 0;
    const dp = hasPorts ? p.dstPort : 0;
    const vlan = p.vlan;
    const h =
      (endpointHash(this.k0, this.k1, this.k2, this.k3, sp) +
        endpointHash(this.m0, this.m1, this.m2, this.m3, dp) +
        Math.imul(proto + (v6 ? 256 : 0), 0x3c6ef372) +
        Math.imul(vlan + 1, 0x7f4a7c15)) |
      0;
    const ver = v6 ? 6 : 4;

    let f = this.buckets[h & this.mask] ?? null;
    let dir: 0 | 1 = 0;
    while (f !== null) {
      if (f.hash === h && f.proto === proto && f.vlan === vlan && f.ipVersion === ver) {
        if (
          f.clientPort === sp &&
          f.serverPort === dp &&
          f.c0 === this.k0 &&
          f.s0 === this.m0 &&
          f.c1 === this.k1 &&
          f.c2 === this.k2 &&
          f.c3 === this.k3 &&
          f.s1 === this.m1 &&
          f.s2 === this.m2 &&
          f.s3 === this.m3
        ) {
          dir = 0;
          break;
        }
        if (
          f.clientPort === dp &&
          f.serverPort === sp &&
          f.c0 === this.m0 &&
          f.s0 === this.k0 &&
          f.c1 === this.m1 &&
          f.c2 === this.m2 &&
          f.c3 === this.m3 &&
          f.s1 === this.k1 &&
          f.s2 === this.k2 &&
          f.s3 === this.k3
        ) {
          dir = 1;
          break;
        }
      }
      f = f.chain;
    }

    const flags = p.tcpFlags;
    if (
      f !== null &&
      proto === IpProto.TCP &&
      (flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN &&
      (f.fins !== 0 || f.tcpState === TcpState.RESET) &&
      (f.isn < 0 || f.isn !== p.seq)
    ) {
      // The port pair was reused for a new connection after the old one closed.
      this.evict(f);
      f = null;
    }

    if (f === null) {
      dir = this.orient(p, proto, sp, dp);
      f = this.create(p, h, ver, proto, vlan, dir, sp, dp);
      this.lastCreated = true;
    } else {
      this.lastCreated = false;
      // Recency is kept to `recencyUs` of packet time: moving a flow on every packet costs
      // more than idle timeouts of minutes need.
      if (p.tsUs - f.touchedUs >= this.recencyUs) {
        f.touchedUs = p.tsUs;
        this.touch(f);
      }
    }
    this.lastDir = dir;

    const ts = p.tsUs;
    if (ts > f.lastUs) f.lastUs = ts;
    if (dir === 0) {
      f.pkts0++;
      f.bytes0 += p.wireLen;
      f.payload0 += p.payloadLen;
      if (f.clientMac === 0 && (p.layers & Layer.L2) !== 0) f.clientMac = p.srcMac;
    } else {
      f.pkts1++;
      f.bytes1 += p.wireLen;
      f.payload1 += p.payloadLen;
      if (f.serverMac === 0 && (p.layers & Layer.L2) !== 0) f.serverMac = p.srcMac;
    }
    if (proto === IpProto.TCP && (p.layers & Layer.L4) !== 0) this.tcp(f, dir, flags, p.seq);
    return f;
  }

  /** Evict flows idle for longer than the timeouts, by packet time; call every ~N packets. */
  expire(nowUs: number): void {
    let f = this.heads[LIST_CLOSED] ?? null;
    while (f !== null && nowUs - f.lastUs > this.closedTimeoutUs) {
      this.evict(f);
      f = this.heads[LIST_CLOSED] ?? null;
    }
    f = this.heads[LIST_ACTIVE] ?? null;
    while (f !== null && nowUs - f.lastUs > this.idleTimeoutUs) {
      this.evict(f);
      f = this.heads[LIST_ACTIVE] ?? null;
    }
  }

  /** Evict everything (end of capture), in flow id order. */
  drain(): void {
    const all: FlowRec[] = [];
    for (let l = 0; l < 2; l++) {
      for (let f = this.heads[l] ?? null; f !== null; f = f.next) all.push(f);
    }
    all.sort((a, b) => a.id - b.id);
    for (const f of all) this.evict(f);
  }

  /** Visit live flows (oldest activity first), e.g. for statistics. */
  forEach(fn: (flow: Flow) => void): void {
    for (let l = 0; l < 2; l++) {
      for (let f = this.heads[l] ?? null; f !== null; f = f.next) fn(f);
    }
  }

  private orient(p: PacketInfo, proto: number, sp: number, dp: number): 0 | 1 {
    if (proto === IpProto.TCP) {
      const fl = p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK);
      if (fl === TcpFlag.SYN) return 0;
      if (fl === (TcpFlag.SYN | TcpFlag.ACK)) return 1;
    } else if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) {
      const t = p.icmpType;
      const reply = proto === IpProto.ICMP ? t === 0 : t === 129;
      return reply ? 1 : 0;
    }
    if (proto !== IpProto.TCP && proto !== IpProto.UDP) return 0;
    const sSrv = this.isServerPort(proto, sp);
    const dSrv = this.isServerPort(proto, dp);
    if (dSrv && !sSrv) return 0;
    if (sSrv && !dSrv) return 1;
    const sLow = sp < 1024;
    const dLow = dp < 1024;
    if (dLow && !sLow) return 0;
    if (sLow && !dLow) return 1;
    return sp < dp ? 1 : 0;
  }

  private create(
    p: PacketInfo,
    h: number,
    ver: 4 | 6,
    proto: number,
    vlan: number,
    dir: 0 | 1,
    sp: number,
    dp: number,
  ): FlowRec {
    while (this.count >= this.maxFlows) {
      const victim = this.heads[LIST_CLOSED] ?? this.heads[LIST_ACTIVE] ?? null;
      if (victim === null) break;
      this.evictedForSpace++;
      this.evict(victim);
    }
    const srcStr = ver === 4 ? ip4ToString(p.src4) : ip6ToString(p.src6);
    const dstStr = ver === 4 ? ip4ToString(p.dst4) : ip6ToString(p.dst6);
    const id = this.nextId++;
    const f =
      dir === 0
        ? new FlowRec(
            id,
            h,
            ver,
            proto,
            vlan,
            this.k0,
            this.k1,
            this.k2,
            this.k3,
            this.m0,
            this.m1,
            this.m2,
            this.m3,
            sp,
            dp,
            srcStr,
            dstStr,
            p.tsUs,
          )
        : new FlowRec(
            id,
            h,
            ver,
            proto,
            vlan,
            this.m0,
            this.m1,
            this.m2,
            this.m3,
            this.k0,
            this.k1,
            this.k2,
            this.k3,
            dp,
            sp,
            dstStr,
            srcStr,
            p.tsUs,
          );
    const b = h & this.mask;
    f.chain = this.buckets[b] ?? null;
    this.buckets[b] = f;
    f.touchedUs = p.tsUs;
    this.append(f, LIST_ACTIVE);
    this.count++;
    this.created++;
    if (this.count > this.buckets.length) this.grow();
    return f;
  }

  private tcp(f: FlowRec, dir: 0 | 1, flags: number, seq: number): void {
    const st = f.tcpState;
    if ((flags & TcpFlag.RST) !== 0) {
      f.tcpState = TcpState.RESET;
      this.close(f);
      return;
    }
    if ((flags & TcpFlag.FIN) !== 0) {
      f.fins |= dir === 0 ? 1 : 2;
      f.tcpState = f.fins === 3 ? TcpState.CLOSED : TcpState.FIN_ONE;
      if (f.fins === 3) this.close(f);
      return;
    }
    if (st === TcpState.FIN_ONE || st === TcpState.CLOSED || st === TcpState.RESET) return;
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    if (syn && !ack) {
      if (dir === 0) f.isn = seq;
      if (st === TcpState.NONE) f.tcpState = TcpState.SYN_SEEN;
    } else if (syn && ack) {
      if (st === TcpState.NONE || st === TcpState.SYN_SEEN) f.tcpState = TcpState.SYN_ACK_SEEN;
    } else if (st === TcpState.SYN_ACK_SEEN) {
      if (dir === 0) f.tcpState = TcpState.ESTABLISHED;
    } else if (st === TcpState.NONE) {
      f.tcpState = TcpState.MIDSTREAM;
    }
  }

  private close(f: FlowRec): void {
    if (f.list === LIST_CLOSED) return;
    this.unlink(f);
    this.append(f, LIST_CLOSED);
  }

  private touch(f: FlowRec): void {
    if (this.tails[f.list] === f) return;
    const l = f.list;
    this.unlink(f);
    this.append(f, l);
  }

  private append(f: FlowRec, l: number): void {
    f.list = l;
    f.next = null;
    const t = this.tails[l] ?? null;
    f.prev = t;
    if (t !== null) t.next = f;
    else this.heads[l] = f;
    this.tails[l] = f;
  }

  private unlink(f: FlowRec): void {
    const l = f.list;
    if (f.prev !== null) f.prev.next = f.next;
    else this.heads[l] = f.next;
    if (f.next !== null) f.next.prev = f.prev;
    else this.tails[l] = f.prev;
    f.prev = f.next = null;
  }

  private evict(f: FlowRec): void {
    const b = f.hash & this.mask;
    let c = this.buckets[b] ?? null;
    if (c === f) this.buckets[b] = f.chain;
    else {
      while (c !== null && c.chain !== f) c = c.chain;
      if (c !== null) c.chain = f.chain;
    }
    f.chain = null;
    this.unlink(f);
    this.count--;
    this.onEvict?.(f);
  }

  private grow(): void {
    const n = this.buckets.length * 2;
    const nb = new Array<FlowRec | null>(n).fill(null);
    const mask = n - 1;
    for (let l = 0; l < 2; l++) {
      for (let f = this.heads[l] ?? null; f !== null; f = f.next) {
        const b = f.hash & mask;
        f.chain = nb[b] ?? null;
        nb[b] = f;
      }
    }
    this.buckets = nb;
    this.mask = mask;
  }
}
