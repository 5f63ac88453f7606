import type { Op } from '../../observations/observation.js';

/**
 * S7comm / S7comm-plus / COTP constants. Names follow CISA ICSNPP's `scripts/consts.zeek` (the
 * spelling of its cotp.log, s7comm.log, s7comm_read_szl.log and s7comm_plus.log), which follow
 * Wireshark's `packet-s7comm.c` and `packet-s7comm_szl_ids.c`. Every lookup is total: an
 * unknown code becomes `unknown-<n>`.
 */

/** RFC 1006 TPKT: version 3, reserved, length u16 (header included). */
export const TPKT_VERSION = 3;
export const TPKT_HEADER_LEN = 4;
/** Smallest TPKT carrying a COTP header (LI + type). */
export const TPKT_MIN_LEN = 7;

/** ISO 8073 COTP PDU types (high nibble of the type byte; ICSNPP logs the nibble). */
export const Cotp = {
  ED: 0x1,
  EA: 0x2,
  RJ: 0x5,
  AK: 0x6,
  ER: 0x7,
  DR: 0x8,
  DC: 0xc,
  CC: 0xd,
  CR: 0xe,
  DT: 0xf,
} as const;

const COTP_NAMES: Record<number, string> = {
  1: 'ED Expedited Data',
  2: 'EA Expedited Data Acknowledgement',
  5: 'RJ Reject',
  6: 'AK Data Acknowledgement',
  7: 'ER TPDU Error',
  8: 'DR Disconnect Request',
  12: 'DC Disconnect Confirm',
  13: 'CC Connection Confirm',
  14: 'CR Connection Request',
  15: 'DT Data',
};

export function cotpPduName(t: number): string {
  return COTP_NAMES[t] ?? `unknown-${t}`;
}

/** COTP CR/CC parameter codes (ISO 8073 §13.3.4). */
export const CotpParam = { TPDU_SIZE: 0xc0, CALLING_TSAP: 0xc1, CALLED_TSAP: 0xc2 } as const;

/** First byte of the COTP payload. */
export const S7_PROTOCOL_ID = 0x32;
export const S7PLUS_PROTOCOL_ID = 0x72;

/** S7comm ROSCTR (Wireshark `rosctr_names`; ICSNPP spelling). */
export const Rosctr = { JOB: 1, ACK: 2, ACK_DATA: 3, USERDATA: 7 } as const;

export function rosctrName(r: number): string {
  switch (r) {
    case 1:
      return 'Job-Request';
    case 2:
      return 'ACK';
    case 3:
      return 'ACK-Data';
    case 7:
      return 'User-Data';
    default:
      return `unknown-${r}`;
  }
}

/** Job / ACK-Data parameter function codes. */
export const Fn = {
  CPU_SERVICES: 0x00,
  READ_VAR: 0x04,
  WRITE_VAR: 0x05,
  REQUEST_DOWNLOAD: 0x1a,
  DOWNLOAD_BLOCK: 0x1b,
  DOWNLOAD_ENDED: 0x1c,
  START_UPLOAD: 0x1d,
  UPLOAD: 0x1e,
  END_UPLOAD: 0x1f,
  PLC_CONTROL: 0x28,
  PLC_STOP: 0x29,
  SETUP_COMMUNICATION: 0xf0,
} as const;

const JOB_FUNCTIONS: Record<number, readonly [string, Op]> = {
  0: ['CPU Services', 'other'],
  4: ['Read Variable', 'read'],
  5: ['Write Variable', 'write'],
  26: ['Request Download', 'program'],
  27: ['Download Block', 'program'],
  28: ['Download Ended', 'program'],
  29: ['Start Upload', 'program'],
  30: ['Upload', 'program'],
  31: ['End Upload', 'program'],
  40: ['PLC Control', 'control'],
  41: ['PLC Stop', 'control'],
  240: ['Setup Communication', 'other'],
};

export function isKnownJobFunction(fn: number): boolean {
  return JOB_FUNCTIONS[fn] !== undefined;
}
export function jobFunctionName(fn: number): string {
  return JOB_FUNCTIONS[fn]?.[0] ?? `unknown-${fn}`;
}
export function jobFunctionOp(fn: number): Op {
  return JOB_FUNCTIONS[fn]?.[1] ?? 'other';
}

/** Header error classes (ACK / ACK-Data). */
const ERROR_CLASSES: Record<number, string> = {
  0: 'No error',
  129: 'Application relationship error',
  130: 'Object definition error',
  131: 'No ressources available error',
  132: 'Error on service processing',
  133: 'Error on supplies',
  135: 'Access error',
};

export function errorClassName(c: number): string {
  return ERROR_CLASSES[c] ?? `unknown-${c}`;
}

/** A few well-known (class << 8 | code) header/parameter errors (Wireshark `param_errcode_names`). */
const ERROR_CODES: Record<number, string> = {
  0: 'No error',
  272: 'Invalid block number',
  273: 'Invalid request length',
  274: 'Invalid parameter',
  275: 'Invalid block type',
  276: 'Block not found',
  277: 'Block already exists',
  278: 'Block is write-protected',
  279: 'The block/operating system update is too large',
  282: 'Protection level of function not sufficient',
  33028: 'Context is not supported',
  34048: 'Wrong PDU size',
  34561: 'Address out of range',
  53761: 'Syntax error in block name',
  53762: 'Syntax error in function parameter',
  53763: 'Syntax error in block type',
  53769: 'The desired block was not found',
  53825: 'Protection of data with password',
  54786: 'Information function unavailable',
  54788: 'Invalid password',
  54789: 'Password not set',
  54790: 'Password already set',
  54799: 'Wrong password',
};

/** Name of a 16-bit error (class << 8 | code), or the error class name, or `unknown-<n>`. */
export function errorName(e: number): string {
  return ERROR_CODES[e] ?? ERROR_CLASSES[e >> 8] ?? `unknown-${e}`;
}

/** Return codes of read/write items and userdata data parts (Wireshark `s7comm_item_return_valuenames`). */
const RETURN_CODES: Record<number, string> = {
  0: 'Reserved',
  1: 'Hardware error',
  3: 'Accessing the object not allowed',
  5: 'Invalid address',
  6: 'Data type not supported',
  7: 'Data type inconsistent',
  10: 'Object does not exist',
  255: 'Success',
};

export function returnCodeName(c: number): string {
  return RETURN_CODES[c] ?? `unknown-${c}`;
}

/** Userdata function groups (low nibble of the type/group byte). */
export const Group = {
  MODE_TRANSITION: 0x0,
  PROGRAMMER: 0x1,
  CYCLIC: 0x2,
  BLOCK: 0x3,
  CPU: 0x4,
  SECURITY: 0x5,
  PBC: 0x6,
  TIME: 0x7,
  NC: 0xf,
} as const;

const GROUPS: Record<number, string> = {
  0: 'Mode-Transition',
  1: 'Programmer Controls',
  2: 'Cyclic Services',
  3: 'Block Functions',
  4: 'CPU Functions',
  5: 'Security',
  6: 'PBC BSEND-BRECV',
  7: 'Time Functions',
  15: 'NC Programming',
};

export function groupName(g: number): string {
  return GROUPS[g] ?? `unknown-${g}`;
}

/** ICSNPP's userdata function column: 'Request: CPU Functions' (type 4), 'Response: ...' (8), 'Push: ...' (0). */
export function userdataFunctionName(typeGroup: number): string {
  const t = typeGroup & 0xf0;
  const prefix = t === 0x40 ? 'Request' : t === 0x80 ? 'Response' : t === 0x00 ? 'Push' : 'Unknown';
  return `${prefix}: ${GROUPS[typeGroup & 0x0f] ?? 'unknown'}`;
}

type SubTable = Record<number, readonly [string, Op]>;

const SUB_MODE: SubTable = {
  0: ['Stop', 'control'],
  1: ['Warm Restart', 'control'],
  2: ['Run', 'control'],
  3: ['Hot Restart', 'control'],
  4: ['Hold', 'control'],
  6: ['Cold Restart', 'control'],
  9: ['Run_R', 'control'],
  11: ['Link-Up', 'control'],
  12: ['Update', 'control'],
};
const SUB_PROGRAMMER: SubTable = {
  1: ['Block Status', 'read'],
  2: ['Variable Status', 'read'],
  3: ['Output ISTACK', 'diagnostic'],
  4: ['Output BSTACK', 'diagnostic'],
  5: ['Output LSTACK', 'diagnostic'],
  6: ['Time Measurement', 'diagnostic'],
  7: ['Force Selection', 'read'],
  8: ['Modify Variable', 'write'],
  9: ['Force', 'write'],
  10: ['Breakpoint', 'control'],
  11: ['Exit HOLD', 'control'],
  12: ['Memory Reset', 'control'],
  13: ['Disable Job', 'control'],
  14: ['Enable Job', 'control'],
  15: ['Delete Job', 'control'],
  16: ['Read Job List', 'diagnostic'],
  17: ['Read Job', 'diagnostic'],
  18: ['Replace Job', 'control'],
  19: ['Block Status v2', 'read'],
  22: ['Flash LED', 'diagnostic'],
};
const SUB_CYCLIC: SubTable = {
  1: ['Cyclic Transfer', 'read'],
  4: ['Unsubscribe', 'read'],
  5: ['Change Driven Transfer', 'read'],
  7: ['Change Driven Transfer Modify', 'read'],
  8: ['RDREC', 'read'],
};
const SUB_BLOCK: SubTable = {
  1: ['List Blocks', 'discovery'],
  2: ['List Blocks of Type', 'discovery'],
  3: ['Get Block Info', 'discovery'],
};
const SUB_CPU: SubTable = {
  1: ['Read SZL', 'diagnostic'],
  2: ['Message Service', 'diagnostic'],
  3: ['Diagnostic Message', 'diagnostic'],
  4: ['ALARM_8 Indication', 'diagnostic'],
  5: ['NOTIFY Indication', 'diagnostic'],
  6: ['ALARM_8 Lock', 'diagnostic'],
  7: ['ALARM_8 Unlock', 'diagnostic'],
  8: ['SCAN Indication', 'diagnostic'],
  11: ['ALARM_S Indication', 'diagnostic'],
  12: ['ALARM_SQ Indication', 'diagnostic'],
  13: ['ALARM Query', 'diagnostic'],
  14: ['ALARM ACK', 'diagnostic'],
  17: ['ALARM ACK Indication', 'diagnostic'],
  18: ['ALARM Lock Indication', 'diagnostic'],
  19: ['ALARM Unlock Indication', 'diagnostic'],
  22: ['NOTIFY_8 Indication', 'diagnostic'],
};
const SUB_SECURITY: SubTable = { 1: ['PLC Password', 'auth'] };
const SUB_TIME: SubTable = {
  1: ['Read Clock', 'read'],
  2: ['Set Clock', 'write'],
  3: ['Read Clock (Following)', 'read'],
  4: ['Set Clock (2)', 'write'],
};

function subTable(group: number): SubTable | undefined {
  switch (group) {
    case Group.MODE_TRANSITION:
      return SUB_MODE;
    case Group.PROGRAMMER:
      return SUB_PROGRAMMER;
    case Group.CYCLIC:
      return SUB_CYCLIC;
    case Group.BLOCK:
      return SUB_BLOCK;
    case Group.CPU:
      return SUB_CPU;
    case Group.SECURITY:
      return SUB_SECURITY;
    case Group.TIME:
      return SUB_TIME;
    default:
      return undefined;
  }
}

/** Userdata subfunction name within its group (ICSNPP spelling). */
export function subfunctionName(group: number, sub: number): string {
  return subTable(group)?.[sub]?.[0] ?? `unknown-${sub}`;
}

/** ICSNPP prints a subfunction name only for groups it has a table for; others are unset. */
export function hasSubfunctionTable(group: number): boolean {
  return subTable(group) !== undefined;
}

export function userdataOp(group: number, sub: number): Op {
  if (group === Group.NC) return 'program';
  return subTable(group)?.[sub]?.[1] ?? 'other';
}

/** SZL ids of module/component identity: their reads are discovery, others diagnostics. */
export function szlOp(szlId: number): Op {
  const n = szlId & 0xff;
  return n === 0x00 || n === 0x11 || n === 0x1c || n === 0x31 || n === 0x37 ? 'discovery' : 'diagnostic';
}

/** SZL partial list names (low byte of the SZL id; ICSNPP `s7comm_szl_id`). */
const SZL_NAMES: Record<number, string> = {
  0: 'List of all the SZL-IDs of a module',
  17: 'Module identification',
  18: 'CPU characteristics',
  19: 'User memory areas',
  20: 'System areas',
  21: 'Block types',
  22: 'Priority classes',
  23: 'List of the permitted SDBs with a number < 1000',
  24: 'Maximum S7-300 I/O configuration',
  25: 'Status of the module LEDs',
  28: 'Component Identification',
  33: 'Interrupt / error assignment',
  34: 'Interrupt status',
  35: 'Priority classes',
  36: 'Modes',
  37: 'Assignment between process image partitions and OBs',
  49: 'Communication capability parameters',
  50: 'Communication status data',
  51: 'Diagnostics: device logon list',
  55: 'Ethernet - Details of a Module',
  113: 'H CPU group information',
  116: 'Status of the module LEDs',
  117: 'Switched DP slaves in the H-system',
  129: 'Start information list',
  130: 'Start event list',
  145: 'Module status information',
  146: 'Rack / station status information',
  148: 'Rack / station status information',
  149: 'Extended DP master system information',
  150: 'Module status information, PROFINET IO and PROFIBUS DP',
  160: 'Diagnostic buffer of the CPU',
  177: 'Module diagnostic information (data record 0)',
  178: 'Module diagnostic information (data record 1), geographical address',
  179: 'Module diagnostic information (data record 1), logical address',
  180: 'Diagnostic data of a DP slave',
};

export function szlName(szlId: number): string {
  return SZL_NAMES[szlId & 0xff] ?? `unknown-${szlId}`;
}

/** SZL 0x0424 bzu-id modes (Wireshark `szl_0424_0000_bzu_id_names`). */
const MODES: Record<number, string> = {
  1: 'STOP (update)',
  2: 'STOP (memory reset)',
  3: 'STOP (self initialization)',
  4: 'STOP (internal)',
  5: 'Startup (complete restart)',
  7: 'Restart',
  8: 'RUN',
  10: 'HOLD',
  13: 'DEFECT',
};

export function cpuModeName(m: number): string {
  return MODES[m] ?? `unknown-${m}`;
}

/** Short run/stop form of a mode: 'run', 'stop', 'startup', 'hold', 'defect'. */
export function cpuModeShort(m: number): string {
  if (m >= 1 && m <= 4) return 'stop';
  if (m === 5 || m === 7) return 'startup';
  if (m === 8) return 'run';
  if (m === 0xa) return 'hold';
  if (m === 0xd) return 'defect';
  return `unknown-${m}`;
}

/** Block types in upload/download file names ('_0A00001P': type '0A' = DB). */
const BLOCK_TYPES: Record<string, string> = {
  '08': 'OB',
  '0A': 'DB',
  '0B': 'SDB',
  '0C': 'FC',
  '0D': 'SFC',
  '0E': 'FB',
  '0F': 'SFB',
};

export function blockTypeName(t: string): string {
  return BLOCK_TYPES[t.toUpperCase()] ?? `unknown-${t}`;
}

export function filesystemName(f: string): string {
  return f === 'A' ? 'Active' : f === 'P' ? 'Passive' : f === 'B' ? 'Active and passive' : `unknown-${f}`;
}

/**
 * PI services of PLC Control (0x28) and their op: inserting or deleting blocks and copying
 * RAM to ROM change the program; P_PROGRAM (start) and the rest change the CPU's state.
 */
const PI_SERVICES: Record<string, Op> = {
  _INSE: 'program',
  _INS2: 'program',
  _DELE: 'program',
  _MODU: 'program',
  _GARB: 'control',
  P_PROGRAM: 'control',
  _N_F_DELE: 'program',
  _N_F_DELR: 'program',
  _N_DELVAR: 'program',
  _N_F_COPY: 'program',
  _N_F_RENA: 'program',
  _N_F_XFER: 'program',
  _N_LOGIN_: 'auth',
  _N_LOGOUT: 'auth',
  _N_NEWPWD: 'auth',
};

export function piServiceOp(name: string): Op {
  return PI_SERVICES[name] ?? 'control';
}

/** Memory areas of S7ANY item addresses (Wireshark `item_areanames`). */
const AREAS: Record<number, string> = {
  3: 'SYSINFO',
  5: 'SYSFLAGS',
  6: 'ANAIN',
  7: 'ANAOUT',
  28: 'C',
  29: 'T',
  30: 'IEC_C',
  31: 'IEC_T',
  128: 'P',
  129: 'I',
  130: 'Q',
  131: 'M',
  132: 'DB',
  133: 'DI',
  134: 'L',
  135: 'V',
};

export function areaName(a: number): string {
  return AREAS[a] ?? `unknown-${a}`;
}

/** Transport sizes of S7ANY items (Wireshark `item_transportsizenames`). */
const TRANSPORT_SIZES: Record<number, string> = {
  1: 'BIT',
  2: 'BYTE',
  3: 'CHAR',
  4: 'WORD',
  5: 'INT',
  6: 'DWORD',
  7: 'DINT',
  8: 'REAL',
  9: 'DATE',
  10: 'TOD',
  11: 'TIME',
  12: 'S5TIME',
  15: 'DATE_AND_TIME',
  28: 'COUNTER',
  29: 'TIMER',
  30: 'IEC_TIMER',
  31: 'IEC_COUNTER',
  32: 'HS_COUNTER',
};

export function transportSizeName(t: number): string {
  return TRANSPORT_SIZES[t] ?? `unknown-${t}`;
}

/** S7comm-plus opcodes (ICSNPP `s7comm_plus_opcodes`). */
export const PlusOpcode = { REQUEST: 0x31, RESPONSE: 0x32, NOTIFICATION: 0x33, RESPONSE2: 0x02 } as const;

export function plusOpcodeName(o: number): string {
  switch (o) {
    case 0x31:
      return 'Request';
    case 0x32:
      return 'Response';
    case 0x33:
      return 'Notification';
    case 0x02:
      return 'Response2';
    default:
      return `unknown-${o}`;
  }
}

/** S7comm-plus functions (ICSNPP `s7comm_plus_functions`) and their op. */
const PLUS_FUNCTIONS: Record<number, readonly [string, Op]> = {
  1211: ['Explore', 'discovery'],
  1226: ['Create Object', 'other'],
  1236: ['Delete Object', 'other'],
  1266: ['Set Variable', 'write'],
  1276: ['Get Variable', 'read'],
  1316: ['Get Link', 'read'],
  1346: ['Set Multi Variables', 'write'],
  1356: ['Get Multi Variables', 'read'],
  1366: ['Begin Sequence', 'other'],
  1376: ['End Sequence', 'other'],
  1387: ['Invoke', 'control'],
  1414: ['Get Variable Sub Streamed', 'read'],
};

export function plusFunctionName(f: number): string {
  return PLUS_FUNCTIONS[f]?.[0] ?? `unknown-${f}`;
}
export function plusFunctionOp(f: number): Op {
  return PLUS_FUNCTIONS[f]?.[1] ?? 'other';
}

/** S7comm-plus protocol versions: 1 (S7-1200 FW2-3), 2 (S7-1500 FW1.x), 3 (integrity-protected), 0xfe keep-alive. */
export const PLUS_VERSION_KEEPALIVE = 0xfe;
/** Length of the V3 integrity part: digest length byte (0x20) + a 32-byte digest. */
export const PLUS_INTEGRITY_LEN = 33;
