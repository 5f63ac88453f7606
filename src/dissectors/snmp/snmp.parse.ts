import { Pdu, SNMP_LIMITS } from './snmp.consts.js';

/**
 * Pure SNMP parsers (BER, X.690 §8, restricted to what RFC 1157/3416/3412 use): bytes in,
 * fields out, nothing kept, nothing thrown. One `SnmpMessage` struct is reused for every
 * datagram; fields hold offsets into the caller's buffer, valid only during the call.
 *
 * Message layouts:
 * ```
 * v1/v2c (RFC 1157 §4, RFC 1901 §3)       v3 (RFC 3412 §6)
 * SEQUENCE {                             SEQUENCE {
 *   version    INTEGER (0 = v1, 1 = v2c)   msgVersion INTEGER (3)
 *   community  OCTET STRING                msgGlobalData SEQUENCE { msgID INTEGER, msgMaxSize INTEGER,
 *   data       PDU                                                  msgFlags OCTET STRING (1), msgSecurityModel INTEGER }
 * }                                        msgSecurityParameters OCTET STRING  -- USM (RFC 3414 §2.4):
 *                                            SEQUENCE { msgAuthoritativeEngineID OCTET STRING, ...Boots INTEGER,
 *                                                       ...Time INTEGER, msgUserName OCTET STRING,
 *                                                       msgAuthenticationParameters OCTET STRING,
 *                                                       msgPrivacyParameters OCTET STRING }
 *                                          msgData: ScopedPDU SEQUENCE { contextEngineID OCTET STRING,
 *                                                   contextName OCTET STRING, data PDU }
 *                                                   | encryptedPDU OCTET STRING
 *                                        }
 * PDU (RFC 3416 §3): [tag] { request-id INTEGER, error-status INTEGER (non-repeaters for GetBulk),
 *                            error-index INTEGER (max-repetitions), variable-bindings SEQUENCE OF
 *                            SEQUENCE { name OBJECT IDENTIFIER, value ANY } }
 * Trap-PDU (v1, RFC 1157 §4.1.6): [4] { enterprise OID, agent-addr IpAddress ([APPLICATION 0] 4 bytes),
 *                            generic-trap INTEGER, specific-trap INTEGER, time-stamp TimeTicks, variable-bindings }
 * ```
 */

export type SnmpParseError =
  | 'snmp-not-sequence'
  | 'snmp-bad-length'
  | 'snmp-truncated'
  | 'snmp-bad-tag'
  | 'snmp-integer-too-long'
  | 'snmp-unknown-version'
  | 'snmp-unknown-pdu'
  | 'snmp-too-deep'
  | 'snmp-too-many-varbinds'
  | 'snmp-oid-subidentifier-too-long'
  | 'snmp-oid-too-long'
  | 'snmp-trailing-data';

/** One BER element header: tag byte, content length, content start. */
export interface Tlv {
  tag: number;
  len: number;
  /** Offset of the content (after tag and length bytes). */
  start: number;
}
export function newTlv(): Tlv {
  return { tag: 0, len: 0, start: 0 };
}

/**
 * Reads the tag-length header at `pos` (content must end by `end`). Single-byte tags only
 * (SNMP uses none above 30); definite lengths only (indefinite is forbidden by RFC 3417 §8),
 * at most 4 length bytes.
 */
export function readTlv(buf: Uint8Array, pos: number, end: number, out: Tlv): SnmpParseError | null {
  if (end - pos < 2) return 'snmp-truncated';
  const tag = buf[pos] as number;
  if ((tag & 0x1f) === 0x1f) return 'snmp-bad-tag';
  let l = buf[pos + 1] as number;
  let p = pos + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 4) return 'snmp-bad-length';
    if (end - p < n) return 'snmp-truncated';
    l = 0;
    for (let i = 0; i < n; i++) l = l * 256 + (buf[p + i] as number);
    p += n;
  }
  out.tag = tag;
  out.len = l;
  out.start = p;
  if (end - p < l) return 'snmp-truncated';
  return null;
}

/** Two's complement INTEGER content, at most 8 bytes (Counter64 fits; exact up to 2^53). */
export function readInteger(buf: Uint8Array, start: number, len: number): number | null {
  if (len < 1 || len > 8) return null;
  let u = 0;
  for (let i = 0; i < len; i++) u = u * 256 + (buf[start + i] as number);
  return (buf[start] as number) & 0x80 ? u - 2 ** (8 * len) : u;
}

/**
 * OBJECT IDENTIFIER content as dotted text (X.690 §8.19). Sub-identifiers are base-128 with
 * the high bit as continuation; the first one packs two arcs (40*X + Y). Returns an error
 * code for overlong sub-identifiers, too many of them or a dangling continuation byte.
 */
export function oidToString(buf: Uint8Array, start: number, len: number): string | SnmpParseError {
  if (len === 0) return '';
  let s = '';
  let v = 0;
  let bytes = 0;
  let count = 0;
  const end = start + len;
  for (let i = start; i < end; i++) {
    const b = buf[i] as number;
    if (++bytes > SNMP_LIMITS.maxSubIdBytes) return 'snmp-oid-subidentifier-too-long';
    v = v * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (count === 0) {
      const first = v < 40 ? 0 : v < 80 ? 1 : 2;
      s = `${first}.${v - first * 40}`;
      count = 2;
    } else {
      if (++count > SNMP_LIMITS.maxSubIds) return 'snmp-oid-too-long';
      s += `.${v}`;
    }
    v = 0;
    bytes = 0;
  }
  if (bytes !== 0) return 'snmp-truncated';
  return s;
}

/** True when the OID content at `start` is `prefix` followed by exactly `leaf` and `0`. */
export function oidLeaf(buf: Uint8Array, start: number, len: number, prefix: readonly number[]): number {
  if (len !== prefix.length + 2) return -1;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return -1;
  const leaf = buf[start + prefix.length] as number;
  if (leaf & 0x80 || buf[start + prefix.length + 1] !== 0) return -1;
  return leaf;
}

/** Enterprise number of an OID under 1.3.6.1.4.1 (`2b 06 01 04 01 <n>`), or -1. */
export function oidEnterprise(buf: Uint8Array, start: number, len: number): number {
  if (len < 6) return -1;
  if (buf[start] !== 0x2b || buf[start + 1] !== 6 || buf[start + 2] !== 1 || buf[start + 3] !== 4) return -1;
  if (buf[start + 4] !== 1) return -1;
  let v = 0;
  for (let i = start + 5, k = 0; i < start + len && k < 5; i++, k++) {
    const b = buf[i] as number;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) return v;
  }
  return -1;
}

/** One decoded message. -1 / 0-length marks a field the message does not have. */
export interface SnmpMessage {
  /** msgVersion on the wire: 0 (v1), 1 (v2c), 3 (v3). */
  version: number;
  communityOff: number;
  communityLen: number;
  /** v3 header. */
  msgId: number;
  msgMaxSize: number;
  msgFlags: number;
  securityModel: number;
  engineIdOff: number;
  engineIdLen: number;
  userOff: number;
  userLen: number;
  /** v3 authPriv: the scoped PDU is an encrypted OCTET STRING (not decoded). */
  encrypted: boolean;
  /** PDU tag (`Pdu`), -1 when no PDU was reached. */
  pduTag: number;
  requestId: number;
  /** error-status (non-repeaters for GetBulk). */
  errorStatus: number;
  /** error-index (max-repetitions for GetBulk). */
  errorIndex: number;
  /** v1 Trap-PDU. */
  enterpriseOff: number;
  enterpriseLen: number;
  genericTrap: number;
  specificTrap: number;
  /** Varbinds in the PDU (as counted; at most SNMP_LIMITS.maxVarbinds are recorded below). */
  varbindCount: number;
  /** Per varbind: OID content offset/length, value tag, value content offset/length. */
  readonly oidOff: Int32Array;
  readonly oidLen: Int32Array;
  readonly valTag: Int32Array;
  readonly valOff: Int32Array;
  readonly valLen: Int32Array;
}

export function newMessage(): SnmpMessage {
  const n = SNMP_LIMITS.maxVarbinds;
  const m = {
    oidOff: new Int32Array(n),
    oidLen: new Int32Array(n),
    valTag: new Int32Array(n),
    valOff: new Int32Array(n),
    valLen: new Int32Array(n),
  } as SnmpMessage;
  resetMessage(m);
  return m;
}

export function resetMessage(m: SnmpMessage): void {
  m.version = -1;
  m.communityOff = 0;
  m.communityLen = -1;
  m.msgId = -1;
  m.msgMaxSize = -1;
  m.msgFlags = -1;
  m.securityModel = -1;
  m.engineIdOff = 0;
  m.engineIdLen = -1;
  m.userOff = 0;
  m.userLen = -1;
  m.encrypted = false;
  m.pduTag = -1;
  m.requestId = -1;
  m.errorStatus = -1;
  m.errorIndex = -1;
  m.enterpriseOff = 0;
  m.enterpriseLen = -1;
  m.genericTrap = -1;
  m.specificTrap = -1;
  m.varbindCount = 0;
}

const t = newTlv();

/** Reads an element with tag `tag` at `pos`; returns its end offset or an error. */
function expect(buf: Uint8Array, pos: number, end: number, tag: number): number | SnmpParseError {
  const e = readTlv(buf, pos, end, t);
  if (e) return e;
  if (t.tag !== tag) return 'snmp-bad-tag';
  return t.start + t.len;
}

function int(buf: Uint8Array, pos: number, end: number): [number, number] | SnmpParseError {
  const e = expect(buf, pos, end, 0x02);
  if (typeof e === 'string') return e;
  const v = readInteger(buf, t.start, t.len);
  if (v === null) return t.len === 0 ? 'snmp-bad-length' : 'snmp-integer-too-long';
  return [v, e];
}

/**
 * Parses one SNMP message (a whole UDP datagram). Fills `m` as far as it gets; a non-null
 * result names the first problem (fields read before it stay valid). `snmp-not-sequence` and
 * `snmp-unknown-version` mean "not SNMP at all".
 */
export function parseMessage(buf: Uint8Array, off: number, len: number, m: SnmpMessage): SnmpParseError | null {
  resetMessage(m);
  const end = off + len;
  let e = readTlv(buf, off, end, t);
  if (e) return len >= 1 && buf[off] !== 0x30 ? 'snmp-not-sequence' : e;
  if (t.tag !== 0x30) return 'snmp-not-sequence';
  const msgEnd = t.start + t.len;
  const trailing = msgEnd < end;
  let p = t.start;
  const ver = int(buf, p, msgEnd);
  if (typeof ver === 'string') return ver;
  m.version = ver[0];
  p = ver[1];
  let r: SnmpParseError | null;
  if (m.version === 0 || m.version === 1) {
    e = readTlv(buf, p, msgEnd, t);
    if (e) return e;
    if ((t.tag as number) !== 0x04) return 'snmp-bad-tag';
    m.communityOff = t.start;
    m.communityLen = t.len;
    r = parsePdu(buf, t.start + t.len, msgEnd, m);
  } else if (m.version === 3) {
    r = parseV3(buf, p, msgEnd, m);
  } else {
    return 'snmp-unknown-version';
  }
  return r ?? (trailing ? 'snmp-trailing-data' : null);
}

function parseV3(buf: Uint8Array, p: number, end: number, m: SnmpMessage): SnmpParseError | null {
  // msgGlobalData
  const g = expect(buf, p, end, 0x30);
  if (typeof g === 'string') return g;
  let q = t.start;
  const id = int(buf, q, g);
  if (typeof id === 'string') return id;
  m.msgId = id[0];
  const max = int(buf, id[1], g);
  if (typeof max === 'string') return max;
  m.msgMaxSize = max[0];
  const fl = expect(buf, max[1], g, 0x04);
  if (typeof fl === 'string') return fl;
  m.msgFlags = t.len >= 1 ? (buf[t.start] as number) : 0;
  const sm = int(buf, fl, g);
  if (typeof sm === 'string') return sm;
  m.securityModel = sm[0];
  // msgSecurityParameters: an OCTET STRING wrapping the USM SEQUENCE (security model 3).
  const sp = expect(buf, g, end, 0x04);
  if (typeof sp === 'string') return sp;
  const spStart = t.start;
  if (m.securityModel === 3 && t.len > 0) {
    const e = parseUsm(buf, spStart, sp, m);
    if (e) return e;
  }
  // msgData
  q = sp;
  const e = readTlv(buf, q, end, t);
  if (e) return e;
  if (t.tag === 0x04) {
    m.encrypted = true;
    return null;
  }
  if (t.tag !== 0x30) return 'snmp-bad-tag';
  const scopedEnd = t.start + t.len;
  const ce = expect(buf, t.start, scopedEnd, 0x04);
  if (typeof ce === 'string') return ce;
  const cn = expect(buf, ce, scopedEnd, 0x04);
  if (typeof cn === 'string') return cn;
  return parsePdu(buf, cn, scopedEnd, m);
}

/** USM security parameters (RFC 3414 §2.4): engine id and user name are kept. */
function parseUsm(buf: Uint8Array, p: number, end: number, m: SnmpMessage): SnmpParseError | null {
  const s = expect(buf, p, end, 0x30);
  if (typeof s === 'string') return s;
  const engine = expect(buf, t.start, s, 0x04);
  if (typeof engine === 'string') return engine;
  m.engineIdOff = t.start;
  m.engineIdLen = t.len;
  const boots = int(buf, engine, s);
  if (typeof boots === 'string') return boots;
  const time = int(buf, boots[1], s);
  if (typeof time === 'string') return time;
  const user = expect(buf, time[1], s, 0x04);
  if (typeof user === 'string') return user;
  m.userOff = t.start;
  m.userLen = t.len;
  return null;
}

/** A PDU at `p` (its tag is the PDU type), up to `end`. */
function parsePdu(buf: Uint8Array, p: number, end: number, m: SnmpMessage): SnmpParseError | null {
  const e = readTlv(buf, p, end, t);
  if (e) return e;
  m.pduTag = t.tag;
  if (t.tag < Pdu.GET_REQUEST || t.tag > Pdu.REPORT) return 'snmp-unknown-pdu';
  const pduEnd = t.start + t.len;
  let q = t.start;
  if (m.pduTag === Pdu.TRAP) {
    const ent = expect(buf, q, pduEnd, 0x06);
    if (typeof ent === 'string') return ent;
    m.enterpriseOff = t.start;
    m.enterpriseLen = t.len;
    const addr = expect(buf, ent, pduEnd, 0x40);
    if (typeof addr === 'string') return addr;
    const gen = int(buf, addr, pduEnd);
    if (typeof gen === 'string') return gen;
    m.genericTrap = gen[0];
    const spec = int(buf, gen[1], pduEnd);
    if (typeof spec === 'string') return spec;
    m.specificTrap = spec[0];
    const ts = expect(buf, spec[1], pduEnd, 0x43);
    if (typeof ts === 'string') return ts;
    q = ts;
  } else {
    const rid = int(buf, q, pduEnd);
    if (typeof rid === 'string') return rid;
    m.requestId = rid[0];
    const es = int(buf, rid[1], pduEnd);
    if (typeof es === 'string') return es;
    m.errorStatus = es[0];
    const ei = int(buf, es[1], pduEnd);
    if (typeof ei === 'string') return ei;
    m.errorIndex = ei[0];
    q = ei[1];
  }
  return parseVarbinds(buf, q, pduEnd, m);
}

/** variable-bindings: SEQUENCE OF SEQUENCE { name OID, value }, at most maxVarbinds recorded. */
function parseVarbinds(buf: Uint8Array, p: number, end: number, m: SnmpMessage): SnmpParseError | null {
  const list = expect(buf, p, end, 0x30);
  if (typeof list === 'string') return list;
  let q = t.start;
  let n = 0;
  while (q < list) {
    const vb = expect(buf, q, list, 0x30);
    if (typeof vb === 'string') return vb;
    if (n >= SNMP_LIMITS.maxVarbinds) {
      m.varbindCount = n;
      return 'snmp-too-many-varbinds';
    }
    const name = expect(buf, t.start, vb, 0x06);
    if (typeof name === 'string') return name;
    m.oidOff[n] = t.start;
    m.oidLen[n] = t.len;
    const e = readTlv(buf, name, vb, t);
    if (e) return e;
    m.valTag[n] = t.tag;
    m.valOff[n] = t.start;
    m.valLen[n] = t.len;
    n++;
    m.varbindCount = n;
    q = vb;
  }
  return null;
}
