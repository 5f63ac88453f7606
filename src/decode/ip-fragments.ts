import { LIMITS } from '../bytes/errors.js';
import { i32be } from '../bytes/words.js';

/**
 * IPv4 and IPv6 fragment reassembly with bounded memory.
 *
 * IPv4 (RFC 791 §3.2): fragments of one datagram share (src, dst, protocol, identification);
 * `fragment offset` counts 8-byte units, MF (more fragments) is clear on the last one.
 * IPv6 (RFC 8200 §4.5): the Fragment extension header carries next header, a 13-bit offset in
 * 8-byte units, the M flag and a 32-bit identification; the key is (src, dst, identification).
 *
 * What this module holds is the fragmentable part (the IP payload, without the IP header):
 * for IPv4 the transport header and data, for IPv6 everything after the Fragment header.
 * - Overlaps: the first copy of a byte wins (later copies never replace it). An overlap whose
 *   bytes differ is `ip-fragment-overlap` (an evasion technique: Teardrop, RFC 5722); an exact
 *   repeat is `ip-fragment-duplicate`.
 * - A datagram longer than 65,535 bytes (ping of death) is `ip-fragment-too-large` and dropped.
 * - A fragment past the end fixed by the last fragment, or a second different end, is
 *   `ip-fragment-inconsistent` (the fragment is ignored).
 * - Limits: at most `maxDatagrams` datagrams and `maxBytes` buffered bytes; beyond that the
 *   oldest datagram is dropped (`ip-fragment-limit`). A datagram not completed within
 *   `timeoutUs` of packet time after its first fragment is dropped (`ip-fragment-timeout`).
 */

/** Called for each anomaly: stable code, a label and a number for the first example. */
export type FragmentAnomalySink = (code: string, label: string, value: number, tsUs: number) => void;

export interface FragmentOptions {
  timeoutUs?: number;
  maxDatagrams?: number;
  maxBytes?: number;
}

const MAX_DATAGRAM = 65_535;

class Datagram {
  /** Creation order list (oldest first) and hash chain. */
  prev: Datagram | null = null;
  next: Datagram | null = null;
  chain: Datagram | null = null;
  buf: Uint8Array;
  /** Covered byte ranges [start, end), sorted and merged, flattened as pairs. */
  ranges: number[] = [];
  /** Total length, known once the last fragment (MF/M clear) arrived; -1 until then. */
  total = -1;
  /** IPv6: next header from the fragment at offset 0 (-1 until it arrives). IPv4: protocol. */
  proto = -1;

  constructor(
    readonly hash: number,
    readonly version: 4 | 6,
    readonly id: number,
    readonly a0: number,
    readonly a1: number,
    readonly a2: number,
    readonly a3: number,
    readonly b0: number,
    readonly b1: number,
    readonly b2: number,
    readonly b3: number,
    readonly firstUs: number,
    capacity: number,
  ) {
    this.buf = new Uint8Array(capacity);
  }
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

export class IpFragments {
  /** Reassembled length of the datagram returned by the last completing `add*` call. */
  lastLength = 0;
  /** IPv6: next header of the reassembled datagram; IPv4: protocol. */
  lastProto = 0;
  /** Datagrams currently being reassembled. */
  count = 0;
  /** Bytes currently buffered (reassembly buffer capacities). */
  bytes = 0;
  /** Datagrams completed so far. */
  completed = 0;

  private readonly timeoutUs: number;
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly table = new Map<number, Datagram>();
  private head: Datagram | null = null;
  private tail: Datagram | null = null;

  constructor(
    private readonly report: FragmentAnomalySink,
    opts: FragmentOptions = {},
  ) {
    this.timeoutUs = opts.timeoutUs ?? 30_000_000;
    this.maxDatagrams = opts.maxDatagrams ?? LIMITS.maxFragmentDatagrams;
    this.maxBytes = opts.maxBytes ?? LIMITS.maxFragmentBytes;
  }

  /**
   * An IPv4 fragment. `src`/`dst` are the addresses as u32, `fragOff` the byte offset
   * (field × 8), `more` the MF flag; (buf, off, len) is the fragment's IP payload.
   * Returns the reassembly buffer (valid bytes [0, lastLength)) when this fragment completes
   * the datagram, otherwise null.
   */
  add4(
    src: number,
    dst: number,
    proto: number,
    id: number,
    fragOff: number,
    more: boolean,
    buf: Uint8Array,
    off: number,
    len: number,
    tsUs: number,
  ): Uint8Array | null {
    const h = mix(mix(mix(mix(4, src), dst), proto), id);
    let d = this.table.get(h) ?? null;
    while (d !== null && !(d.version === 4 && d.id === id && d.a0 === src && d.b0 === dst && d.proto === proto)) {
      d = d.chain;
    }
    if (d === null) {
      d = this.create(h, 4, id, src, 0, 0, 0, dst, 0, 0, 0, fragOff + len, tsUs);
      if (d === null) return null;
      d.proto = proto;
    }
    return this.insert(d, fragOff, more, buf, off, len, tsUs);
  }

  /**
   * An IPv6 fragment: addresses as 16-byte views at (src, srcOff) / (dst, dstOff), `nextHeader`
   * from the Fragment header; (buf, off, len) is the fragmentable part after the Fragment header.
   */
  add6(
    src: Uint8Array,
    dst: Uint8Array,
    id: number,
    nextHeader: number,
    fragOff: number,
    more: boolean,
    buf: Uint8Array,
    off: number,
    len: number,
    tsUs: number,
  ): Uint8Array | null {
    const a0 = i32be(src, 0);
    const a1 = i32be(src, 4);
    const a2 = i32be(src, 8);
    const a3 = i32be(src, 12);
    const b0 = i32be(dst, 0);
    const b1 = i32be(dst, 4);
    const b2 = i32be(dst, 8);
    const b3 = i32be(dst, 12);
    const h = mix(mix(mix(mix(mix(mix(mix(mix(mix(6, a0), a1), a2), a3), b0), b1), b2), b3), id);
    let d = this.table.get(h) ?? null;
    while (
      d !== null &&
      !(
        d.version === 6 &&
        d.id === id &&
        d.a0 === a0 &&
        d.a1 === a1 &&
        d.a2 === a2 &&
        d.a3 === a3 &&
        d.b0 === b0 &&
        d.b1 === b1 &&
        d.b2 === b2 &&
        d.b3 === b3
      )
    ) {
      d = d.chain;
    }
    if (d === null) {
      d = this.create(h, 6, id, a0, a1, a2, a3, b0, b1, b2, b3, fragOff + len, tsUs);
      if (d === null) return null;
    }
    if (fragOff === 0) d.proto = nextHeader;
    return this.insert(d, fragOff, more, buf, off, len, tsUs);
  }

  /** Drop datagrams whose first fragment is older than the timeout (by packet time). */
  expire(nowUs: number): void {
    while (this.head !== null && nowUs - this.head.firstUs > this.timeoutUs) {
      this.report('ip-fragment-timeout', 'held-bytes', coveredBytes(this.head), nowUs);
      this.remove(this.head);
    }
  }

  private create(
    h: number,
    version: 4 | 6,
    id: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    b0: number,
    b1: number,
    b2: number,
    b3: number,
    end: number,
    tsUs: number,
  ): Datagram | null {
    if (end > MAX_DATAGRAM) {
      this.report('ip-fragment-too-large', 'end', end, tsUs);
      return null;
    }
    this.expire(tsUs);
    while (this.head !== null && this.count >= this.maxDatagrams) {
      this.report('ip-fragment-limit', 'datagrams', this.count, tsUs);
      this.remove(this.head);
    }
    const cap = end <= 2048 ? 2048 : Math.min(MAX_DATAGRAM, 2 ** Math.ceil(Math.log2(end)));
    const d = new Datagram(h, version, id, a0, a1, a2, a3, b0, b1, b2, b3, tsUs, cap);
    d.chain = this.table.get(h) ?? null;
    this.table.set(h, d);
    d.prev = this.tail;
    if (this.tail !== null) this.tail.next = d;
    else this.head = d;
    this.tail = d;
    this.count++;
    this.bytes += cap;
    this.enforceBytes(d, tsUs);
    return d;
  }

  private enforceBytes(keep: Datagram, tsUs: number): void {
    while (this.bytes > this.maxBytes && this.head !== null && this.head !== keep) {
      this.report('ip-fragment-limit', 'bytes', this.bytes, tsUs);
      this.remove(this.head);
    }
  }

  private remove(d: Datagram): void {
    let c = this.table.get(d.hash) ?? null;
    if (c === d) {
      if (d.chain === null) this.table.delete(d.hash);
      else this.table.set(d.hash, d.chain);
    } else {
      while (c !== null && c.chain !== d) c = c.chain;
      if (c !== null) c.chain = d.chain;
    }
    if (d.prev !== null) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next !== null) d.next.prev = d.prev;
    else this.tail = d.prev;
    d.prev = d.next = d.chain = null;
    this.count--;
    this.bytes -= d.buf.length;
  }

  private insert(
    d: Datagram,
    fragOff: number,
    more: boolean,
    buf: Uint8Array,
    off: number,
    len: number,
    tsUs: number,
  ): Uint8Array | null {
    const end = fragOff + len;
    if (end > MAX_DATAGRAM) {
      this.report('ip-fragment-too-large', 'end', end, tsUs);
      this.remove(d);
      return null;
    }
    if (d.total >= 0 && (end > d.total || (!more && end !== d.total))) {
      this.report('ip-fragment-inconsistent', 'end', end, tsUs);
      return null;
    }
    if (!more) {
      const r = d.ranges;
      if (r.length > 0 && (r[r.length - 1] as number) > end) {
        this.report('ip-fragment-inconsistent', 'end', end, tsUs);
        return null;
      }
      d.total = end;
    }
    if (end > d.buf.length) {
      const cap = Math.min(MAX_DATAGRAM, Math.max(end, d.buf.length * 2));
      const nb = new Uint8Array(cap);
      nb.set(d.buf);
      this.bytes += cap - d.buf.length;
      d.buf = nb;
      this.enforceBytes(d, tsUs);
    }
    this.fill(d, fragOff, end, buf, off, tsUs);
    const r = d.ranges;
    if (d.total >= 0 && r.length === 2 && r[0] === 0 && r[1] === d.total) {
      this.lastLength = d.total;
      this.lastProto = d.proto < 0 ? 59 : d.proto;
      const out = d.buf;
      this.remove(d);
      this.completed++;
      return out;
    }
    return null;
  }

  /** Copy [s, e) where not yet covered (first copy wins) and merge the covered ranges. */
  private fill(d: Datagram, s: number, e: number, buf: Uint8Array, off: number, tsUs: number): void {
    if (s === e) return;
    const r = d.ranges;
    let cur = s;
    let overlapped = false;
    let conflict = false;
    for (let i = 0; i < r.length && cur < e; i += 2) {
      const rs = r[i] as number;
      const re = r[i + 1] as number;
      if (re <= cur) continue;
      if (rs >= e) break;
      if (rs > cur) d.buf.set(buf.subarray(off + (cur - s), off + (rs - s)), cur);
      const os = Math.max(rs, cur);
      const oe = Math.min(re, e);
      overlapped = true;
      if (!conflict) {
        for (let k = os; k < oe; k++) {
          if (d.buf[k] !== buf[off + (k - s)]) {
            conflict = true;
            break;
          }
        }
      }
      cur = oe;
    }
    if (cur < e) d.buf.set(buf.subarray(off + (cur - s), off + (e - s)), cur);
    if (overlapped) {
      if (conflict) this.report('ip-fragment-overlap', 'offset', s, tsUs);
      else this.report('ip-fragment-duplicate', 'offset', s, tsUs);
    }
    // Merge [s, e) into the sorted range list.
    let i = 0;
    while (i < r.length && (r[i + 1] as number) < s) i += 2;
    let ns = s;
    let ne = e;
    let j = i;
    while (j < r.length && (r[j] as number) <= ne) {
      if ((r[j] as number) < ns) ns = r[j] as number;
      if ((r[j + 1] as number) > ne) ne = r[j + 1] as number;
      j += 2;
    }
    r.splice(i, j - i, ns, ne);
  }
}

function coveredBytes(d: Datagram): number {
  let n = 0;
  for (let i = 0; i < d.ranges.length; i += 2) n += (d.ranges[i + 1] as number) - (d.ranges[i] as number);
  return n;
}
