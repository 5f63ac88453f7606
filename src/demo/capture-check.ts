/**
 * Independent checks of a generated capture, used by the tests (and handy when changing the plant):
 * walks classic pcap records with its own byte math and verifies L2-L4 lengths and TCP sequence
 * bookkeeping per flow. Not on any hot path.
 */

export interface CheckedPacket {
  index: number;
  tsUs: number;
  frame: Uint8Array;
}

/** Walks the records of a little-endian microsecond pcap. Throws on a malformed file. */
export function walkPcap(buf: Uint8Array, onPacket: (p: CheckedPacket) => void): { linkType: number; packets: number } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 24 || dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap');
  if (dv.getUint16(4, true) !== 2 || dv.getUint16(6, true) !== 4) throw new Error('pcap version is not 2.4');
  const snaplen = dv.getUint32(16, true);
  const linkType = dv.getUint32(20, true);
  let off = 24;
  let index = 0;
  while (off < buf.length) {
    if (off + 16 > buf.length) throw new Error(`truncated record header at ${off}`);
    const sec = dv.getUint32(off, true);
    const usec = dv.getUint32(off + 4, true);
    const incl = dv.getUint32(off + 8, true);
    const orig = dv.getUint32(off + 12, true);
    if (usec >= 1_000_000) throw new Error(`record ${index}: usec ${usec} out of range`);
    if (incl !== orig || incl > snaplen || incl < 14) throw new Error(`record ${index}: bad lengths ${incl}/${orig}`);
    if (off + 16 + incl > buf.length) throw new Error(`record ${index}: truncated data`);
    onPacket({ index, tsUs: sec * 1_000_000 + usec, frame: buf.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
    index++;
  }
  return { linkType, packets: index };
}

export interface L4View {
  vlan: number;
  etherType: number;
  srcMac: string;
  proto: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** TCP only */
  seq: number;
  ack: number;
  flags: number;
  payloadOff: number;
  payloadLen: number;
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

/** Decodes Ethernet/802.1Q/IPv4/TCP/UDP, checking every length field; throws with the reason when one is wrong. */
export function decodeFrame(f: Uint8Array): L4View {
  const srcMac = Array.from(f.subarray(6, 12), hex2).join(':');
  let et = (f[12]! << 8) | f[13]!;
  let o = 14;
  let vlan = 0;
  if (et === 0x8100) {
    vlan = ((f[14]! << 8) | f[15]!) & 0xfff;
    et = (f[16]! << 8) | f[17]!;
    o = 18;
  }
  const v: L4View = {
    vlan,
    etherType: et,
    srcMac,
    proto: 0,
    src: '',
    dst: '',
    sport: 0,
    dport: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    payloadOff: 0,
    payloadLen: 0,
  };
  if (et <= 1500) {
    if (o + et > f.length) throw new Error('802.3 length beyond frame');
    return v;
  }
  if (et !== 0x0800) return v;
  if (f[o]! >> 4 !== 4) throw new Error('not IPv4');
  const ihl = (f[o]! & 15) * 4;
  const total = (f[o + 2]! << 8) | f[o + 3]!;
  if (ihl < 20 || total < ihl || o + total > f.length)
    throw new Error(`bad IPv4 lengths ihl=${ihl} total=${total} frame=${f.length}`);
  if (o + total < f.length && f.length > 60)
    throw new Error('trailing bytes after IP datagram in a frame above the minimum size');
  v.proto = f[o + 9]!;
  v.src = f.subarray(o + 12, o + 16).join('.');
  v.dst = f.subarray(o + 16, o + 20).join('.');
  const l4 = o + ihl;
  const l4Len = total - ihl;
  v.sport = (f[l4]! << 8) | f[l4 + 1]!;
  v.dport = (f[l4 + 2]! << 8) | f[l4 + 3]!;
  if (v.proto === 17) {
    const ulen = (f[l4 + 4]! << 8) | f[l4 + 5]!;
    if (ulen !== l4Len) throw new Error(`UDP length ${ulen} != IP payload ${l4Len}`);
    v.payloadOff = l4 + 8;
    v.payloadLen = ulen - 8;
  } else if (v.proto === 6) {
    const doff = (f[l4 + 12]! >> 4) * 4;
    if (doff < 20 || doff > l4Len) throw new Error(`bad TCP data offset ${doff}`);
    v.seq = ((f[l4 + 4]! << 24) | (f[l4 + 5]! << 16) | (f[l4 + 6]! << 8) | f[l4 + 7]!) >>> 0;
    v.ack = ((f[l4 + 8]! << 24) | (f[l4 + 9]! << 16) | (f[l4 + 10]! << 8) | f[l4 + 11]!) >>> 0;
    v.flags = f[l4 + 13]!;
    v.payloadOff = l4 + doff;
    v.payloadLen = l4Len - doff;
  }
  return v;
}

interface Side {
  next: number;
  finished: boolean;
}

/**
 * TCP consistency per flow: a flow starts with SYN, SYN|ACK, ACK; each direction's seq continues exactly
 * where its previous segment ended (SYN and FIN count one); every ACK acknowledges all the other side
 * sent so far; data flows only after the handshake. Returns a list of problems (empty when all is well).
 */
export class TcpChecker {
  private readonly flows = new Map<
    string,
    { sides: [Side | null, Side | null]; client: string; established: boolean }
  >();
  readonly problems: string[] = [];
  flowCount = 0;
  segments = 0;

  /** Adds one decoded packet; returns false when it broke a rule. */
  add(v: L4View, index: number): boolean {
    if (v.proto !== 6) return true;
    this.segments++;
    const a = `${v.src}:${v.sport}`;
    const b = `${v.dst}:${v.dport}`;
    const key = a < b ? `${a}|${b}|${v.vlan}` : `${b}|${a}|${v.vlan}`;
    const SYN = 0x02;
    const ACK = 0x10;
    const FIN = 0x01;
    let fl = this.flows.get(key);
    if ((v.flags & (SYN | ACK)) === SYN) {
      fl = { sides: [{ next: (v.seq + 1) >>> 0, finished: false }, null], client: a, established: false };
      this.flows.set(key, fl);
      this.flowCount++;
      return true;
    }
    if (!fl) return this.problem(index, `${key}: segment of a flow that never started with SYN`);
    const dir = a === fl.client ? 0 : 1;
    const me = fl.sides[dir];
    const other = fl.sides[1 - dir];
    if ((v.flags & (SYN | ACK)) === (SYN | ACK)) {
      if (dir !== 1 || me) return this.problem(index, `${key}: unexpected SYN|ACK`);
      if (v.ack !== other!.next) return this.problem(index, `${key}: SYN|ACK acks ${v.ack}, expected ${other!.next}`);
      fl.sides[1] = { next: (v.seq + 1) >>> 0, finished: false };
      return true;
    }
    if (!me || !other) return this.problem(index, `${key}: data before SYN|ACK`);
    if (v.seq !== me.next) return this.problem(index, `${key}: dir ${dir} seq ${v.seq}, expected ${me.next}`);
    if (!(v.flags & ACK)) return this.problem(index, `${key}: segment without ACK after the handshake`);
    if (v.ack !== other.next) return this.problem(index, `${key}: dir ${dir} acks ${v.ack}, expected ${other.next}`);
    if (me.finished && (v.payloadLen > 0 || v.flags & FIN)) return this.problem(index, `${key}: data after FIN`);
    fl.established = true;
    me.next = (me.next + v.payloadLen + (v.flags & FIN ? 1 : 0)) >>> 0;
    if (v.flags & FIN) me.finished = true;
    return true;
  }

  private problem(index: number, what: string): false {
    if (this.problems.length < 20) this.problems.push(`packet ${index}: ${what}`);
    return false;
  }
}
