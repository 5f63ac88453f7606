import { LIMITS } from '../../bytes/errors.js';
import { hex } from '../../bytes/reader.js';

/**
 * A small, bounded DER reader for the fields of an X.509 certificate (RFC 5280 §4.1) that say
 * who a server is: subject, issuer, validity, serial, public key. Pure: bytes in, value or an
 * error code out; never throws. Depth is fixed by the structure (no recursion on input).
 */

/** One DER TLV: value at [start, end). */
export interface Tlv {
  tag: number;
  start: number;
  end: number;
}

export function newTlv(): Tlv {
  return { tag: 0, start: 0, end: 0 };
}

/**
 * Reads the TLV at `pos` (which must end by `limit`) into `out`. Single-byte tags only,
 * definite lengths of at most 4 bytes. Returns false when malformed or truncated.
 */
export function readTlv(buf: Uint8Array, pos: number, limit: number, out: Tlv): boolean {
  if (pos + 2 > limit) return false;
  const tag = buf[pos] as number;
  if ((tag & 0x1f) === 0x1f) return false;
  let len = buf[pos + 1] as number;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) return false;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p + i] as number);
    p += n;
  }
  if (p + len > limit) return false;
  out.tag = tag;
  out.start = p;
  out.end = p + len;
  return true;
}

export interface Certificate {
  /** 1-3 (the DER value + 1). */
  version: number;
  /** Serial as upper-case hex without leading zero bytes (OpenSSL/Zeek spelling). */
  serial: string;
  /** RFC 2253 order (most specific first): `CN=host,OU=unit,O=Org`. */
  subject: string;
  issuer: string;
  subjectCN: string;
  subjectO: string;
  issuerCN: string;
  issuerO: string;
  /** ISO 8601 UTC, `2013-09-20T18:26:19Z`. */
  notBefore: string;
  notAfter: string;
  /** Subject and issuer names are byte-identical. */
  selfSigned: boolean;
  /** rsaEncryption, id-ecPublicKey, dsaEncryption, ED25519... or the dotted OID. */
  keyType: string;
  /** Key size in bits when known, else 0. */
  keyBits: number;
  sigAlg: string;
}

export type CertResult = { cert: Certificate; error: null } | { cert: null; error: string };

const OID_NAMES: ReadonlyMap<string, string> = new Map([
  ['550403', 'CN'],
  ['550404', 'SN'],
  ['550405', 'serialNumber'],
  ['550406', 'C'],
  ['550407', 'L'],
  ['550408', 'ST'],
  ['550409', 'street'],
  ['55040a', 'O'],
  ['55040b', 'OU'],
  ['55040c', 'title'],
  ['55040f', 'businessCategory'],
  ['550411', 'postalCode'],
  ['550429', 'name'],
  ['55042a', 'GN'],
  ['55042b', 'initials'],
  ['55042e', 'dnQualifier'],
  ['550441', 'pseudonym'],
  ['2a864886f70d010901', 'emailAddress'],
  ['0992268993f22c640119', 'DC'],
  ['0992268993f22c640101', 'UID'],
  // Public key algorithms.
  ['2a864886f70d010101', 'rsaEncryption'],
  ['2a8648ce3d0201', 'id-ecPublicKey'],
  ['2a8648ce380401', 'dsaEncryption'],
  ['2b6570', 'ED25519'],
  ['2b6571', 'ED448'],
  // Signature algorithms.
  ['2a864886f70d010104', 'md5WithRSAEncryption'],
  ['2a864886f70d010105', 'sha1WithRSAEncryption'],
  ['2a864886f70d01010b', 'sha256WithRSAEncryption'],
  ['2a864886f70d01010c', 'sha384WithRSAEncryption'],
  ['2a864886f70d01010d', 'sha512WithRSAEncryption'],
  ['2a864886f70d01010a', 'rsassaPss'],
  ['2a8648ce3d040302', 'ecdsa-with-SHA256'],
  ['2a8648ce3d040303', 'ecdsa-with-SHA384'],
  ['2a8648ce3d040304', 'ecdsa-with-SHA512'],
]);

/** Named curves -> key size. */
const CURVE_BITS: ReadonlyMap<string, number> = new Map([
  ['2a8648ce3d030107', 256], // prime256v1
  ['2b81040022', 384], // secp384r1
  ['2b81040023', 521], // secp521r1
  ['2a8648ce3d030101', 192], // prime192v1
  ['2b8104000a', 256], // secp256k1
]);

/** Dotted form of an OID (bounded by LIMITS.maxString input bytes). */
export function oidToString(buf: Uint8Array, start: number, end: number): string {
  if (end <= start) return '';
  const stop = Math.min(end, start + LIMITS.maxString);
  const first = buf[start] as number;
  let s = first < 80 ? `${Math.floor(first / 40)}.${first % 40}` : `2.${first - 80}`;
  let v = 0;
  for (let i = start + 1; i < stop; i++) {
    const b = buf[i] as number;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      s += `.${v}`;
      v = 0;
    }
  }
  return s;
}

function oidName(buf: Uint8Array, t: Tlv): string {
  return OID_NAMES.get(hex(buf.subarray(t.start, t.end), 32)) ?? oidToString(buf, t.start, t.end);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Printable form of a string value: control characters replaced, capped at LIMITS.maxString. */
function clean(s: string): string {
  let out = '';
  const n = Math.min(s.length, LIMITS.maxString);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out += c < 0x20 || c === 0x7f ? '.' : s[i];
  }
  return out;
}

/** A DirectoryString / IA5String / PrintableString value as text. */
export function derString(buf: Uint8Array, t: Tlv): string {
  const end = Math.min(t.end, t.start + LIMITS.maxString * 4);
  switch (t.tag) {
    case 0x1e: {
      // BMPString: UTF-16BE.
      let s = '';
      for (let i = t.start; i + 1 < end; i += 2)
        s += String.fromCharCode(((buf[i] as number) << 8) | (buf[i + 1] as number));
      return clean(s);
    }
    case 0x14: // TeletexString, read as Latin-1
    case 0x1a: {
      let s = '';
      for (let i = t.start; i < end; i++) s += String.fromCharCode(buf[i] as number);
      return clean(s);
    }
    default:
      return clean(utf8.decode(buf.subarray(t.start, end)));
  }
}

/** RFC 2253 §2.4 escaping of an attribute value. */
function escapeRfc2253(v: string): string {
  let s = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    if (',+"\\<>;'.includes(c) || (i === 0 && (c === '#' || c === ' ')) || (i === v.length - 1 && c === ' ')) s += '\\';
    s += c;
  }
  return s;
}

interface NameOut {
  dn: string;
  cn: string;
  o: string;
}

const rdn = newTlv();
const atv = newTlv();
const oid = newTlv();
const val = newTlv();

/** Name ::= SEQUENCE OF RDN (SET OF AttributeTypeAndValue). RFC 2253 order: last RDN first. */
function parseName(buf: Uint8Array, name: Tlv, out: NameOut): boolean {
  const parts: string[] = [];
  let pos = name.start;
  let n = 0;
  while (pos < name.end) {
    if (++n > LIMITS.maxItems || !readTlv(buf, pos, name.end, rdn) || rdn.tag !== 0x31) return false;
    pos = rdn.end;
    let rdnText = '';
    let p = rdn.start;
    while (p < rdn.end) {
      if (++n > LIMITS.maxItems || !readTlv(buf, p, rdn.end, atv) || atv.tag !== 0x30) return false;
      p = atv.end;
      if (!readTlv(buf, atv.start, atv.end, oid) || oid.tag !== 0x06) return false;
      if (!readTlv(buf, oid.end, atv.end, val)) return false;
      const key = oidName(buf, oid);
      const value = derString(buf, val);
      if (key === 'CN' && out.cn === '') out.cn = value;
      if (key === 'O' && out.o === '') out.o = value;
      rdnText += `${rdnText === '' ? '' : '+'}${key}=${escapeRfc2253(value)}`;
    }
    parts.push(rdnText);
  }
  out.dn = parts.reverse().join(',');
  return true;
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) -> ISO 8601, '' if malformed. */
export function derTime(buf: Uint8Array, t: Tlv): string {
  let s = '';
  for (let i = t.start; i < t.end && i < t.start + 32; i++) s += String.fromCharCode(buf[i] as number);
  let m: RegExpExecArray | null = null;
  let year = '';
  if (t.tag === 0x17) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s);
    if (m) {
      const yy = Number(m[1]);
      year = String(yy < 50 ? 2000 + yy : 1900 + yy);
    }
  } else if (t.tag === 0x18) {
    m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:\.\d+)?Z$/.exec(s);
    if (m) year = m[1] as string;
  }
  if (m === null) return '';
  return `${year}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`;
}

/** Serial INTEGER as upper-case hex without leading zero bytes. */
function serialHex(buf: Uint8Array, t: Tlv): string {
  let start = t.start;
  while (start < t.end - 1 && buf[start] === 0) start++;
  return hex(buf.subarray(start, t.end), 64).toUpperCase();
}

/** Bits of a big-endian unsigned integer. */
function intBits(buf: Uint8Array, start: number, end: number): number {
  while (start < end && buf[start] === 0) start++;
  if (start >= end) return 0;
  return (end - start - 1) * 8 + (32 - Math.clz32(buf[start] as number));
}

/** SubjectPublicKeyInfo -> key type and size. */
function parseKey(buf: Uint8Array, spki: Tlv, cert: Certificate): void {
  const alg = newTlv();
  const a = newTlv();
  if (!readTlv(buf, spki.start, spki.end, alg) || alg.tag !== 0x30) return;
  if (!readTlv(buf, alg.start, alg.end, a) || a.tag !== 0x06) return;
  cert.keyType = oidName(buf, a);
  if (cert.keyType === 'id-ecPublicKey') {
    const params = newTlv();
    if (readTlv(buf, a.end, alg.end, params) && params.tag === 0x06) {
      cert.keyBits = CURVE_BITS.get(hex(buf.subarray(params.start, params.end), 32)) ?? 0;
    }
    return;
  }
  if (cert.keyType === 'ED25519') cert.keyBits = 256;
  if (cert.keyType === 'ED448') cert.keyBits = 456;
  if (cert.keyType !== 'rsaEncryption') return;
  const bits = newTlv();
  const seq = newTlv();
  const mod = newTlv();
  if (!readTlv(buf, alg.end, spki.end, bits) || bits.tag !== 0x03 || bits.end - bits.start < 2) return;
  if (!readTlv(buf, bits.start + 1, bits.end, seq) || seq.tag !== 0x30) return;
  if (!readTlv(buf, seq.start, seq.end, mod) || mod.tag !== 0x02) return;
  cert.keyBits = intBits(buf, mod.start, mod.end);
}

/**
 * Parses the X.509 certificate DER at [off, off+len). Error codes: `tls-cert-malformed`
 * (structure), `tls-cert-bad-time` (validity not a UTCTime/GeneralizedTime).
 */
/** Tag test without type narrowing (the same Tlv is re-read in place). */
function is(t: Tlv, tag: number): boolean {
  return t.tag === tag;
}

export function parseCertificate(buf: Uint8Array, off: number, len: number): CertResult {
  const end = off + len;
  const certSeq = newTlv();
  const tbs = newTlv();
  const t = newTlv();
  const bad = (): CertResult => ({ cert: null, error: 'tls-cert-malformed' });
  if (!readTlv(buf, off, end, certSeq) || !is(certSeq, 0x30)) return bad();
  if (!readTlv(buf, certSeq.start, certSeq.end, tbs) || !is(tbs, 0x30)) return bad();
  const cert: Certificate = {
    version: 1,
    serial: '',
    subject: '',
    issuer: '',
    subjectCN: '',
    subjectO: '',
    issuerCN: '',
    issuerO: '',
    notBefore: '',
    notAfter: '',
    selfSigned: false,
    keyType: '',
    keyBits: 0,
    sigAlg: '',
  };
  let pos = tbs.start;
  if (!readTlv(buf, pos, tbs.end, t)) return bad();
  if (is(t, 0xa0)) {
    const v = newTlv();
    if (!readTlv(buf, t.start, t.end, v) || !is(v, 0x02) || v.end - v.start !== 1) return bad();
    cert.version = (buf[v.start] as number) + 1;
    pos = t.end;
    if (!readTlv(buf, pos, tbs.end, t)) return bad();
  }
  if (!is(t, 0x02)) return bad();
  cert.serial = serialHex(buf, t);
  pos = t.end;
  // signature AlgorithmIdentifier
  if (!readTlv(buf, pos, tbs.end, t) || !is(t, 0x30)) return bad();
  const sigOid = newTlv();
  if (readTlv(buf, t.start, t.end, sigOid) && is(sigOid, 0x06)) cert.sigAlg = oidName(buf, sigOid);
  pos = t.end;
  // issuer
  const issuer = newTlv();
  if (!readTlv(buf, pos, tbs.end, issuer) || !is(issuer, 0x30)) return bad();
  const nameOut: NameOut = { dn: '', cn: '', o: '' };
  if (!parseName(buf, issuer, nameOut)) return bad();
  cert.issuer = nameOut.dn;
  cert.issuerCN = nameOut.cn;
  cert.issuerO = nameOut.o;
  pos = issuer.end;
  // validity
  if (!readTlv(buf, pos, tbs.end, t) || !is(t, 0x30)) return bad();
  const tm = newTlv();
  if (!readTlv(buf, t.start, t.end, tm)) return bad();
  cert.notBefore = derTime(buf, tm);
  if (!readTlv(buf, tm.end, t.end, tm)) return bad();
  cert.notAfter = derTime(buf, tm);
  pos = t.end;
  // subject
  const subject = newTlv();
  if (!readTlv(buf, pos, tbs.end, subject) || !is(subject, 0x30)) return bad();
  nameOut.dn = '';
  nameOut.cn = '';
  nameOut.o = '';
  if (!parseName(buf, subject, nameOut)) return bad();
  cert.subject = nameOut.dn;
  cert.subjectCN = nameOut.cn;
  cert.subjectO = nameOut.o;
  cert.selfSigned = sameBytes(buf, issuer, subject);
  pos = subject.end;
  // subjectPublicKeyInfo
  if (readTlv(buf, pos, tbs.end, t) && is(t, 0x30)) parseKey(buf, t, cert);
  if (cert.notBefore === '' || cert.notAfter === '') return { cert: null, error: 'tls-cert-bad-time' };
  return { cert, error: null };
}

function sameBytes(buf: Uint8Array, a: Tlv, b: Tlv): boolean {
  if (a.end - a.start !== b.end - b.start) return false;
  for (let i = 0; i < a.end - a.start; i++) if (buf[a.start + i] !== buf[b.start + i]) return false;
  return true;
}
