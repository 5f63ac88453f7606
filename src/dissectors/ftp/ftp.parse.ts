import type { IdentityFact, Op } from '../../observations/observation.js';

/**
 * Pure FTP control-channel parsers (RFC 959 §4, §5.4; RFC 2228 AUTH; RFC 2428 EPRT/EPSV).
 *
 * ```
 * command = verb [ SP argument ] CRLF          verb: 3-4 letters (case-insensitive)
 * reply   = 3DIGIT SP text CRLF                single line
 *         | 3DIGIT "-" text CRLF *( line CRLF ) 3DIGIT SP text CRLF   multi-line: ends with the same code and SP
 * first digit: 1 preliminary, 2 completion, 3 intermediate, 4 transient failure, 5 permanent failure
 * ```
 */

export type FtpParseError = 'ftp-bad-command' | 'ftp-bad-reply' | 'ftp-line-too-long' | 'ftp-command-too-long';

/** Longest line we wait for (RFC 959 sets none; servers use 512 or less). */
export const MAX_LINE = 4096;
/** Longest verb accepted as a command name. */
export const MAX_VERB = 64;

/** Index of the next LF in [pos, end), or -1. */
export function findLf(buf: Uint8Array, pos: number, end: number): number {
  for (let i = pos; i < end; i++) if (buf[i] === 0x0a) return i;
  return -1;
}
/** End of a line's content (before CRLF/LF), for a line whose LF is at `lf`. */
export function lineContentEnd(buf: Uint8Array, start: number, lf: number): number {
  let e = lf;
  while (e > start && (buf[e - 1] === 0x0d || buf[e - 1] === 0x00)) e--;
  return e;
}

/** Command line fields (offsets). */
export interface CommandLine {
  verbOff: number;
  verbLen: number;
  argOff: number;
  argLen: number;
}
export function newCommandLine(): CommandLine {
  return { verbOff: 0, verbLen: 0, argOff: 0, argLen: 0 };
}

/** Parses `verb [SP arg]` in [s, e) (no CRLF). */
export function parseCommand(buf: Uint8Array, s: number, e: number, out: CommandLine): FtpParseError | null {
  let p = s;
  while (p < e) {
    const c = (buf[p] as number) | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    p++;
  }
  out.verbOff = s;
  out.verbLen = p - s;
  out.argOff = p;
  out.argLen = 0;
  if (p === s || (p < e && buf[p] !== 0x20)) return 'ftp-bad-command';
  if (p - s > MAX_VERB) {
    out.verbLen = MAX_VERB;
    return 'ftp-command-too-long';
  }
  if (p < e) {
    out.argOff = p + 1;
    out.argLen = e - p - 1;
  }
  return null;
}

/** Reply line: code and whether it opens a multi-line reply (`ddd-`). -1 code = not a reply line. */
export interface ReplyLine {
  code: number;
  more: boolean;
  textOff: number;
}
export function newReplyLine(): ReplyLine {
  return { code: -1, more: false, textOff: 0 };
}

/** Parses `ddd SP text` / `ddd-text` / bare `ddd` in [s, e). */
export function parseReply(buf: Uint8Array, s: number, e: number, out: ReplyLine): FtpParseError | null {
  out.code = -1;
  out.more = false;
  out.textOff = e;
  if (e - s < 3) return 'ftp-bad-reply';
  let c = 0;
  for (let i = 0; i < 3; i++) {
    const d = (buf[s + i] as number) - 0x30;
    if (d < 0 || d > 9) return 'ftp-bad-reply';
    c = c * 10 + d;
  }
  if (c < 100 || c > 599) return 'ftp-bad-reply';
  if (e > s + 3) {
    const sep = buf[s + 3];
    if (sep !== 0x20 && sep !== 0x2d) return 'ftp-bad-reply';
    out.more = sep === 0x2d;
    out.textOff = s + 4;
  }
  out.code = c;
  return null;
}

/** Command verb -> op (RFC 959 §4.1 and extensions). */
const OPS: Readonly<Record<string, Op>> = {
  USER: 'auth',
  PASS: 'auth',
  ACCT: 'auth',
  AUTH: 'auth',
  ADAT: 'auth',
  RETR: 'read',
  LIST: 'read',
  NLST: 'read',
  MLSD: 'read',
  MLST: 'read',
  SIZE: 'read',
  MDTM: 'read',
  STAT: 'read',
  STOR: 'write',
  STOU: 'write',
  APPE: 'write',
  DELE: 'write',
  MKD: 'write',
  XMKD: 'write',
  RMD: 'write',
  XRMD: 'write',
  RNFR: 'write',
  RNTO: 'write',
};
export function commandOp(verb: string): Op {
  return OPS[verb] ?? 'other';
}

/** Small stable codes for `fnCode` (index in RFC 959 §4.1 order, then extensions); 0 = other. */
const CODES = [
  '',
  'USER',
  'PASS',
  'ACCT',
  'CWD',
  'CDUP',
  'SMNT',
  'REIN',
  'QUIT',
  'PORT',
  'PASV',
  'TYPE',
  'STRU',
  'MODE',
  'RETR',
  'STOR',
  'STOU',
  'APPE',
  'ALLO',
  'REST',
  'RNFR',
  'RNTO',
  'ABOR',
  'DELE',
  'RMD',
  'MKD',
  'PWD',
  'LIST',
  'NLST',
  'SITE',
  'SYST',
  'STAT',
  'HELP',
  'NOOP',
  'FEAT',
  'OPTS',
  'AUTH',
  'ADAT',
  'PBSZ',
  'PROT',
  'EPRT',
  'EPSV',
  'SIZE',
  'MDTM',
  'MLSD',
  'MLST',
];
export function commandCode(verb: string): number {
  return Math.max(CODES.indexOf(verb), 0);
}

/** User names that mean an anonymous login (RFC 1635). */
export function isAnonymous(user: string): boolean {
  const u = user.toLowerCase();
  return u === 'anonymous' || u === 'ftp';
}

/** Server software and device-maker guesses from the 220 banner (precedence 30). */
const BANNER_PRODUCTS: ReadonlyArray<RegExp> = [
  /\b(vsFTPd) ([\w.-]+)/i,
  /\b(ProFTPD) ([\w.-]+)/i,
  /\b(Pure-FTPd)\b/i,
  /\b(FileZilla Server)(?: version)? ?([\w.-]*)/i,
  /\b(Microsoft FTP Service)\b/i,
  /\b(Serv-U FTP Server) v?([\w.-]*)/i,
  /\b(wu)-([\w.-]+)/i,
  /\b(VxWorks)(?: \(?([\w.-]+)\)?)?/i,
  /\b(GoAhead)\b/i,
];
const BANNER_VENDORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Siemens|SIMATIC/i, 'Siemens'],
  [/Schneider|Modicon|Telemecanique/i, 'Schneider Electric'],
  [/Allen-Bradley|Rockwell/i, 'Rockwell Automation (Allen-Bradley)'],
  [/WAGO/i, 'WAGO'],
  [/Phoenix ?Contact/i, 'Phoenix Contact'],
  [/Moxa/i, 'Moxa'],
  [/Beckhoff/i, 'Beckhoff'],
  [/Omron/i, 'Omron'],
  [/Mitsubishi/i, 'Mitsubishi Electric'],
  [/Hirschmann/i, 'Hirschmann'],
];
export function bannerHints(banner: string, source: string): IdentityFact[] {
  const out: IdentityFact[] = [];
  for (const re of BANNER_PRODUCTS) {
    const m = re.exec(banner);
    if (!m) continue;
    out.push({ field: 'ftp_server_product', value: m[1] as string, source, precedence: 30 });
    if (m[2]) out.push({ field: 'ftp_server_version', value: m[2], source, precedence: 30 });
    if (/VxWorks/i.test(m[1] as string)) out.push({ field: 'os', value: 'VxWorks', source, precedence: 30 });
    break;
  }
  for (const [re, vendor] of BANNER_VENDORS) {
    if (re.test(banner)) {
      out.push({ field: 'vendor', value: vendor, source, precedence: 30 });
      break;
    }
  }
  return out;
}
