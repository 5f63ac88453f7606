import type { PcapWriter } from './pcap-writer.js';
import { EtherType, ethernet, ipv4, l2HeaderLen, TcpFlag, tcp, udp } from './protocols/ip.js';

/**
 * The generator's runtime: every conversation in the plant is an `Actor` playing a list of prebuilt
 * frame templates (`Step`s). At run time a step is copied into the pcap buffer and a few fields are
 * patched in place (TCP seq/ack, client port, a protocol counter such as the Modbus transaction id),
 * so generating a packet allocates nothing.
 */

/** How a step's counter fields are written: 0 u16 big endian, 1 u16 little endian, 2 u32 little endian. */
export type CounterFormat = 0 | 1 | 2;

export interface Step {
  frame: Uint8Array;
  /** Time since the previous step of the same actor (first step: ignored, the session start is used). */
  delayUs: number;
  /** Extra uniform random delay 0..jitterUs added to delayUs. */
  jitterUs: number;
  /** 0 client -> server, 1 server -> client. */
  dir: 0 | 1;
  /** Offset of the TCP header in the frame, -1 for non-TCP frames. */
  tcpOff: number;
  /** Sequence/ack numbers relative to each side's ISN (the SYN has relSeq 0). */
  relSeq: number;
  relAck: number;
  hasAck: boolean;
  /** Offset of the client's ephemeral port in the frame, -1 when the port is fixed. */
  portOff: number;
  /** Offsets of counter fields (-1 none) and their base values; value = base + actor counter * actor stride. */
  ctrOff: number;
  ctrBase: number;
  ctr2Off: number;
  ctr2Base: number;
  ctrFmt: CounterFormat;
}

export interface Endpoint {
  mac: string;
  ip: string;
  vlan: number;
}

/** What one side of a conversation looks like on the captured VLAN (after routing). */
export interface Leg {
  vlan: number;
  clientMac: string;
  serverMac: string;
  clientTtl: number;
  serverTtl: number;
}

/** Frames are padded to the 60-byte Ethernet minimum, as a mirror port delivers them. */
export function pad60(frame: Uint8Array): Uint8Array {
  if (frame.length >= 60) return frame;
  const out = new Uint8Array(60);
  out.set(frame);
  return out;
}

export interface CounterSpec {
  /** Offset inside the L4 payload. */
  off: number;
  base: number;
  off2?: number;
  base2?: number;
  fmt: CounterFormat;
}

/** Builds the steps of one conversation (TCP, UDP or plain L2) with exact relative seq/ack bookkeeping. */
export class Conversation {
  readonly steps: Step[] = [];
  loopStart = -1;
  /** Relative next sequence number per direction. */
  private readonly nxt: [number, number] = [0, 0];
  private loopNxt: [number, number] = [0, 0];
  advance: [number, number] = [0, 0];
  /** Requests carrying a counter so far; each request gets its own counter slot, responses echo it. */
  private reqNo = 0;
  private loopReqNo = 0;
  /** Counter slots used by one loop (or one whole session when there is no loop). */
  private loopStride = -1;

  constructor(
    readonly client: Endpoint,
    readonly server: Endpoint,
    readonly leg: Leg,
    readonly cport: number,
    readonly sport: number,
    /** true when `cport` is replaced by a fresh ephemeral port each session. */
    readonly ephemeral: boolean,
  ) {}

  get stride(): number {
    return this.loopStride >= 0 ? this.loopStride : Math.max(1, this.reqNo);
  }

  private push(
    step: Omit<Step, 'portOff' | 'ctrOff' | 'ctrBase' | 'ctr2Off' | 'ctr2Base' | 'ctrFmt'>,
    l4Off: number,
    payloadOff: number,
    ctr?: CounterSpec,
  ): void {
    let slot = 0;
    if (ctr) slot = step.dir === 0 ? this.reqNo++ : Math.max(0, this.reqNo - 1);
    this.steps.push({
      ...step,
      portOff: this.ephemeral ? l4Off + (step.dir === 0 ? 0 : 2) : -1,
      ctrOff: ctr ? payloadOff + ctr.off : -1,
      ctrBase: (ctr?.base ?? 0) + slot,
      ctr2Off: ctr?.off2 !== undefined ? payloadOff + ctr.off2 : -1,
      ctr2Base: (ctr?.base2 ?? 0) + slot,
      ctrFmt: ctr?.fmt ?? 0,
    });
  }

  private ends(dir: 0 | 1) {
    const l = this.leg;
    return dir === 0
      ? {
          srcMac: l.clientMac,
          dstMac: l.serverMac,
          src: this.client.ip,
          dst: this.server.ip,
          sp: this.cport,
          dp: this.sport,
          ttl: l.clientTtl,
        }
      : {
          srcMac: l.serverMac,
          dstMac: l.clientMac,
          src: this.server.ip,
          dst: this.client.ip,
          sp: this.sport,
          dp: this.cport,
          ttl: l.serverTtl,
        };
  }

  /** One TCP segment; data advances the sender's sequence space, SYN and FIN count one. */
  segment(dir: 0 | 1, flags: number, payload: Uint8Array, delayUs: number, jitterUs = 0, ctr?: CounterSpec): this {
    const e = this.ends(dir);
    const other = dir === 0 ? 1 : 0;
    const relSeq = this.nxt[dir];
    const hasAck = (flags & TcpFlag.ACK) !== 0;
    const relAck = hasAck ? this.nxt[other] : 0;
    const seg = tcp(e.sp, e.dp, relSeq, relAck, flags, payload, dir === 0 ? 64240 : 8192);
    const frame = pad60(ethernet(e.dstMac, e.srcMac, this.leg.vlan, EtherType.IPV4, ipv4(e.src, e.dst, 6, seg, e.ttl)));
    const tcpOff = l2HeaderLen(this.leg.vlan) + 20;
    this.push({ frame, delayUs, jitterUs, dir, tcpOff, relSeq, relAck, hasAck }, tcpOff, tcpOff + 20, ctr);
    this.nxt[dir] += payload.length + (flags & (TcpFlag.SYN | TcpFlag.FIN) ? 1 : 0);
    return this;
  }

  handshake(rttUs: number): this {
    this.segment(0, TcpFlag.SYN, new Uint8Array(0), 0);
    this.segment(1, TcpFlag.SYN | TcpFlag.ACK, new Uint8Array(0), rttUs >> 1);
    return this.segment(0, TcpFlag.ACK, new Uint8Array(0), rttUs >> 1);
  }

  /** A PSH|ACK data segment. */
  data(dir: 0 | 1, payload: Uint8Array, delayUs: number, jitterUs = 0, ctr?: CounterSpec): this {
    return this.segment(dir, TcpFlag.PSH | TcpFlag.ACK, payload, delayUs, jitterUs, ctr);
  }

  ack(dir: 0 | 1, delayUs: number): this {
    return this.segment(dir, TcpFlag.ACK, new Uint8Array(0), delayUs);
  }

  /** Active close by `dir`: FIN|ACK, FIN|ACK, ACK. */
  close(dir: 0 | 1, delayUs: number, rttUs: number): this {
    const other = dir === 0 ? 1 : 0;
    this.segment(dir, TcpFlag.FIN | TcpFlag.ACK, new Uint8Array(0), delayUs);
    this.segment(other, TcpFlag.FIN | TcpFlag.ACK, new Uint8Array(0), rttUs >> 1);
    return this.segment(dir, TcpFlag.ACK, new Uint8Array(0), rttUs >> 1);
  }

  /** One UDP datagram. */
  datagram(
    dir: 0 | 1,
    payload: Uint8Array,
    delayUs: number,
    jitterUs = 0,
    ctr?: CounterSpec,
    dstOverride?: { mac: string; ip: string },
  ): this {
    const e = this.ends(dir);
    const dstMac = dstOverride?.mac ?? e.dstMac;
    const dst = dstOverride?.ip ?? e.dst;
    const frame = pad60(
      ethernet(dstMac, e.srcMac, this.leg.vlan, EtherType.IPV4, ipv4(e.src, dst, 17, udp(e.sp, e.dp, payload), e.ttl)),
    );
    const l4 = l2HeaderLen(this.leg.vlan) + 20;
    this.push({ frame, delayUs, jitterUs, dir, tcpOff: -1, relSeq: 0, relAck: 0, hasAck: false }, l4, l4 + 8, ctr);
    return this;
  }

  /** A prebuilt frame (L2 protocols, ARP): no TCP patching, no ephemeral port. */
  raw(dir: 0 | 1, frame: Uint8Array, delayUs: number, jitterUs = 0): this {
    this.steps.push({
      frame: pad60(frame),
      delayUs,
      jitterUs,
      dir,
      tcpOff: -1,
      relSeq: 0,
      relAck: 0,
      hasAck: false,
      portOff: -1,
      ctrOff: -1,
      ctrBase: 0,
      ctr2Off: -1,
      ctr2Base: 0,
      ctrFmt: 0,
    });
    return this;
  }

  /** Steps added from here on repeat forever; sequence numbers advance by what one loop sends. */
  beginLoop(): this {
    this.loopStart = this.steps.length;
    this.loopNxt = [this.nxt[0], this.nxt[1]];
    this.loopReqNo = this.reqNo;
    return this;
  }

  endLoop(): this {
    this.advance = [this.nxt[0] - this.loopNxt[0], this.nxt[1] - this.loopNxt[1]];
    this.loopStride = this.reqNo - this.loopReqNo;
    return this;
  }
}

/** Runtime state of one conversation. */
export class Actor {
  idx = 0;
  iter = 0;
  ctr = 0;
  session = 0;
  isn0 = 0;
  isn1 = 0;
  port = 0;
  next = 0;
  sessionStart = 0;
  readonly steps: Step[];
  readonly loopStart: number;
  readonly adv0: number;
  readonly adv1: number;
  readonly stride: number;

  constructor(
    conv: Conversation,
    /** First session start, relative to the capture start. */
    readonly firstUs: number,
    /** Time between session starts; 0 = the conversation runs once (or loops forever). */
    readonly periodUs: number,
    readonly periodJitterUs = 0,
  ) {
    this.steps = conv.steps;
    this.loopStart = conv.loopStart;
    this.adv0 = conv.advance[0];
    this.adv1 = conv.advance[1];
    this.port = conv.cport;
    this.stride = conv.stride;
  }
}

/** xorshift32: small, fast, deterministic. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed ^ 0x9e3779b9) >>> 0 || 0x12345678;
    for (let i = 0; i < 8; i++) this.next();
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Uniform integer in 0..n (inclusive), n < 2^32. */
  upTo(n: number): number {
    return n <= 0 ? 0 : this.next() % (n + 1);
  }
}

function newSession(a: Actor, rng: Prng): void {
  a.isn0 = rng.next();
  a.isn1 = rng.next();
  a.port = 49152 + rng.upTo(16382);
  a.idx = 0;
  a.iter = 0;
}

/**
 * Plays the actors in time order into `w` until `maxPackets` packets are written.
 * A binary heap on the actors' next-packet time orders the interleaving; ties go to the lower index.
 */
export function play(
  actors: readonly Actor[],
  w: PcapWriter,
  startUs: number,
  maxPackets: number,
  rng: Prng,
): { firstUs: number; lastUs: number } {
  const n = actors.length;
  const heap: number[] = [];
  const time = new Float64Array(n);
  const less = (i: number, j: number): boolean => {
    const a = heap[i] as number;
    const b = heap[j] as number;
    return time[a]! < time[b]! || (time[a] === time[b] && a < b);
  };
  const down = (i: number): void => {
    const len = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= len) return;
      const r = l + 1;
      const m = r < len && less(r, l) ? r : l;
      if (!less(m, i)) return;
      const t = heap[i] as number;
      heap[i] = heap[m] as number;
      heap[m] = t;
      i = m;
    }
  };
  actors.forEach((a, i) => {
    newSession(a, rng);
    a.next = startUs + a.firstUs;
    a.sessionStart = a.next;
    time[i] = a.next;
    heap.push(i);
  });
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);

  let firstUs = -1;
  let lastUs = startUs;
  let count = 0;
  while (count < maxPackets && heap.length > 0) {
    const ai = heap[0] as number;
    const a = actors[ai]!;
    const s = a.steps[a.idx]!;
    const t = a.next;
    const off = w.put(t, s.frame);
    const b = w.buf;
    if (s.tcpOff >= 0) {
      const o = off + s.tcpOff;
      const seq = (s.dir === 0 ? a.isn0 + s.relSeq + a.iter * a.adv0 : a.isn1 + s.relSeq + a.iter * a.adv1) >>> 0;
      b[o + 4] = seq >>> 24;
      b[o + 5] = seq >>> 16;
      b[o + 6] = seq >>> 8;
      b[o + 7] = seq;
      if (s.hasAck) {
        const ack = (s.dir === 0 ? a.isn1 + s.relAck + a.iter * a.adv1 : a.isn0 + s.relAck + a.iter * a.adv0) >>> 0;
        b[o + 8] = ack >>> 24;
        b[o + 9] = ack >>> 16;
        b[o + 10] = ack >>> 8;
        b[o + 11] = ack;
      }
    }
    if (s.portOff >= 0) {
      b[off + s.portOff] = a.port >>> 8;
      b[off + s.portOff + 1] = a.port;
    }
    if (s.ctrOff >= 0) {
      const c = a.ctr * a.stride;
      patchCounter(b, off + s.ctrOff, s.ctrFmt, s.ctrBase + c);
      if (s.ctr2Off >= 0) patchCounter(b, off + s.ctr2Off, s.ctrFmt, s.ctr2Base + c);
    }
    if (firstUs < 0) firstUs = t;
    lastUs = t;
    count++;

    a.idx++;
    if (a.idx === a.steps.length) {
      if (a.loopStart >= 0) {
        a.idx = a.loopStart;
        a.iter++;
        a.ctr++;
      } else if (a.periodUs > 0) {
        a.session++;
        a.ctr++;
        newSession(a, rng);
        a.sessionStart += a.periodUs + rng.upTo(a.periodJitterUs);
        if (a.sessionStart <= t) a.sessionStart = t + 1;
        a.next = a.sessionStart;
        time[ai] = a.next;
        down(0);
        continue;
      } else {
        const last = heap.pop() as number;
        if (heap.length > 0) {
          heap[0] = last;
          down(0);
        }
        continue;
      }
    }
    const ns = a.steps[a.idx]!;
    a.next = t + ns.delayUs + (ns.jitterUs > 0 ? rng.upTo(ns.jitterUs) : 0);
    time[ai] = a.next;
    down(0);
  }
  return { firstUs: firstUs < 0 ? startUs : firstUs, lastUs };
}

function patchCounter(b: Uint8Array, o: number, fmt: CounterFormat, v: number): void {
  if (fmt === 0) {
    b[o] = v >>> 8;
    b[o + 1] = v;
  } else if (fmt === 1) {
    b[o] = v;
    b[o + 1] = v >>> 8;
  } else {
    b[o] = v;
    b[o + 1] = v >>> 8;
    b[o + 2] = v >>> 16;
    b[o + 3] = v >>> 24;
  }
}
