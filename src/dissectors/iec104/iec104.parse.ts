import { LIMITS } from '../../bytes/errors.js';
import { APCI_LEN, elementSize, MAX_APDU_LENGTH, MIN_APDU_LENGTH, START } from './iec104.consts.js';

/**
 * Pure IEC 60870-5-104 parsers ("104 §x"; ASDU fields from IEC 60870-5-101, "101 §x"). Bytes
 * in, fields out into caller-owned structs; nothing throws or allocates.
 */

export type Iec104ParseError =
  | 'iec104-bad-start'
  | 'iec104-bad-length'
  | 'iec104-asdu-truncated'
  | 'iec104-unknown-type'
  | 'iec104-object-count-mismatch'
  | 'iec104-too-many-objects';

/**
 * APCI (104 §5):
 * ```
 *  0  start      0x68
 *  1  length     u8   control field + ASDU (4..253)
 *  2  control    4 octets:
 *     I format   octet1 bit0 = 0: N(S) = (o1 | o2 << 8) >> 1, N(R) = (o3 | o4 << 8) >> 1, then an ASDU
 *     S format   o1 = 0x01: N(R) in o3/o4
 *     U format   o1 & 0x03 = 0x03: o1 = function (STARTDT/STOPDT/TESTFR act/con)
 * ```
 */
export interface Apci {
  length: number;
  format: 'I' | 'S' | 'U';
  sendSeq: number;
  recvSeq: number;
  /** U format: octet 1. */
  uFunction: number;
}

export function newApci(): Apci {
  return { length: 0, format: 'I', sendSeq: 0, recvSeq: 0, uFunction: 0 };
}

/** Reads an APCI at `off` (needs 6 bytes). */
export function parseApci(buf: Uint8Array, off: number, len: number, out: Apci): Iec104ParseError | null {
  if (len < 2) return 'iec104-bad-length';
  if (buf[off] !== START) return 'iec104-bad-start';
  out.length = buf[off + 1] as number;
  if (out.length < MIN_APDU_LENGTH || out.length > MAX_APDU_LENGTH) return 'iec104-bad-length';
  if (len < APCI_LEN) return null;
  const o1 = buf[off + 2] as number;
  const o2 = buf[off + 3] as number;
  const o3 = buf[off + 4] as number;
  const o4 = buf[off + 5] as number;
  out.recvSeq = (o3 | (o4 << 8)) >> 1;
  out.uFunction = 0;
  out.sendSeq = 0;
  if ((o1 & 0x01) === 0) {
    out.format = 'I';
    out.sendSeq = (o1 | (o2 << 8)) >> 1;
  } else if ((o1 & 0x03) === 0x01) {
    out.format = 'S';
  } else {
    out.format = 'U';
    out.uFunction = o1;
  }
  // S and U frames are exactly 4 control octets.
  if (out.format !== 'I' && out.length !== MIN_APDU_LENGTH) return 'iec104-bad-length';
  return null;
}

/**
 * ASDU (101 §7, with the 104 field sizes: COT 2 octets, common address 2, IOA 3):
 * ```
 *  0  type id              u8
 *  1  variable structure   SQ 0x80 (one IOA, then consecutive elements), number of objects 0x7f
 *  2  cause                T (test) 0x80, P/N (negative) 0x40, cause 0x3f
 *  3  originator address   u8
 *  4  common address       u16le
 *  6  objects              IOA u24le + element, per object (SQ=0); IOA once then elements (SQ=1)
 * ```
 */
export interface Asdu {
  type: number;
  sq: boolean;
  count: number;
  cause: number;
  test: boolean;
  negative: boolean;
  originator: number;
  commonAddress: number;
  /** First information object address, -1 when none. */
  ioa: number;
  /** First element's first octet (command qualifier, QOI...), -1 when none. */
  firstValue: number;
}

export function newAsdu(): Asdu {
  return {
    type: 0,
    sq: false,
    count: 0,
    cause: 0,
    test: false,
    negative: false,
    originator: 0,
    commonAddress: 0,
    ioa: -1,
    firstValue: -1,
  };
}

export const ASDU_HEADER_LEN = 6;

export function parseAsdu(buf: Uint8Array, off: number, len: number, out: Asdu): Iec104ParseError | null {
  out.ioa = -1;
  out.firstValue = -1;
  if (len < ASDU_HEADER_LEN) return 'iec104-asdu-truncated';
  out.type = buf[off] as number;
  const vsq = buf[off + 1] as number;
  out.sq = (vsq & 0x80) !== 0;
  out.count = vsq & 0x7f;
  const cot = buf[off + 2] as number;
  out.cause = cot & 0x3f;
  out.negative = (cot & 0x40) !== 0;
  out.test = (cot & 0x80) !== 0;
  out.originator = buf[off + 3] as number;
  out.commonAddress = (buf[off + 4] as number) | ((buf[off + 5] as number) << 8);
  const body = len - ASDU_HEADER_LEN;
  const p = off + ASDU_HEADER_LEN;
  if (body >= 3) out.ioa = (buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16);
  if (body >= 4) out.firstValue = buf[p + 3] as number;
  const size = elementSize(out.type);
  if (size === -2) return 'iec104-unknown-type';
  if (out.count > LIMITS.maxItems) return 'iec104-too-many-objects';
  if (size === -1) return body >= 3 ? null : 'iec104-asdu-truncated';
  const need = out.count === 0 ? 0 : out.sq ? 3 + out.count * size : out.count * (3 + size);
  if (body < need) return 'iec104-asdu-truncated';
  if (body > need) return 'iec104-object-count-mismatch';
  return null;
}
