import { MAX_PRI } from './syslog.consts.js';

/**
 * Pure syslog header parser (RFC 5424 §6, RFC 3164 §4.1). Only the header is read: PRI,
 * HOSTNAME and APP-NAME (3164: the TAG). The message text is never stored. Fields are (offset,
 * length) views into the caller's buffer, valid only during the call.
 */

export type SyslogParseError = 'syslog-missing-pri' | 'syslog-bad-pri' | 'syslog-empty';

/**
 * ```
 * RFC 5424: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
 *           e.g. <165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - ...
 * RFC 3164: <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG
 *           e.g. <34>Oct 11 22:14:15 mymachine su: 'su root' failed
 * ```
 * PRI = facility * 8 + severity, 1-3 digits, at most 191. A "-" HOSTNAME or APP-NAME is nil.
 * A 3164 message whose first word after the timestamp ends with ':' or holds '[' has no
 * HOSTNAME (the word is the TAG), as many devices send it.
 */
export interface SyslogHeader {
  /** PRI value, -1 when absent or malformed. */
  pri: number;
  /** 5424 or 3164 (0 when neither header shape is recognised). */
  format: number;
  hostOff: number;
  hostLen: number;
  appOff: number;
  appLen: number;
}

export function newSyslogHeader(): SyslogHeader {
  return { pri: -1, format: 0, hostOff: 0, hostLen: 0, appOff: 0, appLen: 0 };
}

const SP = 0x20;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** End of the space-free token at `p` (bounded by `end`). */
function token(buf: Uint8Array, p: number, end: number): number {
  while (p < end && buf[p] !== SP && buf[p] !== 0x0a && buf[p] !== 0) p++;
  return p;
}

/** `Mmm dd hh:mm:ss ` (16 bytes; day space-padded). */
function isBsdTimestamp(buf: Uint8Array, p: number, end: number): boolean {
  if (end - p < 16) return false;
  for (let i = 0; i < 3; i++) {
    const c = (buf[p + i] as number) | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
  }
  return (
    buf[p + 3] === SP &&
    (buf[p + 4] === SP || isDigit(buf[p + 4])) &&
    isDigit(buf[p + 5]) &&
    buf[p + 6] === SP &&
    isDigit(buf[p + 7]) &&
    isDigit(buf[p + 8]) &&
    buf[p + 9] === 0x3a &&
    isDigit(buf[p + 10]) &&
    isDigit(buf[p + 11]) &&
    buf[p + 12] === 0x3a &&
    isDigit(buf[p + 13]) &&
    isDigit(buf[p + 14]) &&
    buf[p + 15] === SP
  );
}

/** A plausible host name: letters, digits, '.', '-', '_', ':' (IPv6); 1-255 bytes. */
function isHostName(buf: Uint8Array, p: number, e: number): boolean {
  if (e <= p || e - p > 255) return false;
  for (let i = p; i < e; i++) {
    const c = buf[i] as number;
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) ||
      c === 0x2e ||
      c === 0x2d ||
      c === 0x5f ||
      c === 0x3a;
    if (!ok) return false;
  }
  return buf[e - 1] !== 0x3a;
}

export function parseSyslog(buf: Uint8Array, off: number, len: number, h: SyslogHeader): SyslogParseError | null {
  h.pri = -1;
  h.format = 0;
  h.hostOff = 0;
  h.hostLen = 0;
  h.appOff = 0;
  h.appLen = 0;
  if (len <= 0) return 'syslog-empty';
  const end = off + len;
  if (buf[off] !== 0x3c) return 'syslog-missing-pri';
  let p = off + 1;
  let pri = 0;
  let digits = 0;
  while (p < end && isDigit(buf[p]) && digits < 4) {
    pri = pri * 10 + ((buf[p] as number) - 0x30);
    p++;
    digits++;
  }
  if (digits === 0 || digits > 3 || p >= end || buf[p] !== 0x3e || pri > MAX_PRI) return 'syslog-bad-pri';
  h.pri = pri;
  p++;
  // RFC 5424: VERSION (1-2 digits, non-zero first) then SP.
  if (isDigit(buf[p]) && buf[p] !== 0x30 && (buf[p + 1] === SP || (isDigit(buf[p + 1]) && buf[p + 2] === SP))) {
    h.format = 5424;
    p = token(buf, p, end) + 1; // version
    p = token(buf, p, end) + 1; // timestamp
    const he = token(buf, p, end);
    if (!(he - p === 1 && buf[p] === 0x2d)) {
      h.hostOff = p;
      h.hostLen = he - p;
    }
    p = he + 1;
    const ae = token(buf, p, end);
    if (p < end && !(ae - p === 1 && buf[p] === 0x2d)) {
      h.appOff = p;
      h.appLen = ae - p;
    }
    return null;
  }
  if (!isBsdTimestamp(buf, p, end)) return null;
  h.format = 3164;
  p += 16;
  let e = token(buf, p, end);
  if (isHostName(buf, p, e) && e < end) {
    h.hostOff = p;
    h.hostLen = e - p;
    p = e + 1;
    e = token(buf, p, end);
  }
  // TAG: up to '[' or ':' (RFC 3164 §4.1.3: at most 32 alphanumerics).
  let t = p;
  while (t < e && t - p < 48 && buf[t] !== 0x5b && buf[t] !== 0x3a) t++;
  if (t > p) {
    h.appOff = p;
    h.appLen = t - p;
  }
  return null;
}
