import { LIMITS } from '../../bytes/errors.js';
import { latin1 } from '../../bytes/reader.js';
import {
  Cotp,
  CotpParam,
  Fn,
  PLUS_INTEGRITY_LEN,
  PLUS_VERSION_KEEPALIVE,
  PlusOpcode,
  Rosctr,
  S7_PROTOCOL_ID,
  S7PLUS_PROTOCOL_ID,
  TPKT_HEADER_LEN,
  TPKT_MIN_LEN,
  TPKT_VERSION,
} from './s7comm.consts.js';

/**
 * Pure TPKT / COTP / S7comm / S7comm-plus parsers. Bytes in, fields out; nothing here keeps
 * state or throws. Hot-path parsers fill caller-owned structs and return `null` or an anomaly
 * code (fields that could be read are still filled). Identity parsers (SZL lists, COTP
 * parameters, S7comm-plus strings) allocate their results; they run once per answer.
 *
 * References: RFC 1006 (TPKT), ISO 8073 / X.224 (COTP), Wireshark `packet-s7comm.c`,
 * `packet-s7comm_szl_ids.c`, the S7comm-plus Wireshark plugin (Thomas Wiens), CISA ICSNPP
 * `s7comm-protocol.pac`.
 */

export type S7ParseError =
  | 's7comm-tpkt-bad-version'
  | 's7comm-tpkt-bad-length'
  | 's7comm-cotp-bad-length'
  | 's7comm-cotp-truncated'
  | 's7comm-header-truncated'
  | 's7comm-bad-rosctr'
  | 's7comm-length-mismatch'
  | 's7comm-param-truncated'
  | 's7comm-data-truncated'
  | 's7comm-item-count-mismatch'
  | 's7comm-userdata-bad-head'
  | 's7comm-plus-truncated'
  | 's7comm-plus-bad-length';

const u16 = (b: Uint8Array, o: number): number => ((b[o] as number) << 8) | (b[o + 1] as number);
const u32 = (b: Uint8Array, o: number): number => u16(b, o) * 0x10000 + u16(b, o + 2);

/**
 * TPKT (RFC 1006 §6) + COTP header (ISO 8073 §13):
 * ```
 *  0  version        u8    3
 *  1  reserved       u8
 *  2  length         u16   whole TPKT, header included (7..65535)
 *  4  LI             u8    COTP header length, excluding this byte
 *  5  PDU type       u8    high nibble: 0xE CR, 0xD CC, 0x8 DR, 0xC DC, 0xF DT, 0x7 ER...
 *     DT (class 0):  6  TPDU number u7 | EOT 0x80 (last data unit of the TSDU)
 *     CR/CC/DR:      6  destination ref u16, 8 source ref u16,
 *                    10 class/option u8 (CR/CC) or reason u8 (DR), then parameters (code u8, len u8, value)
 *  4+1+LI  user data (S7comm / S7comm-plus), up to the TPKT length
 * ```
 */
export interface CotpPdu {
  tpktLen: number;
  li: number;
  /** PDU type nibble (Cotp.*). */
  type: number;
  /** DT: TPDU number and end-of-TSDU mark. */
  tpduNr: number;
  eot: boolean;
  dstRef: number;
  srcRef: number;
  /** CR/CC: class and option byte; DR: reason. */
  classOrReason: number;
  /** CR/CC: variable part (parameters). */
  paramOff: number;
  paramLen: number;
  /** User data after the COTP header. */
  payloadOff: number;
  payloadLen: number;
}

export function newCotpPdu(): CotpPdu {
  return {
    tpktLen: 0,
    li: 0,
    type: 0,
    tpduNr: 0,
    eot: false,
    dstRef: 0,
    srcRef: 0,
    classOrReason: 0,
    paramOff: 0,
    paramLen: 0,
    payloadOff: 0,
    payloadLen: 0,
  };
}

/** Reads a TPKT header at `off` (needs 4 bytes): the frame length, or -1 when it is not a TPKT. */
export function tpktLength(buf: Uint8Array, off: number, len: number): number {
  if (len < TPKT_HEADER_LEN) return -1;
  if (buf[off] !== TPKT_VERSION) return -1;
  const n = u16(buf, off + 2);
  return n < TPKT_MIN_LEN ? -1 : n;
}

/** True when a plausible TPKT+COTP frame starts at `off` (needs 6 bytes): used to resync and probe. */
export function plausibleTpkt(buf: Uint8Array, off: number, len: number): boolean {
  if (len < 6 || buf[off] !== TPKT_VERSION || buf[off + 1] !== 0) return false;
  const n = u16(buf, off + 2);
  const li = buf[off + 4] as number;
  const t = (buf[off + 5] as number) >> 4;
  return (
    n >= TPKT_MIN_LEN &&
    li >= 1 &&
    li + 5 <= n &&
    (t === Cotp.DT || t === Cotp.CR || t === Cotp.CC || t === Cotp.DR || t === Cotp.DC)
  );
}

/**
 * `tpktLength`, and with 6 bytes or more `plausibleTpkt`, in one pass (once per frame): the
 * frame's TPKT length, or -1 when no plausible TPKT+COTP frame starts at `off`.
 */
export function frameLength(buf: Uint8Array, off: number, len: number): number {
  if (len < TPKT_HEADER_LEN || buf[off] !== TPKT_VERSION) return -1;
  const n = u16(buf, off + 2);
  if (n < TPKT_MIN_LEN) return -1;
  if (len < 6) return n;
  if (buf[off + 1] !== 0) return -1;
  const li = buf[off + 4] as number;
  const t = (buf[off + 5] as number) >> 4;
  return li >= 1 && li + 5 <= n && (t === Cotp.DT || t === Cotp.CR || t === Cotp.CC || t === Cotp.DR || t === Cotp.DC)
    ? n
    : -1;
}

/** Parses one complete TPKT frame of `len` bytes (= its TPKT length) at `off`. */
export function parseCotp(buf: Uint8Array, off: number, len: number, out: CotpPdu): S7ParseError | null {
  out.tpktLen = len;
  out.payloadOff = off + len;
  out.payloadLen = 0;
  out.paramOff = 0;
  out.paramLen = 0;
  out.eot = false;
  if (len < TPKT_MIN_LEN) return 's7comm-tpkt-bad-length';
  if (buf[off] !== TPKT_VERSION) return 's7comm-tpkt-bad-version';
  out.li = buf[off + 4] as number;
  out.type = (buf[off + 5] as number) >> 4;
  if (out.li < 1 || 5 + out.li > len) return 's7comm-cotp-bad-length';
  const p = off + 5;
  if (out.type === Cotp.DT) {
    if (out.li < 2) return 's7comm-cotp-bad-length';
    const b = buf[p + 1] as number;
    out.tpduNr = b & 0x7f;
    out.eot = (b & 0x80) !== 0;
  } else if (out.type === Cotp.CR || out.type === Cotp.CC || out.type === Cotp.DR || out.type === Cotp.DC) {
    const fixedLen = out.type === Cotp.DC ? 5 : 6;
    if (out.li < fixedLen) return 's7comm-cotp-bad-length';
    out.dstRef = u16(buf, p + 1);
    out.srcRef = u16(buf, p + 3);
    out.classOrReason = out.type === Cotp.DC ? 0 : (buf[p + 5] as number);
    out.paramOff = p + fixedLen;
    out.paramLen = out.li - fixedLen;
  }
  out.payloadOff = off + 5 + out.li;
  out.payloadLen = len - 5 - out.li;
  return null;
}

/** COTP CR/CC parameters that identify the endpoints (ISO 8073 §13.3.4). */
export interface CotpParams {
  /** TPDU size in bytes (2^n of parameter 0xC0), or -1. */
  tpduSize: number;
  callingTsap: Uint8Array | null;
  calledTsap: Uint8Array | null;
  error: S7ParseError | null;
}

export function parseCotpParams(buf: Uint8Array, off: number, len: number): CotpParams {
  const r: CotpParams = { tpduSize: -1, callingTsap: null, calledTsap: null, error: null };
  let p = off;
  const end = off + len;
  for (let n = 0; p < end && n < LIMITS.maxItems; n++) {
    if (end - p < 2) {
      r.error = 's7comm-cotp-truncated';
      break;
    }
    const code = buf[p] as number;
    const plen = buf[p + 1] as number;
    if (end - p - 2 < plen) {
      r.error = 's7comm-cotp-truncated';
      break;
    }
    const v = buf.subarray(p + 2, p + 2 + plen);
    if (code === CotpParam.TPDU_SIZE && plen === 1) r.tpduSize = 2 ** Math.min(v[0] as number, 16);
    else if (code === CotpParam.CALLING_TSAP) r.callingTsap = v;
    else if (code === CotpParam.CALLED_TSAP) r.calledTsap = v;
    p += 2 + plen;
  }
  return r;
}

/**
 * A TSAP as text: printable names ('SIMATIC-ROOT-ES' of S7-1200/1500 connections) as they are,
 * binary TSAPs as hex ('0102').
 */
export function tsapText(t: Uint8Array): string {
  let printable = t.length >= 3;
  for (let i = 0; i < t.length && printable; i++) {
    const c = t[i] as number;
    if (c < 0x20 || c > 0x7e) printable = false;
  }
  if (printable) return latin1(t);
  let s = '';
  for (let i = 0; i < Math.min(t.length, 32); i++) s += (t[i] as number).toString(16).padStart(2, '0');
  return s;
}

/**
 * A classic 2-byte S7 TSAP: connection type (1 PG, 2 OP, 3 S7 basic, 0x10.. others) and
 * rack/slot (byte 1: rack << 5 | slot). -1s when the TSAP is not of that form.
 */
export function tsapRackSlot(t: Uint8Array | null): { connType: number; rack: number; slot: number } {
  if (t === null || t.length !== 2) return { connType: -1, rack: -1, slot: -1 };
  const b = t[1] as number;
  return { connType: t[0] as number, rack: b >> 5, slot: b & 0x1f };
}

/**
 * S7comm header (Wireshark `s7comm_decode_req_resp`), big-endian:
 * ```
 *  0  protocol id     u8    0x32
 *  1  ROSCTR          u8    1 job, 2 ack, 3 ack-data, 7 userdata
 *  2  redundancy id   u16   reserved
 *  4  PDU reference   u16   set by the requester, echoed in the answer
 *  6  parameter len   u16
 *  8  data len        u16
 * 10  error class     u8    (ROSCTR 2 and 3 only)
 * 11  error code      u8    (ROSCTR 2 and 3 only)
 * ```
 * then `parameter len` bytes of parameters and `data len` bytes of data.
 */
export interface S7Header {
  rosctr: number;
  pduRef: number;
  paramLen: number;
  dataLen: number;
  errorClass: number;
  errorCode: number;
  paramOff: number;
  dataOff: number;
}

export function newS7Header(): S7Header {
  return { rosctr: 0, pduRef: 0, paramLen: 0, dataLen: 0, errorClass: -1, errorCode: -1, paramOff: 0, dataOff: 0 };
}

export function parseS7Header(buf: Uint8Array, off: number, len: number, out: S7Header): S7ParseError | null {
  out.errorClass = -1;
  out.errorCode = -1;
  out.paramLen = 0;
  out.dataLen = 0;
  if (len < 10 || buf[off] !== S7_PROTOCOL_ID) return 's7comm-header-truncated';
  out.rosctr = buf[off + 1] as number;
  out.pduRef = u16(buf, off + 4);
  out.paramLen = u16(buf, off + 6);
  out.dataLen = u16(buf, off + 8);
  let h = 10;
  if (out.rosctr === Rosctr.ACK || out.rosctr === Rosctr.ACK_DATA) {
    if (len < 12) return 's7comm-header-truncated';
    out.errorClass = buf[off + 10] as number;
    out.errorCode = buf[off + 11] as number;
    h = 12;
  }
  out.paramOff = off + h;
  out.dataOff = off + h + out.paramLen;
  if (
    out.rosctr !== Rosctr.JOB &&
    out.rosctr !== Rosctr.ACK &&
    out.rosctr !== Rosctr.ACK_DATA &&
    out.rosctr !== Rosctr.USERDATA
  ) {
    return 's7comm-bad-rosctr';
  }
  if (h + out.paramLen + out.dataLen !== len) {
    // Clamp so that later parsers stay inside the PDU.
    const avail = Math.max(0, len - h);
    if (out.paramLen > avail) out.paramLen = avail;
    if (out.paramLen + out.dataLen > avail) out.dataLen = avail - out.paramLen;
    out.dataOff = off + h + out.paramLen;
    return 's7comm-length-mismatch';
  }
  return null;
}

/**
 * Job (ROSCTR 1) and ACK-Data (ROSCTR 3) parameters, by function (Wireshark
 * `s7comm_decode_req_resp`):
 * ```
 * F0 setup communication  res u8, max AmQ calling u16, max AmQ called u16, PDU size u16
 * 04 05 read/write var    item count u8, items: 0x12, spec len u8, syntax id u8 (0x10 S7ANY:
 *                         transport size u8, length u16, DB u16, area u8, address u24 bits)
 *                         ack-data: item count u8; data: per item return code u8, ...
 * 1A 1B 1C 1D 1E 1F       function status u8, res/error u16, session id u32, [filename len u8,
 *                         filename '_' + block type (2) + number (5) + filesystem (1)]
 *                         1D ack-data: status u8, res u16, id u32, block length string len u8 + digits
 * 28 PLC control          unknown 7 bytes, param block len u16, param block, service len u8, PI service
 * 29 PLC stop             unknown 5 bytes, service len u8, PI service ('P_PROGRAM')
 * ```
 */
export interface S7Job {
  fn: number;
  itemCount: number;
  /** First S7ANY item (or -1): syntax id, area, DB, byte address, bit, transport size, length. */
  syntaxId: number;
  area: number;
  db: number;
  address: number;
  bit: number;
  transportSize: number;
  length: number;
  /** Setup communication. */
  amqCalling: number;
  amqCalled: number;
  pduSize: number;
  /** Upload/download: function status, session (upload) id. */
  status: number;
  sessionId: number;
  /** Upload/download file name, PLC control parameter block and PI service (offset/length). */
  fileOff: number;
  fileLen: number;
  blockOff: number;
  blockLen: number;
  piOff: number;
  piLen: number;
}

export function newS7Job(): S7Job {
  const j = {} as S7Job;
  resetJob(j);
  return j;
}

function resetJob(j: S7Job): void {
  j.fn = -1;
  j.itemCount = -1;
  j.syntaxId = -1;
  j.area = -1;
  j.db = -1;
  j.address = -1;
  j.bit = -1;
  j.transportSize = -1;
  j.length = -1;
  j.amqCalling = -1;
  j.amqCalled = -1;
  j.pduSize = -1;
  j.status = -1;
  j.sessionId = -1;
  j.fileOff = 0;
  j.fileLen = 0;
  j.blockOff = 0;
  j.blockLen = 0;
  j.piOff = 0;
  j.piLen = 0;
}

/** Parses the parameters of a job request (`p`, `n` = parameter offset and length). */
export function parseJob(buf: Uint8Array, p: number, n: number, out: S7Job): S7ParseError | null {
  resetJob(out);
  if (n < 1) return 's7comm-param-truncated';
  out.fn = buf[p] as number;
  switch (out.fn) {
    case Fn.SETUP_COMMUNICATION:
      if (n < 8) return 's7comm-param-truncated';
      out.amqCalling = u16(buf, p + 2);
      out.amqCalled = u16(buf, p + 4);
      out.pduSize = u16(buf, p + 6);
      return null;
    case Fn.READ_VAR:
    case Fn.WRITE_VAR:
      return parseItems(buf, p, n, out);
    case Fn.REQUEST_DOWNLOAD:
    case Fn.DOWNLOAD_BLOCK:
    case Fn.DOWNLOAD_ENDED:
    case Fn.START_UPLOAD:
    case Fn.UPLOAD:
    case Fn.END_UPLOAD: {
      if (n < 8) return 's7comm-param-truncated';
      out.status = buf[p + 1] as number;
      out.sessionId = u32(buf, p + 4);
      if (out.fn === Fn.UPLOAD || out.fn === Fn.END_UPLOAD) return null;
      if (n < 9) return 's7comm-param-truncated';
      const fl = buf[p + 8] as number;
      out.fileOff = p + 9;
      out.fileLen = Math.min(fl, n - 9);
      return fl > n - 9 ? 's7comm-param-truncated' : null;
    }
    case Fn.PLC_CONTROL: {
      if (n < 10) return 's7comm-param-truncated';
      const bl = u16(buf, p + 8);
      if (n < 10 + bl + 1) return 's7comm-param-truncated';
      out.blockOff = p + 10;
      out.blockLen = bl;
      const sl = buf[p + 10 + bl] as number;
      out.piOff = p + 11 + bl;
      out.piLen = Math.min(sl, n - 11 - bl);
      return sl > n - 11 - bl ? 's7comm-param-truncated' : null;
    }
    case Fn.PLC_STOP: {
      if (n < 7) return 's7comm-param-truncated';
      const sl = buf[p + 6] as number;
      out.piOff = p + 7;
      out.piLen = Math.min(sl, n - 7);
      return sl > n - 7 ? 's7comm-param-truncated' : null;
    }
    default:
      return null;
  }
}

/** Read/write var request items; only the first S7ANY item's address is kept. */
function parseItems(buf: Uint8Array, p: number, n: number, out: S7Job): S7ParseError | null {
  if (n < 2) return 's7comm-param-truncated';
  out.itemCount = buf[p + 1] as number;
  let q = p + 2;
  const end = p + n;
  const count = Math.min(out.itemCount, LIMITS.maxItems);
  for (let i = 0; i < count; i++) {
    if (end - q < 2) return 's7comm-item-count-mismatch';
    const specLen = buf[q + 1] as number;
    if (end - q - 2 < specLen) return 's7comm-param-truncated';
    if (i === 0 && specLen >= 1) {
      out.syntaxId = buf[q + 2] as number;
      if (out.syntaxId === 0x10 && specLen >= 10) {
        out.transportSize = buf[q + 3] as number;
        out.length = u16(buf, q + 4);
        out.db = u16(buf, q + 6);
        out.area = buf[q + 8] as number;
        const bits = ((buf[q + 9] as number) << 16) | ((buf[q + 10] as number) << 8) | (buf[q + 11] as number);
        out.address = bits >>> 3;
        out.bit = bits & 7;
      }
    }
    q += 2 + specLen;
  }
  if (q !== end) return 's7comm-item-count-mismatch';
  return null;
}

/** ACK-Data of read/write var: per-item return codes (0xFF success). */
export interface ItemResults {
  count: number;
  failed: number;
  firstError: number;
}

export function newItemResults(): ItemResults {
  return { count: 0, failed: 0, firstError: -1 };
}

/**
 * Read var ack data: items of return code u8, transport size u8, length u16 (bits for sizes
 * 3/4/5, bytes otherwise), data, pad byte to even length except after the last item.
 * Write var ack data: one return code u8 per item.
 */
export function parseItemResults(
  buf: Uint8Array,
  d: number,
  n: number,
  items: number,
  write: boolean,
  out: ItemResults,
): S7ParseError | null {
  out.count = 0;
  out.failed = 0;
  out.firstError = -1;
  let q = d;
  const end = d + n;
  const count = Math.min(items, LIMITS.maxItems);
  for (let i = 0; i < count; i++) {
    if (q >= end) return 's7comm-data-truncated';
    const rc = buf[q] as number;
    out.count++;
    if (rc !== 0xff) {
      out.failed++;
      if (out.firstError < 0) out.firstError = rc;
    }
    if (write) {
      q++;
      continue;
    }
    if (end - q < 4) {
      // A failed last item may be its return code alone.
      return rc === 0xff ? 's7comm-data-truncated' : null;
    }
    if (rc !== 0xff) {
      // A failed item is its 4-byte header without data (Wireshark: length 0 unless 0xFF).
      q += 4;
      continue;
    }
    const ts = buf[q + 1] as number;
    let l = u16(buf, q + 2);
    if (ts === 0x03 || ts === 0x04 || ts === 0x05) l = (l + 7) >> 3;
    q += 4 + l;
    if (q > end) return 's7comm-data-truncated';
    if (l & 1 && i < count - 1) q++;
  }
  return null;
}

/**
 * Userdata parameters and data header (Wireshark `s7comm_decode_ud`):
 * ```
 * params  0  head            u24   0x000112
 *         3  param length    u8    4 or 8
 *         4  method          u8    0x11 request, 0x12 response
 *         5  type | group    u8    type (high nibble) 0 push, 4 request, 8 response; group (low)
 *         6  subfunction     u8
 *         7  sequence number u8
 *         8  data unit ref   u8    (length 8 only) fragments of one answer share it
 *         9  last data unit  u8    0 = last, else more follows
 *        10  error code      u16
 * data    0  return code     u8    0xFF success
 *         1  transport size  u8
 *         2  length          u16   of what follows
 *         4  payload         SZL read: SZL id u16, index u16 (answer: record length u16,
 *                            record count u16, records); password: 8 obfuscated bytes...
 * ```
 */
export interface S7Userdata {
  method: number;
  typeGroup: number;
  group: number;
  /** 0 push, 4 request, 8 response. */
  type: number;
  sub: number;
  seq: number;
  dataUnitRef: number;
  lastUnit: boolean;
  /** Parameter error code (length-8 parameters), else -1. */
  paramError: number;
  returnCode: number;
  transportSize: number;
  payloadOff: number;
  payloadLen: number;
}

export function newS7Userdata(): S7Userdata {
  return {
    method: 0,
    typeGroup: 0,
    group: 0,
    type: 0,
    sub: 0,
    seq: 0,
    dataUnitRef: 0,
    lastUnit: true,
    paramError: -1,
    returnCode: -1,
    transportSize: -1,
    payloadOff: 0,
    payloadLen: 0,
  };
}

export function parseUserdata(
  buf: Uint8Array,
  p: number,
  n: number,
  d: number,
  dn: number,
  out: S7Userdata,
): S7ParseError | null {
  out.paramError = -1;
  out.returnCode = -1;
  out.transportSize = -1;
  out.dataUnitRef = 0;
  out.lastUnit = true;
  out.payloadOff = d;
  out.payloadLen = 0;
  if (n < 8) return 's7comm-param-truncated';
  if (buf[p] !== 0x00 || buf[p + 1] !== 0x01 || buf[p + 2] !== 0x12) return 's7comm-userdata-bad-head';
  const plen = buf[p + 3] as number;
  out.method = buf[p + 4] as number;
  out.typeGroup = buf[p + 5] as number;
  out.type = out.typeGroup >> 4;
  out.group = out.typeGroup & 0x0f;
  out.sub = buf[p + 6] as number;
  out.seq = buf[p + 7] as number;
  if (plen >= 8) {
    if (n < 12) return 's7comm-param-truncated';
    out.dataUnitRef = buf[p + 8] as number;
    out.lastUnit = buf[p + 9] === 0;
    out.paramError = u16(buf, p + 10);
  }
  if (dn >= 4) {
    out.returnCode = buf[d] as number;
    out.transportSize = buf[d + 1] as number;
    const l = u16(buf, d + 2);
    out.payloadOff = d + 4;
    out.payloadLen = Math.min(l, dn - 4);
    if (l > dn - 4) return 's7comm-data-truncated';
  } else if (dn > 0) {
    return 's7comm-data-truncated';
  }
  return null;
}

/** SZL answer header: SZL id u16, index u16, record length u16, record count u16. */
export interface SzlHeader {
  id: number;
  index: number;
  recLen: number;
  count: number;
}

export function parseSzlHeader(buf: Uint8Array, off: number, len: number): SzlHeader | null {
  if (len < 8) return null;
  return { id: u16(buf, off), index: u16(buf, off + 2), recLen: u16(buf, off + 4), count: u16(buf, off + 6) };
}

/**
 * SZL 0x0011 / 0x0111 records (module identification), 28 bytes each:
 * ```
 *  0  index   u16   1 module, 6 basic hardware, 7 basic firmware, 0x81.. firmware extensions
 *  2  MlfB    20    order number, ASCII, space padded ('6ES7 315-2EH14-0AB0 ')
 * 22  BGTyp   u16   module type id
 * 24  Ausbg   u16   version: for index 7 'V' + major (0x56 0x03 = V3.)
 * 26  Ausbe   u16   for index 7: minor, patch (0x02 0x06 = .2.6)
 * ```
 */
export interface ModuleIdentification {
  orderNumber: string;
  /** Version of the module / basic hardware (Ausbg of index 1 or 6), '' when absent. */
  hardware: string;
  /** 'V3.2.6' from index 7, '' when absent. */
  firmware: string;
  /** Boot loader version of index 0x81 ('A 32.9.9' style is printed as V<a>.<b>.<c>). */
  bootLoader: string;
}

export function parseSzl0011(
  buf: Uint8Array,
  off: number,
  len: number,
  recLen: number,
  count: number,
): ModuleIdentification {
  const r: ModuleIdentification = { orderNumber: '', hardware: '', firmware: '', bootLoader: '' };
  if (recLen < 28) return r;
  const n = Math.min(count, LIMITS.maxItems, Math.floor(len / recLen));
  for (let i = 0; i < n; i++) {
    const q = off + i * recLen;
    const index = u16(buf, q);
    const mlfb = latin1(buf.subarray(q + 2, q + 22)).trim();
    const ausbg = u16(buf, q + 24);
    const ausbe = u16(buf, q + 26);
    if (index === 0x0001) {
      if (mlfb !== '') r.orderNumber = mlfb;
      if (r.hardware === '') r.hardware = String(ausbg);
    } else if (index === 0x0006) {
      if (r.orderNumber === '' && mlfb !== '') r.orderNumber = mlfb;
      r.hardware = String(ausbg);
    } else if (index === 0x0007) {
      r.firmware = versionOf(ausbg, ausbe);
    } else if (index === 0x0081) {
      r.bootLoader = versionOf(ausbg, ausbe);
    }
  }
  return r;
}

/** 'V' 3, 2 6 -> 'V3.2.6'; any other letter is kept as the prefix. */
function versionOf(ausbg: number, ausbe: number): string {
  const c = ausbg >> 8;
  const prefix = c >= 0x41 && c <= 0x5a ? String.fromCharCode(c) : '';
  return `${prefix}${ausbg & 0xff}.${ausbe >> 8}.${ausbe & 0xff}`;
}

/**
 * SZL 0x001C records (component identification), 34 bytes each: index u16 + 32 bytes. Index 1
 * PLC (automation system) name, 2 module name, 3 plant designation, 4 copyright, 5 module serial
 * number, 7 module type name, 8 memory card serial, 9 manufacturer/profile (binary), 0x0A OEM id,
 * 0x0B location designation. Returns index -> text (binary index 9 -> vendor id in decimal).
 */
export function parseSzl001c(
  buf: Uint8Array,
  off: number,
  len: number,
  recLen: number,
  count: number,
): Map<number, string> {
  const r = new Map<number, string>();
  if (recLen < 4) return r;
  const n = Math.min(count, LIMITS.maxItems, Math.floor(len / recLen));
  for (let i = 0; i < n; i++) {
    const q = off + i * recLen;
    const index = u16(buf, q);
    if (index === 0x0009) {
      if (recLen >= 4) r.set(index, String(u16(buf, q + 2)));
      continue;
    }
    r.set(index, latin1(buf.subarray(q + 2, q + recLen)).trim());
  }
  return r;
}

/** SZL 0x0424 record (mode): ereig u16, ae u8, bzu-id u8 (low nibble current/requested, high previous). */
export function parseSzl0424(
  buf: Uint8Array,
  off: number,
  len: number,
  recLen: number,
): { mode: number; previous: number } | null {
  if (recLen < 4 || len < 4) return null;
  const b = buf[off + 3] as number;
  return { mode: b & 0x0f, previous: b >> 4 };
}

/** SZL 0x0131 index 1 (general communication data): index u16, max PDU size u16, ... */
export function parseSzl0131(buf: Uint8Array, off: number, len: number, recLen: number): number {
  if (recLen < 4 || len < 4 || u16(buf, off) !== 1) return -1;
  return u16(buf, off + 2);
}

/**
 * The 8-byte PLC password of a Security / PLC Password request, de-obfuscated (Wireshark
 * `s7comm_decode_ud_security_subfunc`): b0 ^ 0x55, b1 ^ 0x55, then bi ^ 0x55 ^ b(i-2). The
 * scheme is public and reversible, so the password crosses the wire in the clear in effect.
 * Trailing spaces/NULs are padding. Returns a fresh array the caller fingerprints and drops.
 */
export function decodePassword(buf: Uint8Array, off: number, len: number): Uint8Array {
  const n = Math.min(len, 8);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = buf[off + i] as number;
    out[i] = i < 2 ? b ^ 0x55 : b ^ 0x55 ^ (buf[off + i - 2] as number);
  }
  let end = n;
  while (end > 0 && (out[end - 1] === 0x20 || out[end - 1] === 0)) end--;
  return out.subarray(0, end);
}

/**
 * S7comm-plus frame (S7comm-plus Wireshark plugin):
 * ```
 *  0  protocol id     u8    0x72
 *  1  version         u8    1, 2, 3; 0xFE keep-alive
 *  2  data length     u16   bytes after this header, trailer excluded
 *  4  integrity part  (V3) digest length u8 (0x20) + 32-byte digest (HMAC over the data)
 *     opcode          u8    0x31 request, 0x32 response, 0x33 notification
 *     request:  reserved u16, function u16, reserved u16, sequence u16, session id u32, flags u8
 *     response: reserved u16, function u16, reserved u16, sequence u16, flags u8, return value...
 *     notification: subscription object id u32, ...
 *  .  trailer         0x72, version, 0x0000 (last fragment only)
 * ```
 * A frame longer than one TPKT is split: every fragment starts with a header, only the last
 * ends with the trailer.
 */
export interface PlusPdu {
  version: number;
  dataLen: number;
  integrity: boolean;
  opcode: number;
  fn: number;
  seq: number;
  sessionId: number;
  /** Notification: subscription object id. */
  subscription: number;
  /** The fragment ends with the trailer (last or only fragment). */
  last: boolean;
  bodyOff: number;
  bodyLen: number;
}

export function newPlusPdu(): PlusPdu {
  return {
    version: 0,
    dataLen: 0,
    integrity: false,
    opcode: -1,
    fn: -1,
    seq: -1,
    sessionId: -1,
    subscription: -1,
    last: true,
    bodyOff: 0,
    bodyLen: 0,
  };
}

/**
 * Parses the header of a fragment. `first` says whether this fragment starts a frame (then the
 * opcode and function are read); continuation fragments only get their header checked.
 */
export function parsePlus(
  buf: Uint8Array,
  off: number,
  len: number,
  first: boolean,
  out: PlusPdu,
): S7ParseError | null {
  out.opcode = -1;
  out.fn = -1;
  out.seq = -1;
  out.sessionId = -1;
  out.subscription = -1;
  out.integrity = false;
  out.bodyOff = off + len;
  out.bodyLen = 0;
  if (len < 4 || buf[off] !== S7PLUS_PROTOCOL_ID) return 's7comm-plus-truncated';
  out.version = buf[off + 1] as number;
  out.dataLen = u16(buf, off + 2);
  if (out.version === PLUS_VERSION_KEEPALIVE) {
    out.last = true;
    return null;
  }
  const avail = len - 4;
  out.last = avail >= out.dataLen + 4 && buf[off + 4 + out.dataLen] === S7PLUS_PROTOCOL_ID;
  if (out.dataLen > avail) return 's7comm-plus-bad-length';
  if (!out.last && avail !== out.dataLen) return 's7comm-plus-bad-length';
  let q = off + 4;
  const end = off + 4 + out.dataLen;
  if (!first) {
    out.bodyOff = q;
    out.bodyLen = end - q;
    return null;
  }
  if (end - q >= PLUS_INTEGRITY_LEN + 1 && buf[q] === 0x20 && isPlusOpcode(buf[q + PLUS_INTEGRITY_LEN] as number)) {
    out.integrity = true;
    q += PLUS_INTEGRITY_LEN;
  }
  if (end - q < 1) return 's7comm-plus-truncated';
  out.opcode = buf[q] as number;
  if (out.opcode === PlusOpcode.REQUEST) {
    if (end - q < 14) return 's7comm-plus-truncated';
    out.fn = u16(buf, q + 3);
    out.seq = u16(buf, q + 7);
    out.sessionId = u32(buf, q + 9);
    q += 14;
  } else if (out.opcode === PlusOpcode.RESPONSE || out.opcode === PlusOpcode.RESPONSE2) {
    if (end - q < 10) return 's7comm-plus-truncated';
    out.fn = u16(buf, q + 3);
    out.seq = u16(buf, q + 7);
    q += 10;
  } else if (out.opcode === PlusOpcode.NOTIFICATION) {
    if (end - q < 5) return 's7comm-plus-truncated';
    out.subscription = u32(buf, q + 1);
    q += 5;
  } else {
    q += 1;
  }
  out.bodyOff = q;
  out.bodyLen = end - q;
  return null;
}

function isPlusOpcode(o: number): boolean {
  return (
    o === PlusOpcode.REQUEST || o === PlusOpcode.RESPONSE || o === PlusOpcode.NOTIFICATION || o === PlusOpcode.RESPONSE2
  );
}

/** Strings readable in the clear in an S7comm-plus frame (CreateObject and session setup). */
export interface PlusStrings {
  /** 'ServerSession_10000002'. */
  session: string;
  /** Order number and firmware from the '1;6ES7 511-1AK00-0AB0;V1.0' session version string. */
  orderNumber: string;
  firmware: string;
}

const PAOM = /^\d+;(6[A-Z]{2}\d[^;]{6,30}?)\s*;\s*V(\d+(?:\.\d+){1,3})$/;

/**
 * Scans at most `LIMITS.maxItems * 16` bytes for WString values (datatype 0x15, length u8 < 0x80,
 * printable bytes) and keeps those with a known meaning. Bounded and allocation-light: only
 * candidate strings are decoded.
 */
export function scanPlusStrings(buf: Uint8Array, off: number, len: number): PlusStrings {
  const r: PlusStrings = { session: '', orderNumber: '', firmware: '' };
  const end = off + Math.min(len, LIMITS.maxItems * 16);
  for (let i = off; i + 2 < end; i++) {
    if (buf[i] !== 0x15) continue;
    const l = buf[i + 1] as number;
    if (l < 8 || l >= 0x80 || i + 2 + l > end) continue;
    let ok = true;
    for (let k = 0; k < l && ok; k++) {
      const c = buf[i + 2 + k] as number;
      if (c < 0x20 || c > 0x7e) ok = false;
    }
    if (!ok) continue;
    const s = latin1(buf.subarray(i + 2, i + 2 + l));
    if (r.session === '' && s.startsWith('ServerSession_')) r.session = s;
    const m = PAOM.exec(s);
    if (m && r.orderNumber === '') {
      r.orderNumber = (m[1] as string).trim();
      r.firmware = `V${m[2] as string}`;
    }
    i += 1 + l;
  }
  return r;
}

/** TLS record header (content type 20-23, version 3.x): S7comm-plus over TLS (TIA V17+). */
export function looksLikeTls(buf: Uint8Array, off: number, len: number): boolean {
  if (len < 5) return false;
  const t = buf[off] as number;
  return t >= 0x14 && t <= 0x17 && buf[off + 1] === 0x03 && (buf[off + 2] as number) <= 0x04;
}

/** The upload/download file name: '_' + block type (2 hex) + number (5 digits) + filesystem. */
export interface BlockFile {
  name: string;
  blockType: string;
  blockNumber: number;
  filesystem: string;
}

export function parseBlockFile(buf: Uint8Array, off: number, len: number): BlockFile {
  const name = latin1(buf.subarray(off, off + len));
  const m = /^_(\w{2})(\d{5})([A-Z])/.exec(name);
  if (!m) return { name, blockType: '', blockNumber: -1, filesystem: '' };
  return { name, blockType: m[1] as string, blockNumber: Number(m[2]), filesystem: m[3] as string };
}
