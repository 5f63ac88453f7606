import type { Op } from '../../observations/observation.js';

/**
 * NTP constants (RFC 5905 §7.3 modes; RFC 1305 appendix B / RFC 9327 control opcodes; ntpd's
 * `ntp_request.h` private request codes, named as ntpdc names them without `REQ_`).
 * Every lookup is total: an unknown code becomes `unknown-<n>`.
 */

/** Header of modes 1-5 (RFC 5905 §7.3): 48 bytes. */
export const NTP_HEADER_LEN = 48;
/** Mode 6 control header (RFC 9327 §2): 12 bytes. Mode 7 private header (ntpd): 8 bytes. */
export const CONTROL_HEADER_LEN = 12;
export const PRIVATE_HEADER_LEN = 8;
/** Extension fields walked per packet (RFC 7822). */
export const MAX_EXTENSIONS = 16;

export const Mode = {
  RESERVED: 0,
  SYMMETRIC_ACTIVE: 1,
  SYMMETRIC_PASSIVE: 2,
  CLIENT: 3,
  SERVER: 4,
  BROADCAST: 5,
  CONTROL: 6,
  PRIVATE: 7,
} as const;

const MODE_NAMES = [
  'RESERVED',
  'SYMMETRIC_ACTIVE',
  'SYMMETRIC_PASSIVE',
  'CLIENT',
  'SERVER',
  'BROADCAST',
  'CONTROL',
  'PRIVATE',
] as const;

export function modeName(m: number): string {
  return MODE_NAMES[m & 7] as string;
}

/** Mode 6 opcodes (RFC 9327 §2.1). */
const CONTROL_OPS: ReadonlyArray<readonly [number, string, Op]> = [
  [0, 'UNSPECIFIED', 'diagnostic'],
  [1, 'READ_STATUS', 'diagnostic'],
  [2, 'READ_VARIABLES', 'diagnostic'],
  [3, 'WRITE_VARIABLES', 'diagnostic'],
  [4, 'READ_CLOCK_VARIABLES', 'diagnostic'],
  [5, 'WRITE_CLOCK_VARIABLES', 'diagnostic'],
  [6, 'SET_TRAP', 'diagnostic'],
  [7, 'ASYNC_MESSAGE', 'diagnostic'],
  [8, 'CONFIGURE', 'diagnostic'],
  [9, 'SAVE_CONFIG', 'diagnostic'],
  [10, 'READ_MRU', 'diagnostic'],
  [11, 'READ_ORDERED_LIST', 'diagnostic'],
  [12, 'REQUEST_NONCE', 'diagnostic'],
  [31, 'UNSET_TRAP', 'diagnostic'],
];

const CONTROL_NAME: string[] = [];
for (let i = 0; i < 32; i++) CONTROL_NAME.push(`unknown-${i}`);
for (const [code, name] of CONTROL_OPS) CONTROL_NAME[code] = name;

export function controlOpName(op: number): string {
  return CONTROL_NAME[op & 31] as string;
}

/** Mode 7 request codes (ntpd `ntp_request.h`). 20 and 42 are "monlist", the amplification vector (CVE-2013-5211). */
const PRIVATE_REQS: readonly string[] = [
  'PEER_LIST',
  'PEER_LIST_SUM',
  'PEER_INFO',
  'PEER_STATS',
  'SYS_INFO',
  'SYS_STATS',
  'IO_STATS',
  'MEM_STATS',
  'LOOP_INFO',
  'TIMER_STATS',
  'CONFIG',
  'UNCONFIG',
  'SET_SYS_FLAG',
  'CLR_SYS_FLAG',
  'MONITOR',
  'NOMONITOR',
  'GET_RESTRICT',
  'RESADDFLAGS',
  'RESSUBFLAGS',
  'UNRESTRICT',
  'MON_GETLIST',
  'RESET_STATS',
  'RESET_PEER',
  'REREAD_KEYS',
  'DO_DIRTY_HACK',
  'DONT_DIRTY_HACK',
  'TRUSTKEY',
  'UNTRUSTKEY',
  'AUTHINFO',
  'TRAPS',
  'ADD_TRAP',
  'CLR_TRAP',
  'REQUEST_KEY',
  'CONTROL_KEY',
  'GET_CTLSTATS',
  'GET_LEAPINFO',
  'GET_CLOCKINFO',
  'SET_CLKFUDGE',
  'GET_KERNEL',
  'GET_CLKBUGINFO',
  'unknown-40',
  'SET_PRECISION',
  'MON_GETLIST_1',
  'HOSTNAME_ASSOCID',
  'IF_STATS',
  'IF_RELOAD',
];

export function privateReqName(code: number): string {
  return PRIVATE_REQS[code] ?? `unknown-${code}`;
}

export const MON_GETLIST = 20;
export const MON_GETLIST_1 = 42;

/** Kiss-o'-Death codes and stratum-1 reference sources are 4 ASCII characters (RFC 5905 §7.3). */
export function isAsciiRefId(stratum: number): boolean {
  return stratum <= 1;
}
