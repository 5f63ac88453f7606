import { LIMITS } from '../../bytes/errors.js';
import { latin1 } from '../../bytes/reader.js';
import { u16le as u16, u32le as u32 } from '../../bytes/words.js';
import {
  ENCAP_HEADER_LEN,
  Item,
  isKnownCommand,
  isKnownEncapStatus,
  MAX_CPF_ITEMS,
  MAX_ENCAP_LENGTH,
  MAX_MSP_SERVICES,
  MAX_PATH_SEGMENTS,
  RESPONSE_BIT,
} from './enip.consts.js';

/**
 * Pure EtherNet/IP and CIP parsers. Bytes in, fields out; nothing here keeps state or throws.
 *
 * The hot-path parsers (encapsulation header, CPF, CIP message, EPATH) fill caller-owned
 * structs and return `null` or an anomaly code; a non-null code means "malformed" and the
 * fields that could be read are still filled in. Identity parsers allocate their result: they
 * run once per identity answer. All integers are little-endian except the socket address
 * (V2 §2-6.3.3, network order).
 *
 * References: ODVA CIP Networks Library Vol. 1 ("V1 §x") and Vol. 2 EtherNet/IP ("V2 §x").
 */

/** Anomaly codes the parsers return. */
export type EnipParseError =
  | 'enip-header-truncated'
  | 'enip-unknown-command'
  | 'enip-length-out-of-range'
  | 'enip-bad-options'
  | 'enip-cpf-truncated'
  | 'enip-cpf-too-many-items'
  | 'enip-cip-truncated'
  | 'enip-path-truncated'
  | 'enip-path-bad-segment'
  | 'enip-path-too-many-segments'
  | 'enip-msp-truncated'
  | 'enip-msp-bad-offset'
  | 'enip-msp-too-many-services'
  | 'enip-ucs-truncated'
  | 'enip-forward-open-truncated'
  | 'enip-identity-truncated'
  | 'enip-io-truncated'
  | 'enip-io-no-sequenced-address';

/**
 * Encapsulation header (V2 §2-3.1), 24 bytes, little-endian:
 * ```
 *  0  command         u16   Table 2-3.2 (0x65 RegisterSession, 0x6F SendRRData...)
 *  2  length          u16   bytes of command data after the header
 *  4  session handle  u32   from RegisterSession; 0 for List* commands
 *  8  status          u32   0 in requests; Table 2-3.3 in replies
 * 12  sender context  8 B   echoed by the target: pairs replies with requests
 * 20  options         u32   must be 0
 * ```
 */
export interface EncapHeader {
  command: number;
  length: number;
  session: number;
  status: number;
  /** Sender context as two u32 (bytes 12-15 and 16-19), to compare without allocating. */
  ctxLo: number;
  ctxHi: number;
  options: number;
}

export function newEncapHeader(): EncapHeader {
  return { command: 0, length: 0, session: 0, status: 0, ctxLo: 0, ctxHi: 0, options: 0 };
}

/** Reads an encapsulation header at `off`. Fields are filled even when an error code is returned. */
export function parseEncapHeader(buf: Uint8Array, off: number, len: number, out: EncapHeader): EnipParseError | null {
  if (len < ENCAP_HEADER_LEN) return 'enip-header-truncated';
  out.command = u16(buf, off);
  out.length = u16(buf, off + 2);
  out.session = u32(buf, off + 4);
  out.status = u32(buf, off + 8);
  out.ctxLo = u32(buf, off + 12);
  out.ctxHi = u32(buf, off + 16);
  out.options = u32(buf, off + 20);
  if (!isKnownCommand(out.command)) return 'enip-unknown-command';
  if (out.length > MAX_ENCAP_LENGTH) return 'enip-length-out-of-range';
  if (out.options !== 0) return 'enip-bad-options';
  return null;
}

/**
 * True when an encapsulation header plausibly starts at `off`: a known command, options 0,
 * and a status that is 0 or a known code. Needs 24 bytes; used by the probe and to resynchronise.
 */
export function plausibleHeader(buf: Uint8Array, off: number, len: number): boolean {
  if (len < ENCAP_HEADER_LEN) return false;
  if (!isKnownCommand(u16(buf, off))) return false;
  if (u32(buf, off + 20) !== 0) return false;
  const status = u32(buf, off + 8);
  return status === 0 || isKnownEncapStatus(status);
}

/** Sender context as ICSNPP prints it: the 8 bytes in wire order, `0x` + 16 hex digits. */
export function senderContextHex(buf: Uint8Array, headerOff: number): string {
  return hex0x(buf[headerOff + 12] as number) + hexBytes7(buf, headerOff + 13);
}

/** `0x00`..`0xff`: one byte as `0x` + 2 lower-case hex digits, from a table. */
export function hex0x(b: number): string {
  return HEX0X[b] as string;
}
const HEX0X: readonly string[] = Array.from({ length: 256 }, (_, i) => `0x${i.toString(16).padStart(2, '0')}`);

/** Lower-case hex digit character codes. */
const HD: readonly number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * Seven bytes at `off` as 14 lower-case hex digits, built as one string (this runs for every
 * request: concatenating per-byte strings allocates a string per byte).
 */
export function hexBytes7(buf: Uint8Array, off: number): string {
  const b0 = buf[off] as number;
  const b1 = buf[off + 1] as number;
  const b2 = buf[off + 2] as number;
  const b3 = buf[off + 3] as number;
  const b4 = buf[off + 4] as number;
  const b5 = buf[off + 5] as number;
  const b6 = buf[off + 6] as number;
  return String.fromCharCode(
    HD[b0 >> 4] as number,
    HD[b0 & 15] as number,
    HD[b1 >> 4] as number,
    HD[b1 & 15] as number,
    HD[b2 >> 4] as number,
    HD[b2 & 15] as number,
    HD[b3 >> 4] as number,
    HD[b3 & 15] as number,
    HD[b4 >> 4] as number,
    HD[b4 & 15] as number,
    HD[b5 >> 4] as number,
    HD[b5 & 15] as number,
    HD[b6 >> 4] as number,
    HD[b6 & 15] as number,
  );
}

/** Names decoded recently (by slot of a hash of their bytes): tag names repeat on every poll. */
const NAME_SLOTS = 64;
const MAX_CACHED_NAME = 64;
const nameBytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(NAME_SLOTS).fill(null);
const nameTexts: string[] = new Array<string>(NAME_SLOTS).fill('');

/**
 * `latin1(buf.subarray(off, off + n))`, from a small cache when the same bytes were decoded
 * recently: no view and no per-character string building for a name seen before. The cache
 * holds copies of the bytes, so the result only depends on the bytes.
 */
export function latin1At(buf: Uint8Array, off: number, n: number): string {
  if (n === 0 || n > MAX_CACHED_NAME) return latin1(buf.subarray(off, off + n));
  // Slot from the length and three bytes (no loop: the comparison below reads every byte anyway).
  const h = n * 7 + (buf[off] as number) * 3 + (buf[off + (n >> 1)] as number) * 5 + (buf[off + n - 1] as number);
  const slot = h & (NAME_SLOTS - 1);
  const cached = nameBytes[slot];
  if (cached != null && cached.length === n) {
    let i = 0;
    while (i < n && cached[i] === buf[off + i]) i++;
    if (i === n) return nameTexts[slot] as string;
  }
  const copy = new Uint8Array(n);
  for (let i = 0; i < n; i++) copy[i] = buf[off + i] as number;
  const text = latin1(copy);
  nameBytes[slot] = copy;
  nameTexts[slot] = text;
  return text;
}

/** One Common Packet Format item: type, and where its data is in the buffer. */
export interface CpfItem {
  type: number;
  off: number;
  len: number;
}

/**
 * Common Packet Format (V2 §2-6): item count u16, then items of type u16, length u16, data.
 * ```
 * 0x0000 null address        (length 0; unconnected messages)
 * 0x00A1 connected address   connection id u32
 * 0x8002 sequenced address   connection id u32, encapsulation sequence number u32 (I/O)
 * 0x00B1 connected data      CIP sequence count u16 + CIP message (class 3), or I/O data
 * 0x00B2 unconnected data    CIP message
 * 0x000C CIP identity        ListIdentity reply, 0x0100 ListServices reply
 * 0x8000/0x8001 sockaddr     O->T / T->O socket address (Forward Open over SendRRData)
 * ```
 */
export interface Cpf {
  /** Declared item count. */
  count: number;
  /** Items parsed (<= MAX_CPF_ITEMS). */
  n: number;
  readonly items: CpfItem[];
}

export function newCpf(): Cpf {
  const items: CpfItem[] = [];
  for (let i = 0; i < MAX_CPF_ITEMS; i++) items.push({ type: 0, off: 0, len: 0 });
  return { count: 0, n: 0, items };
}

export function parseCpf(buf: Uint8Array, off: number, len: number, out: Cpf): EnipParseError | null {
  out.count = 0;
  out.n = 0;
  if (len < 2) return 'enip-cpf-truncated';
  out.count = u16(buf, off);
  let pos = off + 2;
  const end = off + len;
  for (let i = 0; i < out.count; i++) {
    if (i >= MAX_CPF_ITEMS) return 'enip-cpf-too-many-items';
    if (end - pos < 4) return 'enip-cpf-truncated';
    const item = out.items[i] as CpfItem;
    item.type = u16(buf, pos);
    item.len = u16(buf, pos + 2);
    item.off = pos + 4;
    pos += 4;
    if (end - pos < item.len) {
      item.len = end - pos;
      out.n = i + 1;
      return 'enip-cpf-truncated';
    }
    pos += item.len;
    out.n = i + 1;
  }
  return null;
}

/** The first item of `type`, or null. */
export function findItem(cpf: Cpf, type: number): CpfItem | null {
  for (let i = 0; i < cpf.n; i++) if ((cpf.items[i] as CpfItem).type === type) return cpf.items[i] as CpfItem;
  return null;
}

/**
 * What an EPATH (V1 App. C) addresses. Logical segments fill the ids (the first of each kind
 * wins); symbolic segments (0x60 | n, and ANSI extended 0x91) build a Logix tag name with member
 * (element) ids as `[i]`; port segments (0x00-0x1F) are routing hops. -1 marks an absent id.
 * ```
 * 0x20/0x21/0x22 class id        8 bit / (pad) 16 bit / (pad) 32 bit
 * 0x24/0x25/0x26 instance id     0x28.. member id, 0x2C.. connection point, 0x30.. attribute id
 * 0x34           electronic key  format u8 (4), vendor u16, device type u16, product code u16,
 *                                major revision u8, minor revision u8
 * 0x00-0x0F port | 0x10 ext link port id (15 -> u16 follows), link address (1 byte, or size u8 +
 *                                bytes when 0x10 is set), padded to an even length
 * 0x60|n         symbol (n chars) padded; 0x91 ANSI extended symbol: size u8, chars, pad
 * 0x80           simple data: word count u8, words
 * 0x40-0x5F      network segments (connection paths): 1 data byte, or 0x50/0x5F size-prefixed
 * ```
 */
export interface CipPath {
  classId: number;
  instanceId: number;
  attributeId: number;
  memberId: number;
  connPoint: number;
  /** Logix tag name ('' when the path has no symbolic segment). */
  tag: string;
  /** Port segments: count, and the first hop (port, link address or -1 for a long address). */
  hops: number;
  port: number;
  link: number;
  /** Route as `port/link` hops joined by ',' (only built when there are port segments). */
  route: string;
  /** Electronic key (0x34): vendor id, device type, product code, major, minor; -1 when absent. */
  keyVendor: number;
  keyDeviceType: number;
  keyProductCode: number;
  keyMajor: number;
  keyMinor: number;
  segments: number;
}

export function newCipPath(): CipPath {
  const p = {} as CipPath;
  resetPath(p);
  return p;
}

export function resetPath(p: CipPath): void {
  p.classId = -1;
  p.instanceId = -1;
  p.attributeId = -1;
  p.memberId = -1;
  p.connPoint = -1;
  p.tag = '';
  p.hops = 0;
  p.port = -1;
  p.link = -1;
  p.route = '';
  p.keyVendor = -1;
  p.keyDeviceType = -1;
  p.keyProductCode = -1;
  p.keyMajor = -1;
  p.keyMinor = -1;
  p.segments = 0;
}

function appendTag(p: CipPath, s: string): void {
  const joined = p.tag === '' ? s : `${p.tag}.${s}`;
  p.tag = joined.length > LIMITS.maxString ? joined.slice(0, LIMITS.maxString) : joined;
}

/** Parses `len` bytes of EPATH at `off` into `out` (reset first). */
export function parsePath(buf: Uint8Array, off: number, len: number, out: CipPath): EnipParseError | null {
  resetPath(out);
  const end = off + len;
  let pos = off;
  /** Member ids following a symbol are its element indices. */
  let indices = '';
  let afterSymbol = false;
  while (pos < end) {
    if (out.segments >= MAX_PATH_SEGMENTS) return 'enip-path-too-many-segments';
    out.segments++;
    const seg = buf[pos] as number;
    const type = seg >> 5;
    if (type === 0) {
      // Port segment (V1 §C-1.4.1).
      let p = pos + 1;
      let port = seg & 0x0f;
      if (port === 15) {
        if (end - p < 2) return 'enip-path-truncated';
        port = u16(buf, p);
        p += 2;
      }
      let link = -1;
      if (seg & 0x10) {
        if (end - p < 1) return 'enip-path-truncated';
        const size = buf[p] as number;
        p += 1;
        if (end - p < size) return 'enip-path-truncated';
        if (size === 1) link = buf[p] as number;
        p += size;
      } else {
        if (end - p < 1) return 'enip-path-truncated';
        link = buf[p] as number;
        p += 1;
      }
      if ((p - pos) & 1) p++;
      if (p > end) return 'enip-path-truncated';
      if (out.hops === 0) {
        out.port = port;
        out.link = link;
      }
      if (out.hops < 8) out.route = `${out.route}${out.hops ? ',' : ''}${port}/${link < 0 ? 'x' : link}`;
      out.hops++;
      pos = p;
      continue;
    }
    if (type === 1) {
      // Logical segment (V1 §C-1.4.2): type in bits 4-2, format in bits 1-0.
      const ltype = (seg >> 2) & 7;
      const fmt = seg & 3;
      if (ltype === 5) {
        if (seg !== 0x34) return 'enip-path-bad-segment';
        if (end - pos < 10) return 'enip-path-truncated';
        out.keyVendor = u16(buf, pos + 2);
        out.keyDeviceType = u16(buf, pos + 4);
        out.keyProductCode = u16(buf, pos + 6);
        out.keyMajor = (buf[pos + 8] as number) & 0x7f;
        out.keyMinor = buf[pos + 9] as number;
        pos += 10;
        continue;
      }
      let v: number;
      if (fmt === 0) {
        if (end - pos < 2) return 'enip-path-truncated';
        v = buf[pos + 1] as number;
        pos += 2;
      } else if (fmt === 1) {
        if (end - pos < 4) return 'enip-path-truncated';
        v = u16(buf, pos + 2);
        pos += 4;
      } else if (fmt === 2) {
        if (end - pos < 6) return 'enip-path-truncated';
        v = u32(buf, pos + 2);
        pos += 6;
      } else {
        return 'enip-path-bad-segment';
      }
      switch (ltype) {
        case 0:
          if (out.classId < 0) out.classId = v;
          break;
        case 1:
          if (out.instanceId < 0) out.instanceId = v;
          break;
        case 2:
          if (afterSymbol) indices = indices === '' ? `${v}` : `${indices},${v}`;
          else if (out.memberId < 0) out.memberId = v;
          break;
        case 3:
          if (out.connPoint < 0) out.connPoint = v;
          break;
        case 4:
          if (out.attributeId < 0) out.attributeId = v;
          break;
        default:
          // 6 = service id; nothing to keep.
          break;
      }
      continue;
    }
    if (type === 2) {
      // Network segment (V1 §C-1.4.3), only in connection paths.
      if (seg === 0x50 || seg === 0x5f) {
        if (end - pos < 2) return 'enip-path-truncated';
        pos += 2 + 2 * (buf[pos + 1] as number);
      } else {
        pos += 2;
      }
      if (pos > end) return 'enip-path-truncated';
      continue;
    }
    if (type === 3) {
      // Symbolic segment (V1 §C-1.4.4): size in bits 4-0; 0 = extended format (not decoded).
      const n = seg & 0x1f;
      if (n === 0) return 'enip-path-bad-segment';
      if (end - pos < 1 + n) return 'enip-path-truncated';
      if (indices !== '') {
        appendTag(out, `[${indices}]`);
        indices = '';
      }
      appendTag(out, latin1At(buf, pos + 1, n));
      afterSymbol = true;
      pos += 1 + n + ((1 + n) & 1);
      if (pos > end) pos = end;
      continue;
    }
    if (type === 4) {
      // Data segment (V1 §C-1.4.5): 0x80 simple data, 0x91 ANSI extended symbol.
      if (end - pos < 2) return 'enip-path-truncated';
      const n = buf[pos + 1] as number;
      if (seg === 0x80) {
        pos += 2 + 2 * n;
        if (pos > end) return 'enip-path-truncated';
        continue;
      }
      if (seg === 0x91) {
        if (end - pos < 2 + n) return 'enip-path-truncated';
        const name = latin1At(buf, pos + 2, n);
        if (indices !== '') {
          // Indices belong to the previous symbol: `a[1].b`.
          out.tag = `${out.tag}[${indices}]`;
          indices = '';
        }
        appendTag(out, name);
        afterSymbol = true;
        pos += 2 + n + (n & 1);
        if (pos > end) pos = end;
        continue;
      }
      return 'enip-path-bad-segment';
    }
    return 'enip-path-bad-segment';
  }
  if (indices !== '') out.tag = `${out.tag}[${indices}]`;
  return null;
}

/**
 * A CIP message (V1 §2-4): one struct reused for every message.
 * ```
 * request   service u8 (bit 7 = 0), path size u8 (words), path, data
 * response  service u8 (bit 7 = 1), reserved u8, general status u8, additional status size u8
 *           (words), additional status u16 * size, data
 * ```
 */
export interface CipMessage {
  /** Service code without the response bit. */
  service: number;
  isResponse: boolean;
  pathOff: number;
  pathLen: number;
  /** Response: general status, first additional (extended) status or -1, and their count. */
  status: number;
  extStatus: number;
  extCount: number;
  dataOff: number;
  dataLen: number;
}

export function newCipMessage(): CipMessage {
  return {
    service: 0,
    isResponse: false,
    pathOff: 0,
    pathLen: 0,
    status: 0,
    extStatus: -1,
    extCount: 0,
    dataOff: 0,
    dataLen: 0,
  };
}

/** Parses the CIP message header at `off` (`len` bytes); the path is not decoded here. */
export function parseCipMessage(buf: Uint8Array, off: number, len: number, out: CipMessage): EnipParseError | null {
  out.service = 0;
  out.isResponse = false;
  out.pathOff = off;
  out.pathLen = 0;
  out.status = 0;
  out.extStatus = -1;
  out.extCount = 0;
  out.dataOff = off;
  out.dataLen = 0;
  if (len < 2) return 'enip-cip-truncated';
  const sc = buf[off] as number;
  out.service = sc & 0x7f;
  out.isResponse = (sc & RESPONSE_BIT) !== 0;
  if (!out.isResponse) {
    const words = buf[off + 1] as number;
    out.pathOff = off + 2;
    out.pathLen = Math.min(words * 2, len - 2);
    out.dataOff = out.pathOff + out.pathLen;
    out.dataLen = off + len - out.dataOff;
    return words * 2 > len - 2 ? 'enip-path-truncated' : null;
  }
  if (len < 4) return 'enip-cip-truncated';
  out.status = buf[off + 2] as number;
  out.extCount = buf[off + 3] as number;
  const ext = out.extCount * 2;
  if (out.extCount > 0 && len >= 6) out.extStatus = u16(buf, off + 4);
  out.dataOff = Math.min(off + 4 + ext, off + len);
  out.dataLen = off + len - out.dataOff;
  return 4 + ext > len ? 'enip-cip-truncated' : null;
}

/**
 * Multiple Service Packet data (V1 § ): service count u16, then count offsets u16
 * (from the start of the count field), then the embedded requests (or replies). Returns the
 * count, or a negative number standing for an error (see `mspError`). Offsets are read with
 * `mspService`.
 */
export function mspCount(buf: Uint8Array, off: number, len: number): number {
  if (len < 2) return -1;
  const n = u16(buf, off);
  if (n > MAX_MSP_SERVICES) return -2;
  if (len < 2 + 2 * n) return -1;
  return n;
}
export function mspError(code: number): EnipParseError {
  return code === -2 ? 'enip-msp-too-many-services' : 'enip-msp-truncated';
}

/** Bounds of the `i`-th embedded message of a Multiple Service Packet, into `out` ([off, len]); false when the offsets are bad. */
export function mspService(
  buf: Uint8Array,
  off: number,
  len: number,
  n: number,
  i: number,
  out: [number, number],
): boolean {
  const start = u16(buf, off + 2 + 2 * i);
  const stop = i + 1 < n ? u16(buf, off + 2 + 2 * (i + 1)) : len;
  if (start < 2 + 2 * n || start > stop || stop > len) return false;
  out[0] = off + start;
  out[1] = stop - start;
  return true;
}

/**
 * Unconnected Send request data (Connection Manager service 0x52, V1 §3-5.5.2):
 * ```
 * priority/time tick u8, timeout ticks u8, message request size u16, message request,
 * pad byte when the size is odd, route path size u8 (words), reserved u8, route path
 * ```
 */
export interface UnconnectedSend {
  msgOff: number;
  msgLen: number;
  routeOff: number;
  routeLen: number;
}

export function newUnconnectedSend(): UnconnectedSend {
  return { msgOff: 0, msgLen: 0, routeOff: 0, routeLen: 0 };
}

export function parseUnconnectedSend(
  buf: Uint8Array,
  off: number,
  len: number,
  out: UnconnectedSend,
): EnipParseError | null {
  out.msgOff = off;
  out.msgLen = 0;
  out.routeOff = off;
  out.routeLen = 0;
  if (len < 4) return 'enip-ucs-truncated';
  const size = u16(buf, off + 2);
  if (len - 4 < size) return 'enip-ucs-truncated';
  out.msgOff = off + 4;
  out.msgLen = size;
  let p = off + 4 + size + (size & 1);
  const end = off + len;
  if (end - p < 2) return 'enip-ucs-truncated';
  const words = buf[p] as number;
  p += 2;
  out.routeOff = p;
  out.routeLen = Math.min(words * 2, Math.max(0, end - p));
  return end - p < words * 2 ? 'enip-ucs-truncated' : null;
}

/**
 * Forward Open (0x54) / Large Forward Open (0x5B) request data (V1 §3-5.5.2):
 * ```
 *  0 priority/time tick u8, timeout ticks u8
 *  2 O->T connection id u32, T->O connection id u32, connection serial u16,
 * 12 originator vendor id u16, originator serial u32, timeout multiplier u8, reserved 3 bytes
 * 22 O->T RPI u32 (µs), O->T parameters u16 (u32 for Large), T->O RPI u32, T->O parameters
 *    u16 (u32), transport type/trigger u8, connection path size u8 (words), connection path
 * ```
 * Reply (success): O->T id u32, T->O id u32, connection serial u16, originator vendor u16,
 * originator serial u32, O->T API u32, T->O API u32, application reply size u8, reserved u8.
 * Forward Close (0x4E) request: tick u8, timeout u8, connection serial u16, vendor u16,
 * originator serial u32, path size u8, reserved u8, path.
 */
export interface ForwardOpen {
  o2tId: number;
  t2oId: number;
  serial: number;
  vendor: number;
  originatorSerial: number;
  o2tRpi: number;
  t2oRpi: number;
  transport: number;
  pathOff: number;
  pathLen: number;
}

export function parseForwardOpen(
  buf: Uint8Array,
  off: number,
  len: number,
  large: boolean,
): ForwardOpen | EnipParseError {
  const paramLen = large ? 4 : 2;
  const fixed = 22 + 4 + paramLen + 4 + paramLen + 2;
  if (len < fixed) return 'enip-forward-open-truncated';
  const words = buf[off + fixed - 1] as number;
  const fo: ForwardOpen = {
    o2tId: u32(buf, off + 2),
    t2oId: u32(buf, off + 6),
    serial: u16(buf, off + 10),
    vendor: u16(buf, off + 12),
    originatorSerial: u32(buf, off + 14),
    o2tRpi: u32(buf, off + 22),
    t2oRpi: u32(buf, off + 26 + paramLen),
    transport: buf[off + fixed - 2] as number,
    pathOff: off + fixed,
    pathLen: Math.min(words * 2, len - fixed),
  };
  return len - fixed < words * 2 ? 'enip-forward-open-truncated' : fo;
}

/** Forward Open reply: the connection ids and the actual packet intervals (µs). */
export function parseForwardOpenReply(
  buf: Uint8Array,
  off: number,
  len: number,
): { o2tId: number; t2oId: number; o2tApi: number; t2oApi: number } | null {
  if (len < 26) return null;
  return { o2tId: u32(buf, off), t2oId: u32(buf, off + 4), o2tApi: u32(buf, off + 16), t2oApi: u32(buf, off + 20) };
}

/**
 * Identity object attributes 1-8 in Get_Attributes_All order (V1 §5A-2.2), also the tail of a
 * ListIdentity item:
 * ```
 * vendor id u16, device type u16, product code u16, revision major u8 minor u8, status u16
 * (word), serial number u32, product name SHORT_STRING (length u8 + chars), state u8 (optional)
 * ```
 */
export interface CipIdentity {
  vendorId: number;
  deviceType: number;
  productCode: number;
  major: number;
  minor: number;
  status: number;
  serial: number;
  productName: string;
  /** -1 when absent (Get_Attributes_All replies may end after the product name). */
  state: number;
}

export function parseIdentityAttributes(buf: Uint8Array, off: number, len: number): CipIdentity | EnipParseError {
  if (len < 15) return 'enip-identity-truncated';
  const nameLen = buf[off + 14] as number;
  if (len < 15 + nameLen) return 'enip-identity-truncated';
  return {
    vendorId: u16(buf, off),
    deviceType: u16(buf, off + 2),
    productCode: u16(buf, off + 4),
    major: buf[off + 6] as number,
    minor: buf[off + 7] as number,
    status: u16(buf, off + 8),
    serial: u32(buf, off + 10),
    productName: latin1(buf.subarray(off + 15, off + 15 + nameLen)),
    state: len > 15 + nameLen ? (buf[off + 15 + nameLen] as number) : -1,
  };
}

/**
 * ListIdentity reply item 0x0C (V2 §2-4.3.2): encapsulation protocol version u16, socket
 * address (sin_family i16, sin_port u16, sin_addr u32, sin_zero 8 bytes; big-endian), then the
 * identity attributes (with the state byte).
 */
export interface ListIdentityItem extends CipIdentity {
  version: number;
  sockFamily: number;
  sockPort: number;
  sockAddr: string;
}

export function parseListIdentityItem(buf: Uint8Array, off: number, len: number): ListIdentityItem | EnipParseError {
  if (len < 18) return 'enip-identity-truncated';
  const id = parseIdentityAttributes(buf, off + 18, len - 18);
  if (typeof id === 'string') return id;
  const a = off + 6;
  return {
    ...id,
    version: u16(buf, off),
    sockFamily: ((buf[off + 2] as number) << 8) | (buf[off + 3] as number),
    sockPort: ((buf[off + 4] as number) << 8) | (buf[off + 5] as number),
    sockAddr: `${buf[a]}.${buf[a + 1]}.${buf[a + 2]}.${buf[a + 3]}`,
  };
}

/** Identity attributes by id (V1 §5A-2.2) as they appear in Get_Attribute_List replies; -1 size = short string. */
const IDENTITY_ATTR_SIZE: readonly number[] = [0, 2, 2, 2, 2, 2, 4, -1, 1];

/**
 * Get_Attribute_List reply data (V1 § ): count u16, then per attribute: id u16, status
 * u16, value (when status is 0). Only Identity attributes 1-8 have known sizes, so decoding
 * stops at the first other attribute. Returns the attributes found as [id, value] pairs.
 */
export function parseIdentityAttributeList(
  buf: Uint8Array,
  off: number,
  len: number,
): { attrs: [number, number | string][]; error: EnipParseError | null } {
  const attrs: [number, number | string][] = [];
  if (len < 2) return { attrs, error: 'enip-identity-truncated' };
  const n = Math.min(u16(buf, off), LIMITS.maxItems);
  let p = off + 2;
  const end = off + len;
  for (let i = 0; i < n; i++) {
    if (end - p < 4) return { attrs, error: 'enip-identity-truncated' };
    const id = u16(buf, p);
    const st = u16(buf, p + 2);
    p += 4;
    if (st !== 0) continue;
    const v = parseIdentityAttribute(buf, p, end - p, id);
    if (v === null) return { attrs, error: null };
    if (v === undefined) return { attrs, error: 'enip-identity-truncated' };
    attrs.push([id, v[0]]);
    p += v[1];
  }
  return { attrs, error: null };
}

/**
 * One Identity attribute value at `off`: [value, bytes used]; null when the id has no known
 * size (not an identity attribute we decode), undefined when truncated. Revision (4) comes back
 * as `major.minor`, the product name (7) as text.
 */
export function parseIdentityAttribute(
  buf: Uint8Array,
  off: number,
  len: number,
  id: number,
): [number | string, number] | null | undefined {
  const size = IDENTITY_ATTR_SIZE[id];
  if (id < 1 || id > 8 || size === undefined) return null;
  if (size === -1) {
    if (len < 1) return undefined;
    const n = buf[off] as number;
    if (len < 1 + n) return undefined;
    return [latin1(buf.subarray(off + 1, off + 1 + n)), 1 + n];
  }
  if (len < size) return undefined;
  if (id === 4) return [`${buf[off]}.${buf[off + 1]}`, 2];
  if (size === 1) return [buf[off] as number, 1];
  if (size === 2) return [u16(buf, off), 2];
  return [u32(buf, off), 4];
}

/**
 * Execute PCCC request data (class 0x67 service 0x4B; Rockwell 1756-PM020): requester id
 * length u8 (counting itself), vendor id u16, serial u32, other bytes to that length, then the
 * DF1 command: CMD u8, STS u8, TNS u16, FNC u8 (for CMD 0x06/0x0F). Returns [cmd, fnc] or null.
 */
export function parsePcccRequest(buf: Uint8Array, off: number, len: number): [number, number] | null {
  if (len < 1) return null;
  const idLen = buf[off] as number;
  if (idLen < 7 || len < idLen + 4) return null;
  const p = off + idLen;
  const cmd = buf[p] as number;
  const fnc = len >= idLen + 5 ? (buf[p + 4] as number) : -1;
  return [cmd, fnc];
}

/**
 * Implicit (class 0/1) I/O datagram on UDP 2222 (V2 §2-6, §3-2.2): a CPF with a sequenced
 * address item (connection id u32, encapsulation sequence number u32) and a connected data
 * item (the I/O data; for class 1 it starts with a 16-bit CIP sequence count).
 */
export interface IoPacket {
  connectionId: number;
  sequence: number;
  dataLen: number;
}

export function parseIoPacket(
  buf: Uint8Array,
  off: number,
  len: number,
  cpf: Cpf,
  out: IoPacket,
): EnipParseError | null {
  out.connectionId = 0;
  out.sequence = 0;
  out.dataLen = -1;
  const err = parseCpf(buf, off, len, cpf);
  if (err === 'enip-cpf-truncated') return 'enip-io-truncated';
  if (err) return err;
  const addr = findItem(cpf, Item.SEQUENCED_ADDRESS);
  if (addr === null || addr.len < 8) return 'enip-io-no-sequenced-address';
  out.connectionId = u32(buf, addr.off);
  out.sequence = u32(buf, addr.off + 4);
  const data = findItem(cpf, Item.CONNECTED_DATA);
  out.dataLen = data === null ? -1 : data.len;
  return null;
}
