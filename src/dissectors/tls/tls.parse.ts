import { LIMITS } from '../../bytes/errors.js';
import { hex, latin1 } from '../../bytes/reader.js';
import { u16be as u16 } from '../../bytes/words.js';
import {
  ContentType,
  Ext,
  HRR_RANDOM,
  isGrease,
  MAX_LIST_ITEMS,
  MAX_RECORD_LEN,
  RECORD_HEADER_LEN,
  versionRank,
} from './tls.consts.js';

/**
 * Pure TLS parsers (RFC 5246 §6.2, §7.4; RFC 8446 §4): bytes in, a reused struct and an error
 * code (or null) out. Nothing throws; every length is checked against its container.
 */

function u24(b: Uint8Array, p: number): number {
  return ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
}

export interface RecordHeader {
  type: number;
  version: number;
  length: number;
}

export function newRecordHeader(): RecordHeader {
  return { type: 0, version: 0, length: 0 };
}

/**
 * Record header at `off` (needs RECORD_HEADER_LEN bytes). Errors: `tls-bad-content-type`,
 * `tls-bad-record-version` (major not 3), `tls-record-too-long` (> 2^14 + 2048).
 */
export function parseRecordHeader(buf: Uint8Array, off: number, out: RecordHeader): string | null {
  out.type = buf[off] as number;
  out.version = u16(buf, off + 1);
  out.length = u16(buf, off + 3);
  if (out.type < ContentType.CHANGE_CIPHER_SPEC || out.type > ContentType.HEARTBEAT) return 'tls-bad-content-type';
  if (out.version >> 8 !== 3) return 'tls-bad-record-version';
  if (out.length > MAX_RECORD_LEN) return 'tls-record-too-long';
  return null;
}

/** Looks like the start of a TLS handshake (probe): a handshake record, a ClientHello or ServerHello. */
export function looksLikeTlsStart(buf: Uint8Array, off: number, len: number): 'match' | 'no-match' | 'need-more' {
  if (len < 1) return 'need-more';
  if (buf[off] !== ContentType.HANDSHAKE) return 'no-match';
  if (len < 6) return len >= 2 && buf[off + 1] !== 3 ? 'no-match' : 'need-more';
  const version = u16(buf, off + 1);
  const length = u16(buf, off + 3);
  const t = buf[off + 5] as number;
  if (version >> 8 !== 3 || (version & 0xff) > 4 || length < 4 || length > MAX_RECORD_LEN) return 'no-match';
  return t === 1 || t === 2 ? 'match' : 'no-match';
}

/** ClientHello or ServerHello fields we keep. */
export interface Hello {
  /** legacy_version of the hello. */
  version: number;
  /** ClientHello: highest version offered (supported_versions or legacy); ServerHello: chosen version. */
  maxVersion: number;
  /** ClientHello: number of cipher suites offered; ServerHello: the chosen suite. */
  cipherCount: number;
  cipher: number;
  /** session_id as hex ('' when empty). */
  sessionId: string;
  /** First host_name of server_name ('' when absent). */
  sni: string;
  /** ALPN protocols, comma-separated ('' when absent). */
  alpn: string;
  /** ServerHello: pre_shared_key selected (TLS 1.3 resumption). */
  psk: boolean;
  /** ServerHello: this is a TLS 1.3 HelloRetryRequest. */
  hrr: boolean;
  extensions: number;
}

export function newHello(): Hello {
  return {
    version: 0,
    maxVersion: 0,
    cipherCount: 0,
    cipher: -1,
    sessionId: '',
    sni: '',
    alpn: '',
    psk: false,
    hrr: false,
    extensions: 0,
  };
}

function resetHello(h: Hello): void {
  h.version = 0;
  h.maxVersion = 0;
  h.cipherCount = 0;
  h.cipher = -1;
  h.sessionId = '';
  h.sni = '';
  h.alpn = '';
  h.psk = false;
  h.hrr = false;
  h.extensions = 0;
}

/**
 * ClientHello body (after the 4-byte handshake header) at [off, off+len) (RFC 8446 §4.1.2):
 * legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2> compression<1..255>
 * extensions<0..2^16-1>. Error: `tls-client-hello-malformed`.
 */
export function parseClientHello(buf: Uint8Array, off: number, len: number, h: Hello): string | null {
  resetHello(h);
  const end = off + len;
  const bad = 'tls-client-hello-malformed';
  if (len < 2 + 32 + 1) return bad;
  h.version = u16(buf, off);
  h.maxVersion = h.version;
  let p = off + 34;
  const sidLen = buf[p++] as number;
  if (sidLen > 32 || p + sidLen > end) return bad;
  h.sessionId = hex(buf.subarray(p, p + sidLen));
  p += sidLen;
  if (p + 2 > end) return bad;
  const csLen = u16(buf, p);
  p += 2;
  if (csLen % 2 !== 0 || p + csLen > end) return bad;
  h.cipherCount = csLen / 2;
  p += csLen;
  if (p + 1 > end) return bad;
  const compLen = buf[p++] as number;
  if (p + compLen > end) return bad;
  p += compLen;
  if (p === end) return null; // no extensions (SSLv3 / old clients)
  return parseExtensions(buf, p, end, h, true);
}

/**
 * ServerHello body (RFC 8446 §4.1.3): legacy_version(2) random(32) session_id<0..32>
 * cipher_suite(2) compression(1) extensions. Error: `tls-server-hello-malformed`.
 */
export function parseServerHello(buf: Uint8Array, off: number, len: number, h: Hello): string | null {
  resetHello(h);
  const end = off + len;
  const bad = 'tls-server-hello-malformed';
  if (len < 2 + 32 + 1) return bad;
  h.version = u16(buf, off);
  h.maxVersion = h.version;
  let hrr = true;
  for (let i = 0; i < 32; i++) {
    if (buf[off + 2 + i] !== HRR_RANDOM[i]) {
      hrr = false;
      break;
    }
  }
  h.hrr = hrr;
  let p = off + 34;
  const sidLen = buf[p++] as number;
  if (sidLen > 32 || p + sidLen > end) return bad;
  h.sessionId = hex(buf.subarray(p, p + sidLen));
  p += sidLen;
  if (p + 3 > end) return bad;
  h.cipher = u16(buf, p);
  h.cipherCount = 1;
  p += 3;
  if (p === end) return null;
  return parseExtensions(buf, p, end, h, false);
}

function parseExtensions(buf: Uint8Array, p: number, end: number, h: Hello, client: boolean): string | null {
  const bad = client ? 'tls-client-hello-malformed' : 'tls-server-hello-malformed';
  if (p + 2 > end) return bad;
  const extLen = u16(buf, p);
  p += 2;
  if (p + extLen > end) return bad;
  const extEnd = p + extLen;
  let n = 0;
  while (p < extEnd) {
    if (++n > MAX_LIST_ITEMS || p + 4 > extEnd) return bad;
    const type = u16(buf, p);
    const len = u16(buf, p + 2);
    p += 4;
    if (p + len > extEnd) return bad;
    h.extensions++;
    if (type === Ext.SERVER_NAME && client) {
      if (!readServerName(buf, p, p + len, h)) return bad;
    } else if (type === Ext.SUPPORTED_VERSIONS) {
      if (client) {
        // versions<2..254>: the highest non-GREASE entry.
        const vl = buf[p] as number;
        if (len < 1 || vl + 1 > len || vl % 2 !== 0) return bad;
        for (let i = p + 1; i + 1 < p + 1 + vl; i += 2) {
          const v = u16(buf, i);
          if (!isGrease(v) && versionRank(v) > versionRank(h.maxVersion)) h.maxVersion = v;
        }
      } else {
        if (len !== 2) return bad;
        h.maxVersion = u16(buf, p);
      }
    } else if (type === Ext.ALPN) {
      if (!readAlpn(buf, p, p + len, h)) return bad;
    } else if (type === Ext.PRE_SHARED_KEY && !client) {
      h.psk = true;
    }
    p += len;
  }
  return null;
}

/** server_name extension (RFC 6066 §3): list<2> of (type(1) name<2>); keeps the first host_name. */
function readServerName(buf: Uint8Array, p: number, end: number, h: Hello): boolean {
  if (end - p < 2) return end === p; // empty in a ServerHello-style echo
  const listLen = u16(buf, p);
  p += 2;
  if (p + listLen > end) return false;
  const listEnd = p + listLen;
  let n = 0;
  while (p < listEnd) {
    if (++n > MAX_LIST_ITEMS || p + 3 > listEnd) return false;
    const type = buf[p] as number;
    const len = u16(buf, p + 1);
    p += 3;
    if (p + len > listEnd) return false;
    if (type === 0 && h.sni === '') h.sni = latin1(buf.subarray(p, p + len));
    p += len;
  }
  return true;
}

/** ALPN (RFC 7301 §3.1): list<2> of name<1>; joined with ','. */
function readAlpn(buf: Uint8Array, p: number, end: number, h: Hello): boolean {
  if (end - p < 2) return false;
  const listLen = u16(buf, p);
  p += 2;
  if (p + listLen > end) return false;
  const listEnd = p + listLen;
  let s = '';
  let n = 0;
  while (p < listEnd) {
    if (++n > MAX_LIST_ITEMS) return false;
    const len = buf[p] as number;
    p += 1;
    if (len === 0 || p + len > listEnd) return false;
    if (s.length < LIMITS.maxString) s += (s === '' ? '' : ',') + latin1(buf.subarray(p, p + len));
    p += len;
  }
  h.alpn = s.slice(0, LIMITS.maxString);
  return true;
}

/** Where the first certificate of a Certificate message (TLS <= 1.2) lies. */
export interface CertSpan {
  start: number;
  len: number;
  count: number;
}

/**
 * Certificate body (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
 * Error: `tls-certificate-malformed`.
 */
export function parseCertificateList(buf: Uint8Array, off: number, len: number, out: CertSpan): string | null {
  out.start = 0;
  out.len = 0;
  out.count = 0;
  const end = off + len;
  if (len < 3) return 'tls-certificate-malformed';
  const listLen = u24(buf, off);
  let p = off + 3;
  if (p + listLen !== end) return 'tls-certificate-malformed';
  while (p < end) {
    if (out.count >= MAX_LIST_ITEMS || p + 3 > end) return 'tls-certificate-malformed';
    const cl = u24(buf, p);
    p += 3;
    if (p + cl > end) return 'tls-certificate-malformed';
    if (out.count === 0) {
      out.start = p;
      out.len = cl;
    }
    out.count++;
    p += cl;
  }
  return null;
}

/** SSLv2-format ClientHello (RFC 6101 appendix E / SSLv2 spec): 2-byte header with bit 15 set. */
export interface Sslv2Hello {
  /** Record length (without the 2-byte header). */
  length: number;
  msgType: number;
  version: number;
  cipherSpecs: number;
}

/** Parses an SSLv2 record header + hello at `off` (needs 5 bytes; `len` for the body). */
export function parseSslv2Hello(buf: Uint8Array, off: number, len: number, out: Sslv2Hello): string | null {
  if (len < 5) return 'tls-sslv2-malformed';
  out.length = (((buf[off] as number) & 0x7f) << 8) | (buf[off + 1] as number);
  out.msgType = buf[off + 2] as number;
  out.version = u16(buf, off + 3);
  out.cipherSpecs = 0;
  if (out.msgType === 1 && len >= 2 + 9) out.cipherSpecs = Math.floor(u16(buf, off + 5) / 3);
  if (out.length < 3) return 'tls-sslv2-malformed';
  return null;
}

export { RECORD_HEADER_LEN };
