import { LIMITS } from '../../bytes/errors.js';
import { u16le, u32le } from '../../bytes/words.js';
import { MAX_AV_PAIRS, NTLMSSP_SIGNATURE, Ntlm } from './smb.consts.js';

/**
 * Pure SMB helpers: NetBIOS names (RFC 1001 §14.1), SMB strings, NTLMSSP messages
 * ([MS-NLMP] §2.2.1). Bytes in, values out; nothing throws; offsets are checked.
 */

function printable(c: number): string {
  return c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
}

/** UTF-16LE text of [off, off+len), stopping at NUL, control characters replaced, capped. */
export function utf16le(b: Uint8Array, off: number, len: number): string {
  let s = '';
  const end = off + Math.min(len, LIMITS.maxString * 2);
  for (let p = off; p + 1 < end; p += 2) {
    const c = u16le(b, p);
    if (c === 0) break;
    s += printable(c);
  }
  return s.trimEnd();
}

/** Latin-1 text of [off, off+len), stopping at NUL. */
export function oem(b: Uint8Array, off: number, len: number): string {
  let s = '';
  const end = off + Math.min(len, LIMITS.maxString);
  for (let p = off; p < end; p++) {
    const c = b[p] as number;
    if (c === 0) break;
    s += printable(c);
  }
  return s.trimEnd();
}

/** Result of readString: the value and where the next field starts. */
export const str = { value: '', next: 0 };

/**
 * A NUL-terminated SMB1 string at `p` (bounded by `end`): UTF-16LE aligned to 2 bytes from
 * `base` (the SMB header) when `unicode`, else OEM. Sets `str`; false when unterminated.
 */
export function readString(b: Uint8Array, p: number, end: number, unicode: boolean, base: number): boolean {
  if (unicode) {
    if ((p - base) & 1) p++;
    let q = p;
    while (q + 1 < end && (b[q] !== 0 || b[q + 1] !== 0)) q += 2;
    str.value = utf16le(b, p, q - p);
    str.next = q + 2;
    return q + 1 < end;
  }
  let q = p;
  while (q < end && b[q] !== 0) q++;
  str.value = oem(b, p, q - p);
  str.next = q + 1;
  return q < end;
}

/** A decoded NetBIOS name: 15 characters (trailing spaces trimmed) and the suffix byte. */
export const nbName = { name: '', suffix: 0, next: 0 };

/**
 * First-level-encoded NetBIOS name at `p` (RFC 1001 §14.1, RFC 1002 §4.1): length 32, 32
 * letters 'A'-'P' (two per byte), then scope labels up to a 0 byte. Sets `nbName`.
 */
export function decodeNetbiosName(b: Uint8Array, p: number, end: number): boolean {
  if (p + 34 > end || b[p] !== 32) return false;
  let s = '';
  for (let i = 0; i < 16; i++) {
    const hi = (b[p + 1 + 2 * i] as number) - 0x41;
    const lo = (b[p + 2 + 2 * i] as number) - 0x41;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return false;
    const c = (hi << 4) | lo;
    if (i === 15) nbName.suffix = c;
    else s += printable(c);
  }
  nbName.name = s.trimEnd();
  let q = p + 33;
  for (let labels = 0; q < end && b[q] !== 0 && labels < 64; labels++) q += 1 + (b[q] as number);
  if (q >= end) return false;
  nbName.next = q + 1;
  return true;
}

/** Offset of "NTLMSSP\0" in [off, end), or -1. */
export function findNtlmssp(b: Uint8Array, off: number, end: number): number {
  const last = end - 12;
  outer: for (let i = off; i <= last; i++) {
    for (let k = 0; k < 8; k++) if (b[i + k] !== NTLMSSP_SIGNATURE[k]) continue outer;
    return i;
  }
  return -1;
}

export interface NtlmInfo {
  type: number;
  flags: number;
  /** AUTHENTICATE: user, domain and workstation; NEGOTIATE: supplied domain/workstation. */
  user: string;
  domain: string;
  workstation: string;
  /** NtChallengeResponse length (24 = NTLMv1, more = NTLMv2, 0 = anonymous). */
  ntResponseLen: number;
  /** CHALLENGE: target name and target info AV pairs. */
  targetName: string;
  nbComputer: string;
  nbDomain: string;
  dnsComputer: string;
  dnsDomain: string;
  dnsTree: string;
  /** 'major.minor.build' when the VERSION structure is present, else ''. */
  version: string;
}

export function newNtlmInfo(): NtlmInfo {
  return {
    type: 0,
    flags: 0,
    user: '',
    domain: '',
    workstation: '',
    ntResponseLen: 0,
    targetName: '',
    nbComputer: '',
    nbDomain: '',
    dnsComputer: '',
    dnsDomain: '',
    dnsTree: '',
    version: '',
  };
}

function reset(n: NtlmInfo): void {
  n.type = 0;
  n.flags = 0;
  n.user = '';
  n.domain = '';
  n.workstation = '';
  n.ntResponseLen = 0;
  n.targetName = '';
  n.nbComputer = '';
  n.nbDomain = '';
  n.dnsComputer = '';
  n.dnsDomain = '';
  n.dnsTree = '';
  n.version = '';
}

/** A security buffer (len u16, maxlen u16, offset u32 from the message start) as text; null if out of range. */
function field(b: Uint8Array, msg: number, end: number, at: number, unicode: boolean): string | null {
  if (at + 8 > end) return null;
  const len = u16le(b, at);
  const off = u32le(b, at + 4);
  if (len === 0) return '';
  if (msg + off + len > end) return null;
  return unicode ? utf16le(b, msg + off, len) : oem(b, msg + off, len);
}

function version(b: Uint8Array, at: number, end: number): string {
  if (at + 8 > end) return '';
  return `${b[at]}.${b[at + 1]}.${u16le(b, at + 2)}`;
}

/**
 * NTLMSSP message at `msg` (signature checked by the caller), bounded by `end`. Error:
 * `smb-ntlmssp-malformed` (a field points outside the message, or the type is unknown).
 */
export function parseNtlmssp(b: Uint8Array, msg: number, end: number, out: NtlmInfo): string | null {
  reset(out);
  const bad = 'smb-ntlmssp-malformed';
  if (msg + 12 > end) return bad;
  out.type = u32le(b, msg + 8);
  if (out.type === Ntlm.NEGOTIATE) {
    if (msg + 16 > end) return bad;
    out.flags = u32le(b, msg + 12);
    if (out.flags & Ntlm.FLAG_VERSION) out.version = version(b, msg + 32, end);
    // Supplied domain/workstation are OEM (MS-NLMP §2.2.1.1); optional, often absent.
    if (msg + 32 <= end) {
      out.domain = field(b, msg, end, msg + 16, false) ?? '';
      out.workstation = field(b, msg, end, msg + 24, false) ?? '';
    }
    return null;
  }
  if (out.type === Ntlm.CHALLENGE) {
    if (msg + 48 > end) return bad;
    out.flags = u32le(b, msg + 20);
    const uni = (out.flags & Ntlm.FLAG_UNICODE) !== 0;
    const target = field(b, msg, end, msg + 12, uni);
    if (target === null) return bad;
    out.targetName = target;
    const tiLen = u16le(b, msg + 40);
    const tiOff = u32le(b, msg + 44);
    if (tiLen > 0) {
      if (msg + tiOff + tiLen > end) return bad;
      let p = msg + tiOff;
      const tiEnd = p + tiLen;
      for (let n = 0; n < MAX_AV_PAIRS && p + 4 <= tiEnd; n++) {
        const id = u16le(b, p);
        const len = u16le(b, p + 2);
        p += 4;
        if (id === 0) break;
        if (p + len > tiEnd) return bad;
        const v = () => utf16le(b, p, len);
        if (id === 1) out.nbComputer = v();
        else if (id === 2) out.nbDomain = v();
        else if (id === 3) out.dnsComputer = v();
        else if (id === 4) out.dnsDomain = v();
        else if (id === 5) out.dnsTree = v();
        p += len;
      }
    }
    const targetOff = u32le(b, msg + 16);
    if (out.flags & Ntlm.FLAG_VERSION && (target === '' || targetOff >= 56)) out.version = version(b, msg + 48, end);
    return null;
  }
  if (out.type === Ntlm.AUTHENTICATE) {
    if (msg + 64 > end) return bad;
    out.flags = u32le(b, msg + 60);
    const uni = (out.flags & Ntlm.FLAG_UNICODE) !== 0;
    out.ntResponseLen = u16le(b, msg + 20);
    const domain = field(b, msg, end, msg + 28, uni);
    const user = field(b, msg, end, msg + 36, uni);
    const ws = field(b, msg, end, msg + 44, uni);
    if (domain === null || user === null || ws === null) return bad;
    out.domain = domain;
    out.user = user;
    out.workstation = ws;
    // The VERSION field exists when the payload starts after it (offset of the first field >= 72).
    const lmOff = u32le(b, msg + 16);
    if (out.flags & Ntlm.FLAG_VERSION && lmOff >= 72) out.version = version(b, msg + 64, end);
    return null;
  }
  return bad;
}
