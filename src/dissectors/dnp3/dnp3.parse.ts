import { LIMITS } from '../../bytes/errors.js';
import { latin1 } from '../../bytes/reader.js';
import {
  CTRL_DIR,
  CTRL_FCB,
  CTRL_FCV,
  CTRL_PRM,
  LINK_BLOCK,
  LINK_HEADER_LEN,
  LINK_MIN_LENGTH,
  LINK_START_0,
  LINK_START_1,
  objectSize,
  requestHasNoData,
} from './dnp3.consts.js';

/**
 * Pure DNP3 parsers (IEEE 1815-2012, "1815 §x"). Bytes in, fields out; nothing here keeps
 * state or throws. Hot-path parsers fill caller-owned structs and return `null` or an anomaly
 * code; the fields that could be read are filled even when a code is returned.
 */

export type Dnp3ParseError =
  | 'dnp3-bad-start'
  | 'dnp3-bad-length'
  | 'dnp3-bad-crc'
  | 'dnp3-app-truncated'
  | 'dnp3-bad-qualifier'
  | 'dnp3-bad-range'
  | 'dnp3-object-truncated'
  | 'dnp3-too-many-objects';

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa6bc : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** DNP3 CRC (1815 §9.2.2: polynomial 0x3D65, reflected, complemented), sent little-endian. */
export function crc16(buf: Uint8Array, off: number, len: number): number {
  let crc = 0;
  for (let i = off; i < off + len; i++) crc = (crc >>> 8) ^ (CRC_TABLE[(crc ^ (buf[i] as number)) & 0xff] as number);
  return ~crc & 0xffff;
}

/** True when the 2 bytes at `at` hold the CRC of [off, at). */
export function crcOk(buf: Uint8Array, off: number, at: number): boolean {
  return crc16(buf, off, at - off) === ((buf[at] as number) | ((buf[at + 1] as number) << 8));
}

/**
 * Link-layer frame (FT3, 1815 §9.2):
 * ```
 *  0  start        0x05 0x64
 *  2  length       u8    control + destination + source + user data (5..255), CRCs not counted
 *  3  control      u8    DIR 0x80 (from master), PRM 0x40 (primary), FCB 0x20, FCV/DFC 0x10, function 0x0f
 *  4  destination  u16le
 *  6  source       u16le
 *  8  header CRC   u16le over bytes 0-7
 * 10  user data    blocks of 16 bytes (the last may be shorter), each followed by its CRC u16le
 * ```
 */
export interface LinkHeader {
  length: number;
  control: number;
  /** DIR: the frame comes from the master. */
  fromMaster: boolean;
  primary: boolean;
  fcb: boolean;
  fcv: boolean;
  fn: number;
  destination: number;
  source: number;
  headerCrcOk: boolean;
  /** Bytes of user data (length - 5). */
  userLen: number;
  /** Bytes of the whole frame on the wire, CRCs included. */
  frameLen: number;
}

export function newLinkHeader(): LinkHeader {
  return {
    length: 0,
    control: 0,
    fromMaster: false,
    primary: false,
    fcb: false,
    fcv: false,
    fn: 0,
    destination: 0,
    source: 0,
    headerCrcOk: false,
    userLen: 0,
    frameLen: 0,
  };
}

/** Bytes a frame of LENGTH `length` takes on the wire. */
export function frameSize(length: number): number {
  const user = length - LINK_MIN_LENGTH;
  return LINK_HEADER_LEN + user + 2 * Math.ceil(user / LINK_BLOCK);
}

/** Reads a link header at `off` (needs 10 bytes). A bad CRC is reported through `headerCrcOk`. */
export function parseLinkHeader(buf: Uint8Array, off: number, len: number, out: LinkHeader): Dnp3ParseError | null {
  if (len < LINK_HEADER_LEN) return 'dnp3-bad-length';
  if (buf[off] !== LINK_START_0 || buf[off + 1] !== LINK_START_1) return 'dnp3-bad-start';
  const length = buf[off + 2] as number;
  const control = buf[off + 3] as number;
  out.length = length;
  out.control = control;
  out.fromMaster = (control & CTRL_DIR) !== 0;
  out.primary = (control & CTRL_PRM) !== 0;
  out.fcb = (control & CTRL_FCB) !== 0;
  out.fcv = (control & CTRL_FCV) !== 0;
  out.fn = control & 0x0f;
  out.destination = (buf[off + 4] as number) | ((buf[off + 5] as number) << 8);
  out.source = (buf[off + 6] as number) | ((buf[off + 7] as number) << 8);
  out.headerCrcOk = crcOk(buf, off, off + 8);
  if (length < LINK_MIN_LENGTH) {
    out.userLen = 0;
    out.frameLen = LINK_HEADER_LEN;
    return 'dnp3-bad-length';
  }
  out.userLen = length - LINK_MIN_LENGTH;
  out.frameLen = frameSize(length);
  return null;
}

/**
 * Copies the user data of a whole frame at `off` (header already parsed into `link`) into
 * `out` without the block CRCs. Returns the number of blocks whose CRC is wrong (the data is
 * copied anyway).
 */
export function copyUserData(buf: Uint8Array, off: number, link: LinkHeader, out: Uint8Array): number {
  let bad = 0;
  let src = off + LINK_HEADER_LEN;
  let dst = 0;
  let left = link.userLen;
  while (left > 0) {
    const n = Math.min(left, LINK_BLOCK);
    if (!crcOk(buf, src, src + n)) bad++;
    out.set(buf.subarray(src, src + n), dst);
    dst += n;
    src += n + 2;
    left -= n;
  }
  return bad;
}

/**
 * Application header (1815 §4.2.2):
 * ```
 * request   control u8 (FIR 0x80, FIN 0x40, CON 0x20, UNS 0x10, SEQ 0x0f), function u8, object headers...
 * response  control u8, function u8 (0x81-0x83), IIN1 u8, IIN2 u8, object headers + data...
 * ```
 */
export interface AppHeader {
  control: number;
  fir: boolean;
  fin: boolean;
  con: boolean;
  uns: boolean;
  seq: number;
  fc: number;
  /** IIN1 << 8 | IIN2 in responses, else -1. */
  iin: number;
  /** Offset of the first object header. */
  objOff: number;
}

export function newAppHeader(): AppHeader {
  return { control: 0, fir: false, fin: false, con: false, uns: false, seq: 0, fc: 0, iin: -1, objOff: 0 };
}

export function parseAppHeader(buf: Uint8Array, off: number, len: number, out: AppHeader): Dnp3ParseError | null {
  out.iin = -1;
  if (len < 2) return 'dnp3-app-truncated';
  const c = buf[off] as number;
  out.control = c;
  out.fir = (c & 0x80) !== 0;
  out.fin = (c & 0x40) !== 0;
  out.con = (c & 0x20) !== 0;
  out.uns = (c & 0x10) !== 0;
  out.seq = c & 0x0f;
  out.fc = buf[off + 1] as number;
  out.objOff = off + 2;
  if (out.fc >= 0x80) {
    if (len < 4) return 'dnp3-app-truncated';
    out.iin = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
    out.objOff = off + 4;
  }
  return null;
}

/** A device attribute (group 0) value found while walking objects. */
export interface DeviceAttribute {
  variation: number;
  /** Data type code (1 VSTR, 2 UINT, 3 INT, 4 FLT, 5 OSTR, 6 BSTR, 254/255 lists). */
  type: number;
  value: string;
}

/**
 * What the object headers of one fragment hold (1815 §4.2.2.7-§4.2.2.8). One struct reused per
 * fragment; `attributes` is allocated only when group 0 objects carry data.
 */
export interface ObjectSummary {
  headers: number;
  /** Objects counted over all headers (range or count). */
  objects: number;
  /** `g<group>v<variation>` of the first headers, comma-joined (at most MAX_LISTED). */
  list: string;
  /** First header's group/variation/qualifier and range start (-1 when absent). */
  firstGroup: number;
  firstVariation: number;
  firstQualifier: number;
  rangeStart: number;
  /** The walk stopped at an object whose size we do not know (not an error in the data). */
  unsized: boolean;
  /** Every group seen is in `onlyGroups` (bit set per group 50/80): time/IIN-only writes. */
  onlyTimeOrIin: boolean;
  attributes: DeviceAttribute[] | null;
}

export const MAX_LISTED = 8;

export function newObjectSummary(): ObjectSummary {
  return {
    headers: 0,
    objects: 0,
    list: '',
    firstGroup: -1,
    firstVariation: -1,
    firstQualifier: -1,
    rangeStart: -1,
    unsized: false,
    onlyTimeOrIin: true,
    attributes: null,
  };
}

function resetSummary(s: ObjectSummary): void {
  s.headers = 0;
  s.objects = 0;
  s.list = '';
  s.firstGroup = -1;
  s.firstVariation = -1;
  s.firstQualifier = -1;
  s.rangeStart = -1;
  s.unsized = false;
  s.onlyTimeOrIin = true;
  s.attributes = null;
}

function uint(buf: Uint8Array, at: number, n: number): number {
  if (n === 1) return buf[at] as number;
  if (n === 2) return (buf[at] as number) | ((buf[at + 1] as number) << 8);
  return (
    ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16)) +
    (buf[at + 3] as number) * 0x1000000
  );
}

const PREFIX_BYTES = [0, 1, 2, 4, 1, 2, 4, 0];

/**
 * Walks the object headers of an application fragment at [off, end) (1815 §4.2.2.7):
 * ```
 * group u8, variation u8, qualifier u8 (bit 7 reserved, prefix code 0x70, range code 0x0f),
 * range: code 0-2 start/stop of 1/2/4 octets (3-5 the same, virtual), 6 none (all objects),
 *        7-9 count of 1/2/4 octets, 0xB count u8 of variable-format objects
 * then per object: prefix (index 1/2/4 octets for codes 1-3, object size for codes 4-6) + data.
 * ```
 * Objects carry no data in requests that only name objects (READ, freezes, unsolicited
 * control, ASSIGN_CLASS). Stops at the first object of unknown size (`unsized`), after
 * LIMITS.maxItems headers, or at a malformed header (the error code).
 */
export function walkObjects(
  buf: Uint8Array,
  off: number,
  end: number,
  fc: number,
  out: ObjectSummary,
): Dnp3ParseError | null {
  resetSummary(out);
  const noData = fc < 0x80 && requestHasNoData(fc);
  let pos = off;
  while (pos < end) {
    if (out.headers >= LIMITS.maxItems) return 'dnp3-too-many-objects';
    if (end - pos < 3) return 'dnp3-object-truncated';
    const group = buf[pos] as number;
    const variation = buf[pos + 1] as number;
    const q = buf[pos + 2] as number;
    pos += 3;
    const code = q & 0x0f;
    const prefix = (q >> 4) & 0x07;
    out.headers++;
    if (out.headers <= MAX_LISTED) out.list += out.list === '' ? `g${group}v${variation}` : `,g${group}v${variation}`;
    if (group !== 50 && group !== 80) out.onlyTimeOrIin = false;
    if (out.headers === 1) {
      out.firstGroup = group;
      out.firstVariation = variation;
      out.firstQualifier = q;
    }
    if (q & 0x80 || prefix === 7) return 'dnp3-bad-qualifier';
    let count: number;
    if (code <= 5) {
      const w = PREFIX_BYTES[(code % 3) + 1] as number;
      if (end - pos < 2 * w) return 'dnp3-object-truncated';
      const start = uint(buf, pos, w);
      const stop = uint(buf, pos + w, w);
      pos += 2 * w;
      if (out.headers === 1) out.rangeStart = start;
      if (stop < start) return 'dnp3-bad-range';
      count = stop - start + 1;
    } else if (code === 6) {
      count = 0;
    } else if (code === 7 || code === 8 || code === 9 || code === 0x0b) {
      const w = code === 0x0b ? 1 : (PREFIX_BYTES[code - 6] as number);
      if (end - pos < w) return 'dnp3-object-truncated';
      count = uint(buf, pos, w);
      pos += w;
    } else {
      return 'dnp3-bad-qualifier';
    }
    out.objects += count;
    if (count === 0) continue;
    const pfx = PREFIX_BYTES[prefix] as number;
    const sizePrefix = prefix >= 4;
    // With an index prefix the first object's index is the header's first address.
    if (out.headers === 1 && prefix >= 1 && prefix <= 3 && end - pos >= pfx) out.rangeStart = uint(buf, pos, pfx);
    // Size-prefixed objects (file and authentication objects) carry data even in a READ.
    if ((noData || group === 60) && !sizePrefix) {
      if (count * pfx > end - pos) return 'dnp3-object-truncated';
      pos += count * pfx;
      continue;
    }
    if (group === 0 && !sizePrefix) {
      // Device attributes: data type u8, length u8, value (1815 §11.9, Table 11-x).
      for (let i = 0; i < count; i++) {
        if (end - pos < pfx + 2) return 'dnp3-object-truncated';
        pos += pfx;
        const type = buf[pos] as number;
        const n = buf[pos + 1] as number;
        if (end - pos - 2 < n) return 'dnp3-object-truncated';
        if (out.attributes === null) out.attributes = [];
        if (out.attributes.length < LIMITS.maxItems) {
          out.attributes.push({ variation, type, value: attributeValue(buf, pos + 2, n, type) });
        }
        pos += 2 + n;
      }
      continue;
    }
    if (sizePrefix) {
      for (let i = 0; i < count; i++) {
        if (end - pos < pfx) return 'dnp3-object-truncated';
        const n = uint(buf, pos, pfx);
        if (end - pos - pfx < n) return 'dnp3-object-truncated';
        pos += pfx + n;
      }
      continue;
    }
    const size = objectSize(group, variation);
    if (size === null) {
      out.unsized = true;
      return null;
    }
    let bytes: number;
    if (size < 0) {
      if (pfx !== 0) {
        out.unsized = true;
        return null;
      }
      bytes = Math.ceil((count * -size) / 8);
    } else {
      bytes = count * (pfx + size);
    }
    if (bytes > end - pos) return 'dnp3-object-truncated';
    pos += bytes;
  }
  return null;
}

/** A device attribute value as text: strings as Latin-1, unsigned/signed integers in decimal. */
function attributeValue(buf: Uint8Array, off: number, n: number, type: number): string {
  if ((type === 2 || type === 3) && n >= 1 && n <= 4) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (buf[off + i] as number);
    if (type === 3 && v >= 2 ** (8 * n - 1)) v -= 2 ** (8 * n);
    return String(v);
  }
  return latin1(buf.subarray(off, off + n));
}
