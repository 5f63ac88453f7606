import { u16be as u16, u32be as u32 } from '../../bytes/words.js';
import { CONTROL_HEADER_LEN, MAX_EXTENSIONS, Mode, NTP_HEADER_LEN, PRIVATE_HEADER_LEN } from './ntp.consts.js';

/**
 * Pure NTP parsers (RFC 5905, RFC 7822, RFC 9327, ntpd mode 7). Bytes in, fields out, into a
 * caller-owned struct reused for every packet; a non-null return is an anomaly code.
 */

export type NtpParseError =
  | 'ntp-truncated'
  | 'ntp-bad-version'
  | 'ntp-reserved-mode'
  | 'ntp-bad-extension'
  | 'ntp-control-truncated'
  | 'ntp-private-truncated';

/**
 * Modes 1-5 (RFC 5905 §7.3), big-endian:
 * ```
 *  0 LI(2) VN(3) Mode(3)   1 stratum u8   2 poll i8 (log2 s)   3 precision i8 (log2 s)
 *  4 root delay u32 (16.16 s)   8 root dispersion u32 (16.16 s)   12 reference id [4]
 * 16 reference ts u64  24 origin ts u64  32 receive ts u64  40 transmit ts u64 (32.32 s since 1900)
 * 48 extension fields (type u16, length u16 >= 16, multiple of 4; RFC 7822), then an optional
 *    MAC: key id u32 + digest (16 MD5 / 20 SHA-1 bytes), or a 4-byte crypto-NAK
 * ```
 * Mode 6 control (RFC 9327 §2): 0 LI VN Mode, 1 R(0x80) E(0x40) M(0x20) opcode(5), 2 sequence
 * u16, 4 status u16, 6 association id u16, 8 offset u16, 10 count u16, 12 data.
 * Mode 7 private (ntpd): 0 R(0x80) M(0x40) VN(3) Mode(3), 1 A(0x80) sequence(7),
 * 2 implementation u8, 3 request code u8, 4 err(4) nitems(12), 6 mbz(4) itemsize(12), 8 data.
 */
export interface NtpPacket {
  li: number;
  version: number;
  mode: number;
  stratum: number;
  poll: number;
  precision: number;
  rootDelay: number;
  rootDisp: number;
  /** Offset of the 4-byte reference id in the buffer. */
  refIdOff: number;
  refTsSec: number;
  orgTsSec: number;
  orgTsFrac: number;
  recTsSec: number;
  xmtTsSec: number;
  xmtTsFrac: number;
  numExts: number;
  /** Mode 6/7. */
  response: boolean;
  error: boolean;
  more: boolean;
  opcode: number;
  sequence: number;
  status: number;
  associationId: number;
  implementation: number;
  reqCode: number;
  errCode: number;
  nItems: number;
}

export function newNtpPacket(): NtpPacket {
  const p = {} as NtpPacket;
  resetNtpPacket(p);
  return p;
}

export function resetNtpPacket(p: NtpPacket): void {
  p.li = 0;
  p.version = 0;
  p.mode = 0;
  p.stratum = 0;
  p.poll = 0;
  p.precision = 0;
  p.rootDelay = 0;
  p.rootDisp = 0;
  p.refIdOff = 0;
  p.refTsSec = 0;
  p.orgTsSec = 0;
  p.orgTsFrac = 0;
  p.recTsSec = 0;
  p.xmtTsSec = 0;
  p.xmtTsFrac = 0;
  p.numExts = 0;
  p.response = false;
  p.error = false;
  p.more = false;
  p.opcode = -1;
  p.sequence = -1;
  p.status = -1;
  p.associationId = -1;
  p.implementation = -1;
  p.reqCode = -1;
  p.errCode = -1;
  p.nItems = -1;
}

function i8(v: number): number {
  return v > 127 ? v - 256 : v;
}

/** True when the first byte and size are plausible for NTP (version 1-4, a size that fits the mode). */
export function plausibleNtp(buf: Uint8Array, off: number, len: number): boolean {
  if (len < 1) return false;
  const b = buf[off] as number;
  const vn = (b >> 3) & 7;
  const mode = b & 7;
  if (vn < 1 || vn > 4 || mode === 0) return false;
  if (mode === Mode.CONTROL) return len >= CONTROL_HEADER_LEN;
  if (mode === Mode.PRIVATE) return len >= PRIVATE_HEADER_LEN;
  return len >= NTP_HEADER_LEN;
}

export function parseNtp(buf: Uint8Array, off: number, len: number, p: NtpPacket): NtpParseError | null {
  resetNtpPacket(p);
  if (len < 1) return 'ntp-truncated';
  const b0 = buf[off] as number;
  p.li = b0 >> 6;
  p.version = (b0 >> 3) & 7;
  p.mode = b0 & 7;
  if (p.mode === Mode.CONTROL) return parseControl(buf, off, len, p);
  if (p.mode === Mode.PRIVATE) return parsePrivate(buf, off, len, p);
  if (len < NTP_HEADER_LEN) return 'ntp-truncated';
  p.stratum = buf[off + 1] as number;
  p.poll = i8(buf[off + 2] as number);
  p.precision = i8(buf[off + 3] as number);
  p.rootDelay = u32(buf, off + 4) / 65536;
  p.rootDisp = u32(buf, off + 8) / 65536;
  p.refIdOff = off + 12;
  p.refTsSec = u32(buf, off + 16);
  p.orgTsSec = u32(buf, off + 24);
  p.orgTsFrac = u32(buf, off + 28);
  p.recTsSec = u32(buf, off + 32);
  p.xmtTsSec = u32(buf, off + 40);
  p.xmtTsFrac = u32(buf, off + 44);
  if (p.version < 1 || p.version > 4) return 'ntp-bad-version';
  if (p.mode === Mode.RESERVED) return 'ntp-reserved-mode';
  return parseExtensions(buf, off + NTP_HEADER_LEN, len - NTP_HEADER_LEN, p);
}

/**
 * After the header: nothing, a MAC (4 + 16 or 4 + 20 bytes), a crypto-NAK (4), or extension
 * fields (RFC 7822 §7.5: a packet with extensions ends with a MAC unless the field is > 28 bytes).
 */
function parseExtensions(buf: Uint8Array, pos: number, rem: number, p: NtpPacket): NtpParseError | null {
  while (rem > 0) {
    if (rem === 4 || rem === 20 || rem === 24) return null;
    if (rem < 16 || p.numExts >= MAX_EXTENSIONS) return 'ntp-bad-extension';
    const n = u16(buf, pos + 2);
    if (n < 16 || n % 4 !== 0 || n > rem) return 'ntp-bad-extension';
    p.numExts++;
    pos += n;
    rem -= n;
  }
  return null;
}

function parseControl(buf: Uint8Array, off: number, len: number, p: NtpPacket): NtpParseError | null {
  if (len < CONTROL_HEADER_LEN) return 'ntp-control-truncated';
  const b1 = buf[off + 1] as number;
  p.response = (b1 & 0x80) !== 0;
  p.error = (b1 & 0x40) !== 0;
  p.more = (b1 & 0x20) !== 0;
  p.opcode = b1 & 0x1f;
  p.sequence = u16(buf, off + 2);
  p.status = u16(buf, off + 4);
  p.associationId = u16(buf, off + 6);
  const count = u16(buf, off + 10);
  if (CONTROL_HEADER_LEN + count > len) return 'ntp-control-truncated';
  return null;
}

function parsePrivate(buf: Uint8Array, off: number, len: number, p: NtpPacket): NtpParseError | null {
  if (len < PRIVATE_HEADER_LEN) return 'ntp-private-truncated';
  const b0 = buf[off] as number;
  p.response = (b0 & 0x80) !== 0;
  p.more = (b0 & 0x40) !== 0;
  p.sequence = (buf[off + 1] as number) & 0x7f;
  p.implementation = buf[off + 2] as number;
  p.reqCode = buf[off + 3] as number;
  const w = u16(buf, off + 4);
  p.errCode = w >> 12;
  p.nItems = w & 0xfff;
  return null;
}

/**
 * The reference id as Zeek's ntp.log writes it: for stratum 0 (kiss code) and 1 (source, e.g.
 * 'GPS', 'PPS') the 4 bytes as text, NULs dropped; above, the upstream server's IPv4 address.
 */
export function refIdString(buf: Uint8Array, off: number, stratum: number): string {
  if (stratum <= 1) {
    let s = '';
    for (let i = 0; i < 4; i++) {
      const c = buf[off + i] as number;
      if (c === 0) continue;
      s += c < 0x20 || c > 0x7e ? '.' : String.fromCharCode(c);
    }
    return s;
  }
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}
