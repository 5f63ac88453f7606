import { LIMITS } from '../../bytes/errors.js';
import { latin1 } from '../../bytes/reader.js';
import type { IdentityFact } from '../../observations/observation.js';

/**
 * Pure HTTP/1.x parsers (RFC 9112 message syntax, RFC 9110 semantics, RFC 7617 Basic and
 * RFC 7616 Digest authentication): bytes in, offsets and values out; nothing kept or thrown.
 *
 * ```
 * request      = method SP request-target SP "HTTP/" DIGIT "." DIGIT CRLF   (RFC 9112 §3)
 * status-line  = "HTTP/" DIGIT "." DIGIT SP 3DIGIT SP [ reason-phrase ] CRLF (RFC 9112 §4)
 * field-line   = field-name ":" OWS field-value OWS CRLF                    (RFC 9112 §5)
 * header block ends with an empty line; bare LF is accepted as a line end (RFC 9112 §2.2)
 * chunked body = *( chunk-size [ ext ] CRLF data CRLF ) "0" CRLF *( trailer CRLF ) CRLF (§7.1)
 * ```
 */

export type HttpParseError =
  | 'http-bad-request-line'
  | 'http-bad-status-line'
  | 'http-bad-header-line'
  | 'http-header-too-long'
  | 'http-bad-content-length'
  | 'http-bad-chunk-size'
  | 'http-bad-chunk-end'
  | 'http-bad-authorization';

/** Largest header block we wait for; beyond it the direction is given up. */
export const MAX_HEADER_BLOCK = 16384;
/** Longest chunk-size line (with extensions) we wait for. */
export const MAX_CHUNK_LINE = 1024;

/** Methods with their op and a small code for `fnCode`. Others are 'other', code 0. */
export const METHODS: ReadonlyArray<readonly [string, 'read' | 'write' | 'other']> = [
  ['', 'other'],
  ['GET', 'read'],
  ['HEAD', 'read'],
  ['POST', 'write'],
  ['PUT', 'write'],
  ['DELETE', 'write'],
  ['OPTIONS', 'other'],
  ['TRACE', 'other'],
  ['CONNECT', 'other'],
  ['PATCH', 'write'],
];
export function methodCode(m: string): number {
  for (let i = 1; i < METHODS.length; i++) if ((METHODS[i] as readonly [string, string])[0] === m) return i;
  return 0;
}

/** Index just past the header block's empty line (CRLFCRLF or LFLF), or -1. */
export function findHeaderEnd(buf: Uint8Array, pos: number, end: number): number {
  for (let i = pos; i < end; i++) {
    if (buf[i] !== 0x0a) continue;
    if (i + 1 < end && buf[i + 1] === 0x0a) return i + 2;
    if (i + 2 < end && buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** Index of the next LF in [pos, end), or -1. */
export function findLf(buf: Uint8Array, pos: number, end: number): number {
  for (let i = pos; i < end; i++) if (buf[i] === 0x0a) return i;
  return -1;
}

/** End of line content (before CR LF / LF) for a line whose LF is at `lf`. */
export function lineContentEnd(buf: Uint8Array, start: number, lf: number): number {
  return lf > start && buf[lf - 1] === 0x0d ? lf - 1 : lf;
}

function isTchar(c: number): boolean {
  // RFC 9110 §5.6.2 token characters.
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x21 ||
    (c >= 0x23 && c <= 0x27) ||
    c === 0x2a ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5e ||
    c === 0x5f ||
    c === 0x60 ||
    c === 0x7c ||
    c === 0x7e
  );
}

/** "HTTP/d.d" at `p`: returns the minor*1 + major*10 version (11 for 1.1), or -1. */
function httpVersion(buf: Uint8Array, p: number, end: number): number {
  if (end - p < 8) return -1;
  if (buf[p] !== 0x48 || buf[p + 1] !== 0x54 || buf[p + 2] !== 0x54 || buf[p + 3] !== 0x50 || buf[p + 4] !== 0x2f) {
    return -1;
  }
  const maj = (buf[p + 5] as number) - 0x30;
  const min = (buf[p + 7] as number) - 0x30;
  if (maj < 0 || maj > 9 || min < 0 || min > 9 || buf[p + 6] !== 0x2e) return -1;
  return maj * 10 + min;
}

/** Request line fields (offsets into the buffer). */
export interface RequestLine {
  methodOff: number;
  methodLen: number;
  uriOff: number;
  uriLen: number;
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  version: number;
}
export function newRequestLine(): RequestLine {
  return { methodOff: 0, methodLen: 0, uriOff: 0, uriLen: 0, version: -1 };
}

/** Parses `method SP target SP HTTP/x.y` in [start, end) (line without CRLF). */
export function parseRequestLine(buf: Uint8Array, start: number, end: number, out: RequestLine): HttpParseError | null {
  let p = start;
  while (p < end && isTchar(buf[p] as number)) p++;
  if (p === start || p - start > 32 || p >= end || buf[p] !== 0x20) return 'http-bad-request-line';
  out.methodOff = start;
  out.methodLen = p - start;
  const u = p + 1;
  let q = u;
  while (q < end && buf[q] !== 0x20) q++;
  if (q === u || q >= end) return 'http-bad-request-line';
  out.uriOff = u;
  out.uriLen = q - u;
  out.version = httpVersion(buf, q + 1, end);
  if (out.version < 0 || q + 9 !== end) return 'http-bad-request-line';
  return null;
}

/** True when the bytes at `p` can start a request line (a method token and a space). */
export function looksLikeRequest(buf: Uint8Array, p: number, end: number): 'match' | 'no-match' | 'need-more' {
  let i = p;
  while (
    i < end &&
    i - p <= 16 &&
    isTchar(buf[i] as number) &&
    (buf[i] as number) >= 0x41 &&
    (buf[i] as number) <= 0x5a
  ) {
    i++;
  }
  if (i === end) return i - p <= 16 ? 'need-more' : 'no-match';
  if (i === p || buf[i] !== 0x20) return 'no-match';
  const m = latin1(buf.subarray(p, i));
  return methodCode(m) > 0 ? 'match' : 'no-match';
}

/** Status line: version and code; the reason phrase is not kept. */
export interface StatusLine {
  version: number;
  code: number;
}
export function newStatusLine(): StatusLine {
  return { version: -1, code: -1 };
}

export function parseStatusLine(buf: Uint8Array, start: number, end: number, out: StatusLine): HttpParseError | null {
  out.version = httpVersion(buf, start, end);
  out.code = -1;
  if (out.version < 0 || end - start < 12 || buf[start + 8] !== 0x20) return 'http-bad-status-line';
  let c = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return 'http-bad-status-line';
    c = c * 10 + d;
  }
  out.code = c;
  if (c < 100 || (end > start + 12 && buf[start + 12] !== 0x20)) return 'http-bad-status-line';
  return null;
}

/** Case-insensitive comparison of the bytes [s, e) with a lower-case ASCII name. */
export function nameIs(buf: Uint8Array, s: number, e: number, lower: string): boolean {
  if (e - s !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = buf[s + i] as number;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Decimal Content-Length in [s, e) (whitespace trimmed by the caller), or -1. */
export function parseDecimal(buf: Uint8Array, s: number, e: number): number {
  if (e <= s || e - s > 15) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** chunk-size (hex) at the start of [s, e), ignoring extensions after ';' or spaces; or -1. */
export function parseChunkSize(buf: Uint8Array, s: number, e: number): number {
  let v = 0;
  let n = 0;
  let i = s;
  for (; i < e; i++) {
    const c = buf[i] as number;
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else break;
    if (++n > 12) return -1;
    v = v * 16 + d;
  }
  if (n === 0) return -1;
  if (i < e && buf[i] !== 0x3b && buf[i] !== 0x20 && buf[i] !== 0x09) return -1;
  return v;
}

const B64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}

/**
 * Base64 (RFC 4648 §4) of [s, e) into `out`; padding optional, whitespace not allowed.
 * Returns the decoded length, or -1 for a bad character or when `out` is too small.
 */
export function decodeBase64(buf: Uint8Array, s: number, e: number, out: Uint8Array): number {
  while (e > s && buf[e - 1] === 0x3d) e--;
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = s; i < e; i++) {
    const v = B64[buf[i] as number] as number;
    if (v < 0) return -1;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n >= out.length) return -1;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return n;
}

/** A parameter of an auth header (`realm="x"`, `username=x`), unquoted; null when absent. */
export function authParam(value: string, name: string): string | null {
  const re = new RegExp(`(?:^|[\\s,])${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s,]*))`, 'i');
  const m = re.exec(value);
  if (!m) return null;
  return (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').slice(0, LIMITS.maxString);
}

/** The text of the first `<title>` in an HTML prefix, whitespace collapsed; null if none. */
export function extractTitle(buf: Uint8Array, len: number): string | null {
  const text = latin1(buf.subarray(0, len), len);
  const m = /<title[^>]*>([^<]*)<\/title/i.exec(text);
  if (!m) return null;
  const t = (m[1] as string).replace(/\.+/g, ' ').replace(/\s+/g, ' ').trim();
  return t === '' ? null : t.slice(0, LIMITS.maxString);
}

/**
 * Vendor/product guesses from a Server header (precedence 30). Servers that name a device
 * maker give `vendor`; generic embedded web servers give `http_server_product` (+ version).
 */
const SERVER_VENDORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Allen-Bradley|Rockwell/i, 'Rockwell Automation (Allen-Bradley)'],
  [/Siemens|SIMATIC/i, 'Siemens'],
  [/Schneider|Modicon|Telemecanique/i, 'Schneider Electric'],
  [/WAGO/i, 'WAGO'],
  [/Phoenix ?Contact/i, 'Phoenix Contact'],
  [/Moxa/i, 'Moxa'],
  [/Hirschmann/i, 'Hirschmann'],
  [/Beckhoff/i, 'Beckhoff'],
  [/Omron/i, 'Omron'],
  [/Mitsubishi/i, 'Mitsubishi Electric'],
  [/\bABB\b/, 'ABB'],
  [/Honeywell/i, 'Honeywell'],
  [/Yokogawa/i, 'Yokogawa'],
  [/Emerson/i, 'Emerson'],
  [/Cisco/i, 'Cisco'],
];
const EMBEDDED_SERVERS: ReadonlyArray<RegExp> = [
  /\b(GoAhead-Webs|GoAhead-http)(?:\/([\w.-]+))?/i,
  /\b(Boa)\/([\w.-]+)/,
  /\b(lighttpd)(?:\/([\w.-]+))?/i,
  /\b(thttpd)(?:\/([\w.-]+))?/i,
  /\b(mini_httpd)(?:\/([\w.-]+))?/i,
  /\b(Mongoose)(?:\/([\w.-]+))?/i,
  /\b(Allegro-Software-RomPager)(?:\/([\w.-]+))?/i,
  /\b(uhttpd)(?:\/([\w.-]+))?/i,
  /\b(micro_httpd)\b/i,
  /\b(Microsoft-IIS)\/([\w.-]+)/,
  /\b(Apache)(?:\/([\w.-]+))?/,
  /\b(nginx)(?:\/([\w.-]+))?/,
];
export function serverHints(server: string, source: string): IdentityFact[] {
  const out: IdentityFact[] = [];
  for (const [re, vendor] of SERVER_VENDORS) {
    if (re.test(server)) {
      out.push({ field: 'vendor', value: vendor, source, precedence: 30 });
      break;
    }
  }
  for (const re of EMBEDDED_SERVERS) {
    const m = re.exec(server);
    if (!m) continue;
    out.push({ field: 'http_server_product', value: m[1] as string, source, precedence: 30 });
    if (m[2]) out.push({ field: 'http_server_version', value: m[2], source, precedence: 30 });
    break;
  }
  if (/Microsoft-IIS|Win32|Win64/.test(server)) out.push({ field: 'os', value: 'Windows', source, precedence: 30 });
  else {
    const os = /\((Ubuntu|Debian|Red Hat|CentOS|Fedora|Raspbian|Unix)\)/.exec(server);
    if (os) out.push({ field: 'os', value: os[1] as string, source, precedence: 30 });
  }
  return out;
}
