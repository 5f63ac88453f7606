import { u16be as u16 } from '../../bytes/words.js';
import { HEADER_LEN, MAX_LABEL, MAX_NAME, MAX_POINTERS } from './dns.consts.js';

/**
 * Pure DNS message parsers (RFC 1035 §4; mDNS RFC 6762 and LLMNR RFC 4795 share the format;
 * NetBIOS name service RFC 1002 too). Bytes in, fields out, into caller-owned structs reused
 * for every message; a non-null return is an anomaly code. `msgOff`/`msgEnd` bound the whole
 * message: compression pointers are offsets from `msgOff`.
 */

export type DnsParseError =
  | 'dns-header-truncated'
  | 'dns-name-loop'
  | 'dns-name-too-long'
  | 'dns-name-truncated'
  | 'dns-bad-label'
  | 'dns-record-truncated';

/**
 * Header (RFC 1035 §4.1.1), 12 bytes big-endian:
 * ```
 *  0 id u16   2 QR(1) OPCODE(4) AA(1) TC(1) RD(1) | RA(1) Z(1) AD(1) CD(1) RCODE(4)
 *  4 qdcount u16   6 ancount u16   8 nscount u16   10 arcount u16
 * ```
 */
export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  qd: number;
  an: number;
  ns: number;
  ar: number;
}

export function newDnsHeader(): DnsHeader {
  return {
    id: 0,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: false,
    ra: false,
    rcode: 0,
    qd: 0,
    an: 0,
    ns: 0,
    ar: 0,
  };
}

export function parseHeader(buf: Uint8Array, off: number, len: number, h: DnsHeader): DnsParseError | null {
  if (len < HEADER_LEN) return 'dns-header-truncated';
  h.id = u16(buf, off);
  const f = u16(buf, off + 2);
  h.qr = (f & 0x8000) !== 0;
  h.opcode = (f >> 11) & 0xf;
  h.aa = (f & 0x0400) !== 0;
  h.tc = (f & 0x0200) !== 0;
  h.rd = (f & 0x0100) !== 0;
  h.ra = (f & 0x0080) !== 0;
  h.rcode = f & 0xf;
  h.qd = u16(buf, off + 4);
  h.an = u16(buf, off + 6);
  h.ns = u16(buf, off + 8);
  h.ar = u16(buf, off + 10);
  return null;
}

/** Result of `readName`: where the name ends in the message (after its pointer, if any) and the name. */
export interface NameResult {
  /** Offset just past the name in place (a pointer ends the name: 2 bytes). */
  end: number;
  /** Dotted name without the trailing dot ('' = root), when asked for. */
  name: string;
  err: DnsParseError | null;
}

export function newNameResult(): NameResult {
  return { end: 0, name: '', err: null };
}

/**
 * Reads a (possibly compressed) name at `pos` (RFC 1035 §4.1.4). Pointers must point backwards
 * (strictly before the label that holds them) and at most MAX_POINTERS are followed: anything
 * else is 'dns-name-loop'. Total length is capped at 255, labels at 63 ('dns-name-too-long');
 * label types 01/10 (extended/reserved) are 'dns-bad-label'. With `want` false no string is built.
 */
export function readName(
  buf: Uint8Array,
  msgOff: number,
  msgEnd: number,
  pos: number,
  want: boolean,
  out: NameResult,
): DnsParseError | null {
  out.end = -1;
  out.name = '';
  out.err = null;
  let p = pos;
  let jumps = 0;
  let total = 0;
  let name = '';
  for (;;) {
    if (p >= msgEnd) return fail(out, 'dns-name-truncated');
    const n = buf[p] as number;
    if (n === 0) {
      if (out.end < 0) out.end = p + 1;
      break;
    }
    const kind = n & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= msgEnd) return fail(out, 'dns-name-truncated');
      const target = msgOff + (((n & 0x3f) << 8) | (buf[p + 1] as number));
      if (out.end < 0) out.end = p + 2;
      if (target >= p || ++jumps > MAX_POINTERS) return fail(out, 'dns-name-loop');
      p = target;
      continue;
    }
    if (kind !== 0) return fail(out, 'dns-bad-label');
    if (n > MAX_LABEL) return fail(out, 'dns-bad-label');
    if (p + 1 + n > msgEnd) return fail(out, 'dns-name-truncated');
    total += n + 1;
    if (total > MAX_NAME) return fail(out, 'dns-name-too-long');
    if (want) {
      if (name.length > 0) name += '.';
      for (let i = p + 1; i <= p + n; i++) {
        const c = buf[i] as number;
        name += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
      }
    }
    p += 1 + n;
  }
  out.name = name;
  return null;
}

function fail(out: NameResult, err: DnsParseError): DnsParseError {
  out.err = err;
  return err;
}

/** One resource record's fixed part (RFC 1035 §4.1.3), after its owner name. */
export interface DnsRecord {
  type: number;
  cls: number;
  ttl: number;
  rdOff: number;
  rdLen: number;
  /** Offset just past the record. */
  end: number;
}

export function newDnsRecord(): DnsRecord {
  return { type: 0, cls: 0, ttl: 0, rdOff: 0, rdLen: 0, end: 0 };
}

/** Reads TYPE, CLASS, TTL, RDLENGTH at `pos` (just past the owner name). */
export function readRecord(buf: Uint8Array, msgEnd: number, pos: number, r: DnsRecord): DnsParseError | null {
  if (pos + 10 > msgEnd) return 'dns-record-truncated';
  r.type = u16(buf, pos);
  r.cls = u16(buf, pos + 2);
  r.ttl = (u16(buf, pos + 4) * 65536 + u16(buf, pos + 6)) >>> 0;
  r.rdLen = u16(buf, pos + 8);
  r.rdOff = pos + 10;
  r.end = r.rdOff + r.rdLen;
  if (r.end > msgEnd) return 'dns-record-truncated';
  return null;
}

/**
 * `4.3.2.1.in-addr.arpa` -> `1.2.3.4`; a 32-nibble `ip6.arpa` name -> its 16 bytes in `v6`
 * (returns 'v6'). '' when the name is not a reverse-lookup name.
 */
export function reverseName(name: string, v6: Uint8Array): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('.in-addr.arpa')) {
    const parts = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return '';
    for (const p of parts) if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return '';
    return `${parts[3]}.${parts[2]}.${parts[1]}.${parts[0]}`;
  }
  if (lower.endsWith('.ip6.arpa')) {
    const parts = lower.slice(0, -'.ip6.arpa'.length).split('.');
    if (parts.length !== 32) return '';
    for (let i = 0; i < 32; i++) {
      const d = Number.parseInt(parts[31 - i] as string, 16);
      if (Number.isNaN(d) || (parts[31 - i] as string).length !== 1) return '';
      if (i % 2 === 0) v6[i >> 1] = d << 4;
      else v6[i >> 1] = (v6[i >> 1] as number) | d;
    }
    return 'v6';
  }
  return '';
}

/**
 * TXT RDATA (RFC 1035 §3.3.14): character-strings (length u8 + bytes). Calls `each` for every
 * `key=value` string (key lower-cased), at most 64 strings.
 */
export function txtPairs(buf: Uint8Array, off: number, len: number, each: (key: string, value: string) => void): void {
  let p = off;
  const end = off + len;
  let n = 0;
  while (p < end && n < 64) {
    const l = buf[p] as number;
    if (p + 1 + l > end) return;
    let eq = -1;
    for (let i = p + 1; i < p + 1 + l; i++) {
      if (buf[i] === 0x3d) {
        eq = i;
        break;
      }
    }
    if (eq > p + 1) {
      each(text(buf, p + 1, eq - p - 1).toLowerCase(), text(buf, eq + 1, p + l - eq));
    }
    p += 1 + l;
    n++;
  }
}

/** Printable text of a byte range (control characters -> '.'), capped at 255 bytes. */
export function text(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  const end = off + Math.min(len, 255);
  for (let i = off; i < end; i++) {
    const c = buf[i] as number;
    s += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
  }
  return s.trim();
}
