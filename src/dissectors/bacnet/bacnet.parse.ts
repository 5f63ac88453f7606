import { LIMITS } from '../../bytes/errors.js';
import { latin1 } from '../../bytes/reader.js';
import { u16be as u16 } from '../../bytes/words.js';
import {
  BVLC_HEADER_LEN,
  BVLC_TYPE_IP,
  BVLC_TYPE_IPV6,
  Bvlc,
  bvlcHasNpdu,
  MAX_TAG_DEPTH,
  NPDU_VERSION,
  Pdu,
} from './bacnet.consts.js';

/**
 * Pure BACnet/IP parsers: bytes in, fields out; nothing here keeps state or throws.
 *
 * `parseFrame` fills one caller-owned `Frame` (BVLC + NPDU + APDU header) and returns an
 * anomaly code or null, so a datagram costs no allocation. Service parsers read the service
 * data that follows the APDU header with the tag reader (`readTag`) and fill small caller-owned
 * structs; only values that become observations (strings) are allocated.
 *
 * References: ANSI/ASHRAE 135-2020 ("§x"): Annex J (BACnet/IP, BVLL), §6.2 (NPDU), §20.1
 * (APDU encoding), §20.2 (tagged values), §13-17, §21 (services).
 */

export type BacnetParseError =
  | 'bacnet-bvlc-truncated'
  | 'bacnet-bvlc-bad-type'
  | 'bacnet-bvlc-ipv6'
  | 'bacnet-bvlc-length-mismatch'
  | 'bacnet-bvlc-unknown-function'
  | 'bacnet-npdu-truncated'
  | 'bacnet-npdu-bad-version'
  | 'bacnet-apdu-truncated'
  | 'bacnet-apdu-unknown-type';

/**
 * One datagram: BVLC header (Annex J.2), NPDU header (§6.2), APDU header (§20.1).
 * ```
 * BVLC   0 type u8 (0x81)  1 function u8  2 length u16 (whole BVLL message)
 *        Forwarded-NPDU (J.2.9): 6-byte B/IP address of the originator (IPv4 + port) first
 *        BVLC-Result (J.2.1): result code u16; Register-Foreign-Device (J.2.6): TTL u16
 *        Write-BDT / Read-BDT-Ack: 10-byte entries; Read-FDT-Ack: 10-byte entries
 * NPDU   0 version u8 (1)  1 control u8: 0x80 network-layer message, 0x20 DNET present,
 *        0x08 SNET present, 0x04 expecting reply, 0x03 priority
 *        [DNET u16, DLEN u8, DADR]  [SNET u16, SLEN u8, SADR]  [hop count u8 if DNET]
 *        [message type u8, vendor id u16 if type >= 0x80]  then APDU or network message
 * APDU   0 type<<4 | flags     confirmed: 0x08 SEG, 0x04 MOR, 0x02 SA
 *        confirmed request:   1 max segs<<4 | max APDU  2 invoke id  [seq u8, window u8]  service u8
 *        unconfirmed request: 1 service u8
 *        simple ACK:          1 invoke id  2 service u8
 *        complex ACK:         1 invoke id  [seq u8, window u8 if SEG]  service u8
 *        segment ACK:         1 invoke id  2 sequence u8  3 window u8     (flags 0x02 NAK, 0x01 SRV)
 *        error:               1 invoke id  2 service u8  then error class + code (enumerated)
 *        reject / abort:      1 invoke id  2 reason u8                    (abort flag 0x01 SRV)
 * ```
 */
export interface Frame {
  bvlcType: number;
  bvlcFunction: number;
  bvlcLength: number;
  /** BVLC-Result code, Register-Foreign-Device TTL, or table entry count; else -1. */
  bvlcValue: number;
  /** Forwarded-NPDU originator (IPv4 as a.b.c.d and port), else '' / -1. */
  fwdIp: string;
  fwdPort: number;
  hasNpdu: boolean;
  npduControl: number;
  dnet: number;
  dlen: number;
  snet: number;
  slen: number;
  /** Offset of SADR (slen bytes) in the buffer. */
  sadrOff: number;
  hopCount: number;
  /** Network-layer message type, or -1 when the NPDU carries an APDU. */
  networkMessage: number;
  /** -1 when there is no APDU. */
  pduType: number;
  pduFlags: number;
  invokeId: number;
  /** Service choice (confirmed/unconfirmed/ack/error), or -1. */
  service: number;
  /** Segmented message: sequence number (else -1) and whether more segments follow. */
  sequence: number;
  moreFollows: boolean;
  /** Reject/abort reason, segment-ACK sequence; else -1. */
  reason: number;
  /** Service data: [dataOff, dataEnd). */
  dataOff: number;
  dataEnd: number;
}

export function newFrame(): Frame {
  const f = {} as Frame;
  resetFrame(f);
  return f;
}

export function resetFrame(f: Frame): void {
  f.bvlcType = -1;
  f.bvlcFunction = -1;
  f.bvlcLength = 0;
  f.bvlcValue = -1;
  f.fwdIp = '';
  f.fwdPort = -1;
  f.hasNpdu = false;
  f.npduControl = 0;
  f.dnet = -1;
  f.dlen = 0;
  f.snet = -1;
  f.slen = 0;
  f.sadrOff = 0;
  f.hopCount = -1;
  f.networkMessage = -1;
  f.pduType = -1;
  f.pduFlags = 0;
  f.invokeId = -1;
  f.service = -1;
  f.sequence = -1;
  f.moreFollows = false;
  f.reason = -1;
  f.dataOff = 0;
  f.dataEnd = 0;
}

/** True when a BACnet/IP BVLC header plausibly starts at `off` (probe). */
export function plausibleBvlc(buf: Uint8Array, off: number, len: number): boolean {
  if (len < BVLC_HEADER_LEN) return false;
  if (buf[off] !== BVLC_TYPE_IP || (buf[off + 1] as number) > Bvlc.SECURE_BVLL) return false;
  return u16(buf, off + 2) === len;
}

/** Parses a whole datagram at `off`, `len` bytes. Fields are filled as far as they could be read. */
export function parseFrame(buf: Uint8Array, off: number, len: number, f: Frame): BacnetParseError | null {
  resetFrame(f);
  if (len < BVLC_HEADER_LEN) return 'bacnet-bvlc-truncated';
  f.bvlcType = buf[off] as number;
  f.bvlcFunction = buf[off + 1] as number;
  f.bvlcLength = u16(buf, off + 2);
  if (f.bvlcType === BVLC_TYPE_IPV6) return 'bacnet-bvlc-ipv6';
  if (f.bvlcType !== BVLC_TYPE_IP) return 'bacnet-bvlc-bad-type';
  // The BVLC length should equal the datagram's; when it does not, the datagram wins (as in
  // Wireshark and ICSNPP: generators get the field wrong) and the mismatch is reported last.
  const lenErr: BacnetParseError | null = f.bvlcLength !== len ? 'bacnet-bvlc-length-mismatch' : null;
  const end = off + len;
  let p = off + BVLC_HEADER_LEN;
  const fn = f.bvlcFunction;
  switch (fn) {
    case Bvlc.RESULT:
    case Bvlc.REGISTER_FOREIGN_DEVICE:
      if (end - p < 2) return 'bacnet-bvlc-truncated';
      f.bvlcValue = u16(buf, p);
      return end - p === 2 ? lenErr : 'bacnet-bvlc-length-mismatch';
    case Bvlc.WRITE_BDT:
    case Bvlc.READ_BDT_ACK:
    case Bvlc.READ_FDT_ACK:
      f.bvlcValue = Math.floor((end - p) / 10);
      return (end - p) % 10 === 0 ? lenErr : 'bacnet-bvlc-length-mismatch';
    case Bvlc.READ_BDT:
    case Bvlc.READ_FDT:
      return end === p ? lenErr : 'bacnet-bvlc-length-mismatch';
    case Bvlc.DELETE_FDT_ENTRY:
      return end - p === 6 ? lenErr : 'bacnet-bvlc-length-mismatch';
    case Bvlc.SECURE_BVLL:
      return lenErr;
    case Bvlc.FORWARDED_NPDU:
      if (end - p < 6) return 'bacnet-bvlc-truncated';
      f.fwdIp = `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`;
      f.fwdPort = u16(buf, p + 4);
      p += 6;
      break;
    default:
      if (!bvlcHasNpdu(fn)) return 'bacnet-bvlc-unknown-function';
  }
  f.hasNpdu = true;
  return parseNpdu(buf, p, end, f) ?? lenErr;
}

/** NPDU (§6.2) from `p` to `end`, then the APDU header. */
export function parseNpdu(buf: Uint8Array, p: number, end: number, f: Frame): BacnetParseError | null {
  if (end - p < 2) return 'bacnet-npdu-truncated';
  if (buf[p] !== NPDU_VERSION) return 'bacnet-npdu-bad-version';
  const ctl = buf[p + 1] as number;
  f.npduControl = ctl;
  p += 2;
  if (ctl & 0x20) {
    if (end - p < 3) return 'bacnet-npdu-truncated';
    f.dnet = u16(buf, p);
    f.dlen = buf[p + 2] as number;
    p += 3 + f.dlen;
  }
  if (ctl & 0x08) {
    if (end - p < 3) return 'bacnet-npdu-truncated';
    f.snet = u16(buf, p);
    f.slen = buf[p + 2] as number;
    f.sadrOff = p + 3;
    p += 3 + f.slen;
  }
  if (ctl & 0x20) {
    if (end - p < 1) return 'bacnet-npdu-truncated';
    f.hopCount = buf[p] as number;
    p += 1;
  }
  if (p > end) return 'bacnet-npdu-truncated';
  if (ctl & 0x80) {
    if (end - p < 1) return 'bacnet-npdu-truncated';
    f.networkMessage = buf[p] as number;
    p += f.networkMessage >= 0x80 ? 3 : 1;
    if (p > end) return 'bacnet-npdu-truncated';
    f.dataOff = p;
    f.dataEnd = end;
    return null;
  }
  return parseApduHeader(buf, p, end, f);
}

/** APDU fixed header (§20.1.2-20.1.9); the service data is left at [dataOff, dataEnd). */
export function parseApduHeader(buf: Uint8Array, p: number, end: number, f: Frame): BacnetParseError | null {
  if (end - p < 1) return 'bacnet-apdu-truncated';
  const b0 = buf[p] as number;
  f.pduType = b0 >> 4;
  f.pduFlags = b0 & 0x0f;
  const seg = (b0 & 0x08) !== 0;
  let need: number;
  switch (f.pduType) {
    case Pdu.CONFIRMED_REQUEST:
      need = seg ? 6 : 4;
      if (end - p < need) return 'bacnet-apdu-truncated';
      f.invokeId = buf[p + 2] as number;
      if (seg) f.sequence = buf[p + 3] as number;
      f.moreFollows = (b0 & 0x04) !== 0;
      f.service = buf[p + need - 1] as number;
      break;
    case Pdu.UNCONFIRMED_REQUEST:
      need = 2;
      if (end - p < need) return 'bacnet-apdu-truncated';
      f.service = buf[p + 1] as number;
      break;
    case Pdu.SIMPLE_ACK:
      need = 3;
      if (end - p < need) return 'bacnet-apdu-truncated';
      f.invokeId = buf[p + 1] as number;
      f.service = buf[p + 2] as number;
      break;
    case Pdu.COMPLEX_ACK:
      need = seg ? 5 : 3;
      if (end - p < need) return 'bacnet-apdu-truncated';
      f.invokeId = buf[p + 1] as number;
      if (seg) f.sequence = buf[p + 2] as number;
      f.moreFollows = (b0 & 0x04) !== 0;
      f.service = buf[p + need - 1] as number;
      break;
    case Pdu.SEGMENT_ACK:
      need = 4;
      if (end - p < need) return 'bacnet-apdu-truncated';
      f.invokeId = buf[p + 1] as number;
      f.reason = buf[p + 2] as number;
      break;
    case Pdu.ERROR:
      need = 3;
      if (end - p < need) return 'bacnet-apdu-truncated';
      f.invokeId = buf[p + 1] as number;
      f.service = buf[p + 2] as number;
      break;
    case Pdu.REJECT:
    case Pdu.ABORT:
      need = 3;
      if (end - p < need) return 'bacnet-apdu-truncated';
      f.invokeId = buf[p + 1] as number;
      f.reason = buf[p + 2] as number;
      break;
    default:
      f.dataOff = p;
      f.dataEnd = end;
      return 'bacnet-apdu-unknown-type';
  }
  f.dataOff = p + need;
  f.dataEnd = end;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Tagged values (§20.2.1)
// ---------------------------------------------------------------------------------------------

export const TagKind = { PRIMITIVE: 0, OPEN: 1, CLOSE: 2 } as const;

/**
 * One tag: tag number (4 bits, 15 = extended in the next octet), class (0x08: context-specific),
 * length/value/type (3 bits: 0-4 length, 5 = extended length in the next 1/2/4 octets,
 * 6/7 = opening/closing tag for context tags; for application booleans the value itself).
 */
export interface Tag {
  num: number;
  context: boolean;
  kind: number;
  /** Raw LVT bits (the value of an application boolean). */
  lvt: number;
  len: number;
  valOff: number;
  /** Offset after the value. */
  next: number;
}

export function newTag(): Tag {
  return { num: 0, context: false, kind: 0, lvt: 0, len: 0, valOff: 0, next: 0 };
}

/** Reads the tag at `off`; false when it is malformed or runs past `end`. */
export function readTag(buf: Uint8Array, off: number, end: number, t: Tag): boolean {
  if (off >= end) return false;
  const b = buf[off] as number;
  let p = off + 1;
  let num = b >> 4;
  if (num === 15) {
    if (p >= end) return false;
    num = buf[p++] as number;
  }
  t.num = num;
  t.context = (b & 0x08) !== 0;
  const lvt = b & 0x07;
  t.lvt = lvt;
  t.kind = TagKind.PRIMITIVE;
  let len = lvt;
  if (t.context && lvt === 6) {
    t.kind = TagKind.OPEN;
    len = 0;
  } else if (t.context && lvt === 7) {
    t.kind = TagKind.CLOSE;
    len = 0;
  } else if (!t.context && num === 1) {
    len = 0; // application boolean: the value is in the LVT bits
  } else if (lvt === 5) {
    if (p >= end) return false;
    len = buf[p++] as number;
    if (len === 254) {
      if (end - p < 2) return false;
      len = u16(buf, p);
      p += 2;
    } else if (len === 255) {
      if (end - p < 4) return false;
      len = (((buf[p] as number) << 24) | ((buf[p + 1] as number) << 16) | u16(buf, p + 2)) >>> 0;
      p += 4;
    }
  }
  t.len = len;
  t.valOff = p;
  t.next = p + len;
  return t.next <= end;
}

/** Unsigned big-endian value of 1..6 octets (-1 for other lengths). */
export function readUnsigned(buf: Uint8Array, off: number, len: number): number {
  if (len < 1 || len > 6) return -1;
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + (buf[off + i] as number);
  return v;
}

/**
 * Skips one complete value starting at `off` (a primitive tag, or an opening tag up to its
 * matching closing tag, nesting capped at MAX_TAG_DEPTH). Returns the offset after it, or -1.
 */
export function skipValue(buf: Uint8Array, off: number, end: number, t: Tag): number {
  let depth = 0;
  let p = off;
  for (;;) {
    if (!readTag(buf, p, end, t)) return -1;
    p = t.next;
    if (t.kind === TagKind.OPEN) {
      if (++depth > MAX_TAG_DEPTH) return -1;
    } else if (t.kind === TagKind.CLOSE) {
      if (--depth < 0) return -1;
    }
    if (depth === 0) return p;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
let sjis: InstanceType<typeof TextDecoder> | null | undefined;
function shiftJis(): InstanceType<typeof TextDecoder> | null {
  if (sjis === undefined) {
    try {
      sjis = new TextDecoder('shift_jis');
    } catch {
      sjis = null; // Node built without full ICU
    }
  }
  return sjis;
}

/**
 * CharacterString (§20.2.9): charset octet then the characters. UTF-8 (0), UCS-2 big-endian (4)
 * and ISO 8859-1 (5) are decoded; DBCS/JIS/UCS-4 are shown as Latin-1. Control characters are
 * replaced and the result capped at LIMITS.maxString, like every string from the wire.
 */
export function readCharString(buf: Uint8Array, off: number, len: number): string {
  if (len < 1) return '';
  const charset = buf[off] as number;
  const n = Math.min(len - 1, LIMITS.maxString * 4);
  const raw = buf.subarray(off + 1, off + 1 + n);
  let s: string;
  if (charset === 0) s = utf8.decode(raw);
  else if (charset === 1 && raw.length >= 2) {
    // IBM/Microsoft DBCS: code page u16, then the text; 932 (Shift-JIS) is decoded when ICU has it.
    const page = ((raw[0] as number) << 8) | (raw[1] as number);
    const dec = page === 932 ? shiftJis() : null;
    s = dec ? dec.decode(raw.subarray(2)) : latin1(raw.subarray(2));
  } else if (charset === 4) {
    s = '';
    for (let i = 0; i + 1 < raw.length && s.length < LIMITS.maxString; i += 2) {
      s += String.fromCharCode(((raw[i] as number) << 8) | (raw[i + 1] as number));
    }
  } else return latin1(raw);
  let out = '';
  for (const ch of s) {
    if (out.length >= LIMITS.maxString) break;
    const c = ch.codePointAt(0) as number;
    out += c < 0x20 || c === 0x7f ? '.' : ch;
  }
  return out.replace(/[\s\0]+$/, '');
}

/** A value taken from a property: the first primitive's type and its decoded form. */
export interface PropertyValue {
  /** Application tag number of the first primitive (7 = character string...), or -1. */
  appTag: number;
  /** Character strings; numbers as decimal; others as their tag name. */
  text: string;
  num: number;
}

/** Reads the first primitive value at `off` (inside an opening tag [3]/[4]); null when none. */
export function readFirstValue(buf: Uint8Array, off: number, end: number, t: Tag): PropertyValue | null {
  if (!readTag(buf, off, end, t) || t.kind !== TagKind.PRIMITIVE || t.context) return null;
  const v: PropertyValue = { appTag: t.num, text: '', num: -1 };
  if (t.num === 7) v.text = readCharString(buf, t.valOff, t.len);
  else if (t.num === 2 || t.num === 9) {
    v.num = readUnsigned(buf, t.valOff, t.len);
    v.text = String(v.num);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Services (§13-17). Each parser gets the service data [off, end) after the APDU header.
// ---------------------------------------------------------------------------------------------

export type ServiceError = 'bacnet-service-malformed';

/** Fields of the services we decode; one struct reused per datagram, -1/'' = absent. */
export interface ServiceFields {
  objectType: number;
  instance: number;
  property: number;
  arrayIndex: number;
  /** Who-Is / Who-Has limits. */
  low: number;
  high: number;
  /** I-Am: max APDU, segmentation, vendor id. I-Have: device instance in `deviceInstance`. */
  maxApdu: number;
  segmentation: number;
  vendorId: number;
  deviceInstance: number;
  /** Who-Has / I-Have object name (null when absent). */
  objectName: string | null;
  /** ReinitializeDevice state / DCC enable-disable. */
  state: number;
  /** DCC time duration in minutes. */
  duration: number;
  /** Password [offset, length) inside the buffer (never copied into a string), -1 when absent. */
  passwordOff: number;
  passwordLen: number;
  /** Error class / code. */
  errorClass: number;
  errorCode: number;
  /** Atomic file access: 0 stream, 1 record; start position/record; count / octets. */
  fileAccess: number;
  fileStart: number;
  fileCount: number;
  /** SubscribeCOV lifetime / process id. */
  processId: number;
  lifetime: number;
  /** ReadPropertyMultiple: property names requested (capped) and their number. */
  properties: number[];
}

export function newServiceFields(): ServiceFields {
  const s = { properties: [] as number[] } as ServiceFields;
  resetServiceFields(s);
  return s;
}

export function resetServiceFields(s: ServiceFields): void {
  s.objectType = -1;
  s.instance = -1;
  s.property = -1;
  s.arrayIndex = -1;
  s.low = -1;
  s.high = -1;
  s.maxApdu = -1;
  s.segmentation = -1;
  s.vendorId = -1;
  s.deviceInstance = -1;
  s.objectName = null;
  s.state = -1;
  s.duration = -1;
  s.passwordOff = -1;
  s.passwordLen = 0;
  s.errorClass = -1;
  s.errorCode = -1;
  s.fileAccess = -1;
  s.fileStart = -1;
  s.fileCount = -1;
  s.processId = -1;
  s.lifetime = -1;
  s.properties.length = 0;
}

const tag = newTag();

function ctxUnsigned(buf: Uint8Array, p: number, end: number, num: number): number {
  if (
    !readTag(buf, p, end, tag) ||
    !tag.context ||
    (tag.num as number) !== num ||
    (tag.kind as number) !== TagKind.PRIMITIVE
  )
    return -1;
  return readUnsigned(buf, tag.valOff, tag.len);
}

function objectId(buf: Uint8Array, off: number, s: ServiceFields): void {
  const v = readUnsigned(buf, off, 4);
  s.objectType = Math.floor(v / 0x400000);
  s.instance = v % 0x400000;
}

/** Who-Is (§16.10): [0] low limit, [1] high limit, both optional. */
export function parseWhoIs(buf: Uint8Array, off: number, end: number, s: ServiceFields): ServiceError | null {
  if (off === end) return null;
  s.low = ctxUnsigned(buf, off, end, 0);
  if (s.low < 0) return 'bacnet-service-malformed';
  s.high = ctxUnsigned(buf, tag.next, end, 1);
  if (s.high < 0 || tag.next !== end) return 'bacnet-service-malformed';
  return null;
}

/**
 * I-Am (§16.10.2): application tags object identifier (device), unsigned max APDU length,
 * enumerated segmentation supported, unsigned vendor identifier.
 */
export function parseIAm(buf: Uint8Array, off: number, end: number, s: ServiceFields): ServiceError | null {
  if (!readTag(buf, off, end, tag) || tag.context || (tag.num as number) !== 12 || (tag.len as number) !== 4)
    return 'bacnet-service-malformed';
  objectId(buf, tag.valOff, s);
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 2) return 'bacnet-service-malformed';
  s.maxApdu = readUnsigned(buf, tag.valOff, tag.len);
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 9) return 'bacnet-service-malformed';
  s.segmentation = readUnsigned(buf, tag.valOff, tag.len);
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 2) return 'bacnet-service-malformed';
  s.vendorId = readUnsigned(buf, tag.valOff, tag.len);
  return tag.next === end ? null : 'bacnet-service-malformed';
}

/**
 * Who-Has (§16.9): [0] low, [1] high (optional, together), then [2] object identifier or
 * [3] object name (character string).
 */
export function parseWhoHas(buf: Uint8Array, off: number, end: number, s: ServiceFields): ServiceError | null {
  let p = off;
  if (!readTag(buf, p, end, tag) || !tag.context) return 'bacnet-service-malformed';
  if ((tag.num as number) === 0) {
    s.low = readUnsigned(buf, tag.valOff, tag.len);
    s.high = ctxUnsigned(buf, tag.next, end, 1);
    if (s.high < 0) return 'bacnet-service-malformed';
    p = tag.next;
    if (!readTag(buf, p, end, tag) || !tag.context) return 'bacnet-service-malformed';
  }
  if ((tag.num as number) === 2 && (tag.len as number) === 4) objectId(buf, tag.valOff, s);
  else if ((tag.num as number) === 3) s.objectName = readCharString(buf, tag.valOff, tag.len);
  else return 'bacnet-service-malformed';
  return tag.next === end ? null : 'bacnet-service-malformed';
}

/** I-Have (§16.8): application object identifier (device), object identifier, object name. */
export function parseIHave(buf: Uint8Array, off: number, end: number, s: ServiceFields): ServiceError | null {
  if (!readTag(buf, off, end, tag) || tag.context || (tag.num as number) !== 12 || (tag.len as number) !== 4)
    return 'bacnet-service-malformed';
  objectId(buf, tag.valOff, s);
  s.deviceInstance = s.instance;
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 12 || (tag.len as number) !== 4) {
    return 'bacnet-service-malformed';
  }
  objectId(buf, tag.valOff, s);
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 7) return 'bacnet-service-malformed';
  s.objectName = readCharString(buf, tag.valOff, tag.len);
  return tag.next === end ? null : 'bacnet-service-malformed';
}

/**
 * ReadProperty request (§15.5) and the start of its ACK, WriteProperty (§15.9):
 * [0] object identifier, [1] property identifier, [2] array index (optional); the ACK and
 * WriteProperty continue with [3] opening tag, value(s), [3] closing tag. Returns the offset
 * after the header fields (where [3] would start), or -1.
 */
export function parsePropertyRef(buf: Uint8Array, off: number, end: number, s: ServiceFields): number {
  if (!readTag(buf, off, end, tag) || !tag.context || (tag.num as number) !== 0 || (tag.len as number) !== 4) return -1;
  objectId(buf, tag.valOff, s);
  if (!readTag(buf, tag.next, end, tag) || !tag.context || (tag.num as number) !== 1) return -1;
  s.property = readUnsigned(buf, tag.valOff, tag.len);
  let p = tag.next;
  if (
    readTag(buf, p, end, tag) &&
    tag.context &&
    (tag.num as number) === 2 &&
    (tag.kind as number) === TagKind.PRIMITIVE
  ) {
    s.arrayIndex = readUnsigned(buf, tag.valOff, tag.len);
    p = tag.next;
  }
  return p;
}

/** The value of a ReadProperty-ACK / WriteProperty after its header: [3] { value } [3]. */
export function parsePropertyValue(buf: Uint8Array, p: number, end: number): PropertyValue | null {
  if (!readTag(buf, p, end, tag) || (tag.kind as number) !== TagKind.OPEN || (tag.num as number) !== 3) return null;
  return readFirstValue(buf, tag.next, end, tag);
}

/**
 * ReadPropertyMultiple request (§15.7): repeated { [0] object identifier, [1] opening,
 * repeated { [0] property identifier, [1] array index optional }, [1] closing }.
 * Collects the property ids of the first object (at most 16) and counts all of them.
 * Returns the number of property references, or -1 when malformed.
 */
export function parseRpmRequest(buf: Uint8Array, off: number, end: number, s: ServiceFields): number {
  let p = off;
  let count = 0;
  let objects = 0;
  while (p < end && objects < LIMITS.maxItems) {
    if (!readTag(buf, p, end, tag) || !tag.context || (tag.num as number) !== 0 || (tag.len as number) !== 4) return -1;
    if (objects === 0) objectId(buf, tag.valOff, s);
    if (!readTag(buf, tag.next, end, tag) || (tag.kind as number) !== TagKind.OPEN || (tag.num as number) !== 1)
      return -1;
    p = tag.next;
    for (;;) {
      if (!readTag(buf, p, end, tag)) return -1;
      p = tag.next;
      if ((tag.kind as number) === TagKind.CLOSE && (tag.num as number) === 1) break;
      if (!tag.context || (tag.num as number) !== 0 || (tag.kind as number) !== TagKind.PRIMITIVE) return -1;
      const prop = readUnsigned(buf, tag.valOff, tag.len);
      if (objects === 0 && s.properties.length < 16) s.properties.push(prop);
      if (++count > LIMITS.maxItems) return -1;
      if (
        readTag(buf, p, end, tag) &&
        tag.context &&
        (tag.num as number) === 1 &&
        (tag.kind as number) === TagKind.PRIMITIVE
      )
        p = tag.next;
    }
    objects++;
  }
  if (s.properties.length > 0) s.property = s.properties[0] as number;
  return count;
}

/** One property value of a ReadPropertyMultiple-ACK (or ReadProperty-ACK). */
export interface PropertyResult {
  objectType: number;
  instance: number;
  property: number;
  value: PropertyValue;
}

/**
 * ReadPropertyMultiple-ACK (§15.7.1.3): repeated { [0] object identifier, [1] opening,
 * repeated { [2] property identifier, [3] array index optional, [4] { value } or
 * [5] { error class, error code } }, [1] closing }. Calls `onValue` for every value whose
 * first primitive could be read (`want` filters by object type and property before decoding).
 * Returns false when the list is malformed or truncated (a segmented ACK's first segment);
 * the results before that point have been reported.
 */
export function parseRpmAck(
  buf: Uint8Array,
  off: number,
  end: number,
  want: (objectType: number, property: number) => boolean,
  onValue: (r: PropertyResult) => void,
): boolean {
  const t = newTag();
  let p = off;
  let items = 0;
  while (p < end) {
    if (!readTag(buf, p, end, t) || !t.context || (t.num as number) !== 0 || (t.len as number) !== 4) return false;
    const v = readUnsigned(buf, t.valOff, 4);
    const objectType = Math.floor(v / 0x400000);
    const instance = v % 0x400000;
    if (!readTag(buf, t.next, end, t) || (t.kind as number) !== TagKind.OPEN || (t.num as number) !== 1) return false;
    p = t.next;
    for (;;) {
      if (++items > LIMITS.maxItems) return false;
      if (!readTag(buf, p, end, t)) return false;
      if ((t.kind as number) === TagKind.CLOSE && (t.num as number) === 1) {
        p = t.next;
        break;
      }
      if (!t.context || (t.num as number) !== 2 || (t.kind as number) !== TagKind.PRIMITIVE) return false;
      const property = readUnsigned(buf, t.valOff, t.len);
      p = t.next;
      if (!readTag(buf, p, end, t)) return false;
      if (t.context && (t.num as number) === 3 && (t.kind as number) === TagKind.PRIMITIVE) {
        p = t.next;
        if (!readTag(buf, p, end, t)) return false;
      }
      if ((t.kind as number) !== TagKind.OPEN || ((t.num as number) !== 4 && (t.num as number) !== 5)) return false;
      const isValue = (t.num as number) === 4;
      const inner = t.next;
      const after = skipValue(buf, p, end, t);
      if (isValue && want(objectType, property)) {
        const value = readFirstValue(buf, inner, end, t);
        if (value !== null) onValue({ objectType, instance, property, value });
      }
      if (after < 0) return false;
      p = after;
    }
  }
  return true;
}

/**
 * ReinitializeDevice (§16.4): [0] reinitialized state (enumerated), [1] password (character
 * string, optional). DeviceCommunicationControl (§16.1): [0] time duration (optional),
 * [1] enable-disable, [2] password (optional). The password is located, never decoded.
 */
export function parseReinitialize(buf: Uint8Array, off: number, end: number, s: ServiceFields): ServiceError | null {
  s.state = ctxUnsigned(buf, off, end, 0);
  if (s.state < 0) return 'bacnet-service-malformed';
  return password(buf, tag.next, end, 1, s);
}

export function parseDeviceCommunicationControl(
  buf: Uint8Array,
  off: number,
  end: number,
  s: ServiceFields,
): ServiceError | null {
  let p = off;
  if (!readTag(buf, p, end, tag) || !tag.context) return 'bacnet-service-malformed';
  if ((tag.num as number) === 0) {
    s.duration = readUnsigned(buf, tag.valOff, tag.len);
    p = tag.next;
  }
  s.state = ctxUnsigned(buf, p, end, 1);
  if (s.state < 0) return 'bacnet-service-malformed';
  return password(buf, tag.next, end, 2, s);
}

function password(buf: Uint8Array, p: number, end: number, num: number, s: ServiceFields): ServiceError | null {
  if (p === end) return null;
  if (
    !readTag(buf, p, end, tag) ||
    !tag.context ||
    (tag.num as number) !== num ||
    (tag.kind as number) !== TagKind.PRIMITIVE
  ) {
    return 'bacnet-service-malformed';
  }
  // Character string: the charset octet, then the password (§16.1.1.1.3: 1..20 characters).
  if ((tag.len as number) >= 1) {
    s.passwordOff = tag.valOff + 1;
    s.passwordLen = tag.len - 1;
  }
  return tag.next === end ? null : 'bacnet-service-malformed';
}

/**
 * AtomicReadFile (§14.1) / AtomicWriteFile (§14.2) requests: application object identifier
 * (file), then [0] { signed start position, unsigned octet count | octet string data } (stream
 * access) or [1] { signed start record, unsigned record count, ... } (record access).
 */
export function parseAtomicFile(
  buf: Uint8Array,
  off: number,
  end: number,
  write: boolean,
  s: ServiceFields,
): ServiceError | null {
  if (!readTag(buf, off, end, tag) || tag.context || (tag.num as number) !== 12 || (tag.len as number) !== 4)
    return 'bacnet-service-malformed';
  objectId(buf, tag.valOff, s);
  if (!readTag(buf, tag.next, end, tag) || (tag.kind as number) !== TagKind.OPEN || (tag.num as number) > 1)
    return 'bacnet-service-malformed';
  s.fileAccess = tag.num;
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 3) return 'bacnet-service-malformed';
  s.fileStart = readUnsigned(buf, tag.valOff, tag.len);
  if ((tag.len as number) >= 1 && (tag.len as number) <= 4 && (buf[tag.valOff] as number) & 0x80)
    s.fileStart -= 2 ** (8 * tag.len);
  if (!readTag(buf, tag.next, end, tag) || tag.context) return 'bacnet-service-malformed';
  // Read: the count requested; stream write: the octets sent; record write: the record count.
  s.fileCount =
    write && s.fileAccess === 0 && (tag.num as number) === 6 ? tag.len : readUnsigned(buf, tag.valOff, tag.len);
  return null;
}

/**
 * SubscribeCOV (§13.14): [0] subscriber process id, [1] monitored object id,
 * [2] issue confirmed notifications (optional), [3] lifetime (optional).
 */
export function parseSubscribeCov(buf: Uint8Array, off: number, end: number, s: ServiceFields): ServiceError | null {
  s.processId = ctxUnsigned(buf, off, end, 0);
  if (s.processId < 0) return 'bacnet-service-malformed';
  if (!readTag(buf, tag.next, end, tag) || !tag.context || (tag.num as number) !== 1 || (tag.len as number) !== 4) {
    return 'bacnet-service-malformed';
  }
  objectId(buf, tag.valOff, s);
  let p = tag.next;
  while (p < end && readTag(buf, p, end, tag) && tag.context) {
    if ((tag.num as number) === 3) s.lifetime = readUnsigned(buf, tag.valOff, tag.len);
    p = tag.next;
  }
  return null;
}

/**
 * Error PDU data (§20.1.7, §21 Error): error class and error code, both application-tagged
 * enumerations, possibly inside an opening/closing [0] tag (services with extended errors).
 */
export function parseError(buf: Uint8Array, off: number, end: number, s: ServiceFields): ServiceError | null {
  let p = off;
  if (!readTag(buf, p, end, tag)) return 'bacnet-service-malformed';
  if ((tag.kind as number) === TagKind.OPEN) p = tag.next;
  if (!readTag(buf, p, end, tag) || tag.context || (tag.num as number) !== 9) return 'bacnet-service-malformed';
  s.errorClass = readUnsigned(buf, tag.valOff, tag.len);
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 9) return 'bacnet-service-malformed';
  s.errorCode = readUnsigned(buf, tag.valOff, tag.len);
  return null;
}

/** TimeSynchronization (§16.7): application date (yy-1900, month, day, weekday), time (h, m, s, 1/100). */
export function parseTimeSync(buf: Uint8Array, off: number, end: number): string | null {
  if (!readTag(buf, off, end, tag) || tag.context || (tag.num as number) !== 10 || (tag.len as number) !== 4)
    return null;
  const d = tag.valOff;
  const date = `${1900 + (buf[d] as number)}-${pad(buf[d + 1] as number)}-${pad(buf[d + 2] as number)}`;
  if (!readTag(buf, tag.next, end, tag) || tag.context || (tag.num as number) !== 11 || (tag.len as number) !== 4)
    return null;
  const t = tag.valOff;
  return `${date}T${pad(buf[t] as number)}:${pad(buf[t + 1] as number)}:${pad(buf[t + 2] as number)}`;
}

function pad(n: number): string {
  return n === 255 ? '*' : n < 10 ? `0${n}` : String(n);
}
