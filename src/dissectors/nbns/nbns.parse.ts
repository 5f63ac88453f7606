import { u16le as le16 } from '../../bytes/words.js';
/**
 * Pure NetBIOS parsers (RFC 1002): first-level name decoding, node status name lists, and the
 * datagram service header with the browser announcement it carries ([MS-BRWS]). The name
 * service packet itself has the DNS format and is read with the DNS parsers.
 */

/** A decoded NetBIOS name: 15 characters (trailing spaces trimmed) and the suffix byte. */
export interface NbName {
  name: string;
  suffix: number;
}

/**
 * First-level decoding (RFC 1001 §14.1): 32 characters 'A'..'P', each pair one byte
 * ((c1 - 'A') << 4 | (c2 - 'A')). `label` is the first label of the encoded name (the scope
 * follows as more labels). Returns null when the label is not a valid encoding.
 */
export function decodeNbName(label: string): NbName | null {
  if (label.length !== 32) return null;
  let name = '';
  let suffix = 0;
  for (let i = 0; i < 16; i++) {
    const hi = label.charCodeAt(2 * i) - 0x41;
    const lo = label.charCodeAt(2 * i + 1) - 0x41;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return null;
    const b = (hi << 4) | lo;
    if (i === 15) suffix = b;
    else name += b < 0x20 || b === 0x7f ? '.' : String.fromCharCode(b);
  }
  return { name: name.replace(/ +$/, ''), suffix };
}

/**
 * NBSTAT RDATA (RFC 1002 §4.2.18): num_names u8, then 18 bytes per name (15 name + suffix +
 * flags u16: G 0x8000 group), then statistics starting with the 6-byte unit id (often the MAC).
 */
export interface NodeStatus {
  names: { name: string; suffix: number; group: boolean }[];
  /** Unit id as a 48-bit number, -1 when absent. */
  unitId: number;
  truncated: boolean;
}

export function parseNodeStatus(buf: Uint8Array, off: number, len: number, maxNames = 64): NodeStatus {
  const out: NodeStatus = { names: [], unitId: -1, truncated: false };
  if (len < 1) {
    out.truncated = true;
    return out;
  }
  const n = buf[off] as number;
  let p = off + 1;
  const end = off + len;
  for (let i = 0; i < n; i++) {
    if (p + 18 > end) {
      out.truncated = true;
      return out;
    }
    if (out.names.length < maxNames) {
      let name = '';
      for (let j = 0; j < 15; j++) {
        const c = buf[p + j] as number;
        name += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
      }
      out.names.push({
        name: name.replace(/[ .]+$/, ''),
        suffix: buf[p + 15] as number,
        group: ((buf[p + 16] as number) & 0x80) !== 0,
      });
    }
    p += 18;
  }
  if (p + 6 <= end) {
    let mac = 0;
    for (let j = 0; j < 6; j++) mac = mac * 256 + (buf[p + j] as number);
    out.unitId = mac;
  }
  return out;
}

/**
 * Datagram header (RFC 1002 §4.4.1-4.4.2), big-endian:
 * ```
 *  0 msg_type u8   1 flags u8   2 dgm_id u16   4 source ip u32   8 source port u16
 * 10 dgm_length u16   12 packet_offset u16   (types 0x10-0x12 only)
 * 14 source name (encoded, 34 bytes for an unscoped name)   destination name   user data (SMB)
 * ```
 * The user data of a browser datagram is an SMB_COM_TRANSACTION ([MS-CIFS] §2.2.4.33) to
 * \MAILSLOT\BROWSE whose data is the browser frame ([MS-BRWS] §2.2):
 * ```
 * HostAnnouncement / LocalMasterAnnouncement / DomainAnnouncement:
 *  0 opcode u8   1 update count u8   2 periodicity u32 LE   6 server name [16] (NUL-padded)
 * 22 os major u8   23 os minor u8   24 server type u32 LE   28 browser major u8   29 minor u8
 * 30 signature u16   32 comment (NUL-terminated)
 * ```
 */
export interface Datagram {
  type: number;
  sourceIp: number;
  /** Offset of the source name, of the user data (-1 when the type has none). */
  nameOff: number;
  userOff: number;
  userLen: number;
}

export function newDatagram(): Datagram {
  return { type: 0, sourceIp: 0, nameOff: -1, userOff: -1, userLen: 0 };
}

export type DgmParseError = 'netbios-dgm-truncated' | 'netbios-dgm-bad-type' | 'netbios-dgm-bad-name';

/** Skips one encoded name (labels, no compression in datagrams); returns its end or -1. */
export function skipNbName(buf: Uint8Array, p: number, end: number): number {
  for (let i = 0; i < 16 && p < end; i++) {
    const n = buf[p] as number;
    if (n === 0) return p + 1;
    if (n > 63) return -1;
    p += 1 + n;
  }
  return -1;
}

export function parseDatagram(buf: Uint8Array, off: number, len: number, d: Datagram): DgmParseError | null {
  d.type = 0;
  d.sourceIp = 0;
  d.nameOff = -1;
  d.userOff = -1;
  d.userLen = 0;
  if (len < 10) return 'netbios-dgm-truncated';
  d.type = buf[off] as number;
  d.sourceIp =
    (((buf[off + 4] as number) << 24) |
      ((buf[off + 5] as number) << 16) |
      ((buf[off + 6] as number) << 8) |
      (buf[off + 7] as number)) >>>
    0;
  if (d.type < 0x10 || d.type > 0x16) return 'netbios-dgm-bad-type';
  if (d.type > 0x12) return null;
  if (len < 14) return 'netbios-dgm-truncated';
  const end = off + len;
  d.nameOff = off + 14;
  const a = skipNbName(buf, d.nameOff, end);
  if (a < 0) return 'netbios-dgm-bad-name';
  const b = skipNbName(buf, a, end);
  if (b < 0) return 'netbios-dgm-bad-name';
  d.userOff = b;
  d.userLen = end - b;
  return null;
}

/** A browser announcement found in a datagram's SMB payload. */
export interface Announcement {
  opcode: number;
  serverName: string;
  osMajor: number;
  osMinor: number;
  serverType: number;
  comment: string;
}

function cstr(buf: Uint8Array, p: number, end: number, max: number): string {
  let s = '';
  for (let i = p; i < end && i - p < max; i++) {
    const c = buf[i] as number;
    if (c === 0) break;
    s += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
  }
  return s.trim();
}

/**
 * The browser frame inside an SMB transaction at `off` (user data of a datagram). Returns the
 * frame's opcode and, for announcements, its fields; null when the payload is not an SMB
 * transaction with data.
 */
export function parseBrowser(buf: Uint8Array, off: number, len: number): Announcement | null {
  const end = off + len;
  // SMB header: \xFFSMB, command 0x25 (TRANSACTION), 32 bytes; then word count 17.
  if (len < 33 + 2 * 14 || buf[off] !== 0xff || buf[off + 1] !== 0x53 || buf[off + 2] !== 0x4d || buf[off + 3] !== 0x42)
    return null;
  if (buf[off + 4] !== 0x25) return null;
  const words = off + 33;
  if ((buf[off + 32] as number) < 14) return null;
  const dataCount = le16(buf, words + 22);
  const dataOff = off + le16(buf, words + 24);
  if (dataCount < 1 || dataOff < off + 33 || dataOff + dataCount > end) return null;
  const opcode = buf[dataOff] as number;
  const a: Announcement = { opcode, serverName: '', osMajor: -1, osMinor: -1, serverType: 0, comment: '' };
  if (opcode !== 1 && opcode !== 12 && opcode !== 15) return a;
  if (dataCount < 32) return a;
  const p = dataOff;
  a.serverName = cstr(buf, p + 6, p + 22, 16);
  a.osMajor = buf[p + 22] as number;
  a.osMinor = buf[p + 23] as number;
  a.serverType = (le16(buf, p + 24) + le16(buf, p + 26) * 65536) >>> 0;
  a.comment = cstr(buf, p + 32, dataOff + dataCount, 128);
  return a;
}
