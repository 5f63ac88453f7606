import type { Op } from '../../observations/observation.js';

/**
 * DNP3 constants: link-layer functions, application function codes, IIN bits, object sizes and
 * device attributes. Application function names follow Zeek's `base/protocols/dnp3/consts.zeek`
 * (and CISA ICSNPP), which follow IEEE 1815-2012 Table 4-4 ("1815 §x" below). Every lookup is
 * total: an unknown code becomes `unknown-<n>`.
 */

/** Link layer (1815 §9.2): start octets, header length, largest LENGTH, user-data block size. */
export const LINK_START_0 = 0x05;
export const LINK_START_1 = 0x64;
export const LINK_HEADER_LEN = 10;
/** LENGTH counts control, destination, source and user data (not CRCs): 5..255. */
export const LINK_MIN_LENGTH = 5;
export const LINK_BLOCK = 16;
/** Largest link frame on the wire: 10 header + 250 user data + 16 block CRCs. */
export const LINK_MAX_FRAME = 292;
/** Largest application fragment we reassemble (1815 §8.2.2: 2048 is the usual maximum; 4096 leaves room). */
export const MAX_APP_FRAGMENT = 4096;

/** Control octet bits (1815 §9.2.4.1). */
export const CTRL_DIR = 0x80;
export const CTRL_PRM = 0x40;
export const CTRL_FCB = 0x20;
export const CTRL_FCV = 0x10;

/** Primary (PRM=1) link functions (1815 §9.2.4.1.3, Table 9-1). */
const LINK_PRIMARY: Record<number, string> = {
  0: 'RESET_LINK_STATES',
  1: 'RESET_USER_PROCESS',
  2: 'TEST_LINK_STATES',
  3: 'CONFIRMED_USER_DATA',
  4: 'UNCONFIRMED_USER_DATA',
  9: 'REQUEST_LINK_STATUS',
};
/** Secondary (PRM=0) link functions (Table 9-2). */
const LINK_SECONDARY: Record<number, string> = {
  0: 'ACK',
  1: 'NACK',
  11: 'LINK_STATUS',
  14: 'NOT_FUNCTIONING',
  15: 'NOT_SUPPORTED',
};

export function linkFunctionName(prm: boolean, fn: number): string {
  return (prm ? LINK_PRIMARY[fn] : LINK_SECONDARY[fn]) ?? `unknown-${fn}`;
}

/** Transport header (1815 §8.2.1): FIN, FIR, 6-bit sequence. */
export const TP_FIN = 0x80;
export const TP_FIR = 0x40;

/** Application control (1815 §4.2.2.4). */
export const AC_FIR = 0x80;
export const AC_FIN = 0x40;
export const AC_CON = 0x20;
export const AC_UNS = 0x10;

/** Application function codes (1815 Table 4-4). */
export const Fc = {
  CONFIRM: 0x00,
  READ: 0x01,
  WRITE: 0x02,
  SELECT: 0x03,
  OPERATE: 0x04,
  DIRECT_OPERATE: 0x05,
  DIRECT_OPERATE_NR: 0x06,
  FREEZE_AT_TIME: 0x0b,
  FREEZE_AT_TIME_NR: 0x0c,
  RESPONSE: 0x81,
  UNSOLICITED_RESPONSE: 0x82,
  AUTHENTICATE_RESP: 0x83,
} as const;

/**
 * Function code -> [name, op]. Op choices: READ read; WRITE/SELECT/OPERATE/DIRECT_OPERATE(_NR)
 * write (control-relay output blocks and analog output blocks are setpoint/output writes, like
 * Modbus coil writes); freezes write (they change counter state); restarts, INITIALIZE_*,
 * START/STOP_APPL, SAVE_CONFIG control; the file functions firmware (DNP3 file transfer is how
 * configuration files and firmware images reach an outstation); ACTIVATE_CONFIG program (it
 * makes a downloaded configuration live); AUTHENTICATE_* auth; class assignment, unsolicited
 * enable/disable and time functions other; DELAY_MEASURE diagnostic.
 */
const FUNCTIONS: ReadonlyArray<readonly [number, string, Op]> = [
  [0x00, 'CONFIRM', 'other'],
  [0x01, 'READ', 'read'],
  [0x02, 'WRITE', 'write'],
  [0x03, 'SELECT', 'write'],
  [0x04, 'OPERATE', 'write'],
  [0x05, 'DIRECT_OPERATE', 'write'],
  [0x06, 'DIRECT_OPERATE_NR', 'write'],
  [0x07, 'IMMED_FREEZE', 'write'],
  [0x08, 'IMMED_FREEZE_NR', 'write'],
  [0x09, 'FREEZE_CLEAR', 'write'],
  [0x0a, 'FREEZE_CLEAR_NR', 'write'],
  [0x0b, 'FREEZE_AT_TIME', 'write'],
  [0x0c, 'FREEZE_AT_TIME_NR', 'write'],
  [0x0d, 'COLD_RESTART', 'control'],
  [0x0e, 'WARM_RESTART', 'control'],
  [0x0f, 'INITIALIZE_DATA', 'control'],
  [0x10, 'INITIALIZE_APPL', 'control'],
  [0x11, 'START_APPL', 'control'],
  [0x12, 'STOP_APPL', 'control'],
  [0x13, 'SAVE_CONFIG', 'control'],
  [0x14, 'ENABLE_UNSOLICITED', 'other'],
  [0x15, 'DISABLE_UNSOLICITED', 'other'],
  [0x16, 'ASSIGN_CLASS', 'other'],
  [0x17, 'DELAY_MEASURE', 'diagnostic'],
  [0x18, 'RECORD_CURRENT_TIME', 'other'],
  [0x19, 'OPEN_FILE', 'firmware'],
  [0x1a, 'CLOSE_FILE', 'firmware'],
  [0x1b, 'DELETE_FILE', 'firmware'],
  [0x1c, 'GET_FILE_INFO', 'firmware'],
  [0x1d, 'AUTHENTICATE_FILE', 'firmware'],
  [0x1e, 'ABORT_FILE', 'firmware'],
  [0x1f, 'ACTIVATE_CONFIG', 'program'],
  [0x20, 'AUTHENTICATE_REQ', 'auth'],
  [0x21, 'AUTHENTICATE_ERR', 'auth'],
  [0x81, 'RESPONSE', 'read'],
  [0x82, 'UNSOLICITED_RESPONSE', 'read'],
  [0x83, 'AUTHENTICATE_RESP', 'auth'],
];

const FC_NAME: string[] = [];
const FC_OP: Op[] = [];
for (let i = 0; i < 256; i++) {
  FC_NAME.push(`unknown-${i}`);
  FC_OP.push('other');
}
for (const [code, name, op] of FUNCTIONS) {
  FC_NAME[code] = name;
  FC_OP[code] = op;
}

export function functionName(fc: number): string {
  return fc >= 0 && fc < 256 ? (FC_NAME[fc] as string) : `unknown-${fc}`;
}
export function functionOp(fc: number): Op {
  return fc >= 0 && fc < 256 ? (FC_OP[fc] as Op) : 'other';
}
/** Request function codes are 0x00-0x21 (1815 Table 4-4); 0x81-0x83 are responses. */
export function isRequestFc(fc: number): boolean {
  return fc <= 0x21;
}
export function isResponseFc(fc: number): boolean {
  return fc >= 0x81 && fc <= 0x83;
}
/** Requests that carry object headers only, never object data (1815 §4.4). */
export function requestHasNoData(fc: number): boolean {
  return fc === 0x01 || (fc >= 0x07 && fc <= 0x0a) || fc === 0x14 || fc === 0x15 || fc === 0x16;
}

/**
 * Internal indications (1815 §4.2.2.7.1), as Zeek's 16-bit `iin` = IIN1 << 8 | IIN2.
 * Bit 15 = IIN1.7 ... bit 0 = IIN2.0.
 */
const IIN_NAMES: readonly string[] = [
  'no-func-code-support', // IIN2.0
  'object-unknown', // IIN2.1
  'parameter-error', // IIN2.2
  'event-buffer-overflow', // IIN2.3
  'already-executing', // IIN2.4
  'config-corrupt', // IIN2.5
  'reserved-2.6', // IIN2.6
  'reserved-2.7', // IIN2.7
  'broadcast', // IIN1.0
  'class-1-events', // IIN1.1
  'class-2-events', // IIN1.2
  'class-3-events', // IIN1.3
  'need-time', // IIN1.4
  'local-control', // IIN1.5
  'device-trouble', // IIN1.6
  'device-restart', // IIN1.7
];

/** Comma-joined names of the set IIN bits, most significant first ('' for 0). */
export function iinNames(iin: number): string {
  let s = '';
  for (let b = 15; b >= 0; b--) {
    if (iin & (1 << b)) s += s === '' ? IIN_NAMES[b] : `,${IIN_NAMES[b]}`;
  }
  return s;
}

/** IIN2 bits 0-2: the outstation rejected the request; the first set one names the exception. */
export function iinException(iin: number): string | undefined {
  if (iin & 0x01) return 'NO_FUNC_CODE_SUPPORT';
  if (iin & 0x02) return 'OBJECT_UNKNOWN';
  if (iin & 0x04) return 'PARAMETER_ERROR';
  return undefined;
}

/** Object size in bytes per (group << 8 | variation); negative = bits per object (packed). */
const SIZES: Record<number, number> = {};
function sizes(group: number, list: readonly number[]): void {
  list.forEach((n, i) => {
    SIZES[(group << 8) | (i + 1)] = n;
  });
}
// 1815 Annex A object library (Wireshark packet-dnp.c uses the same sizes).
sizes(1, [-1, 1]); // binary input: packed, with flags
sizes(2, [1, 7, 3]); // binary input event: no time, abs time, rel time
sizes(3, [-2, 1]); // double-bit binary input
sizes(4, [1, 7, 3]); // double-bit input event
sizes(10, [-1, 1]); // binary output: packed, status
sizes(11, [1, 7]); // binary output event
sizes(12, [11, 11, -1]); // CROB, pattern control block, pattern mask
sizes(13, [1, 7]); // binary output command event
sizes(20, [5, 3, 5, 3, 4, 2, 4, 2]); // counters
sizes(21, [5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2]); // frozen counters
sizes(22, [5, 3, 5, 3, 11, 9, 11, 9]); // counter events
sizes(23, [5, 3, 5, 3, 11, 9, 11, 9]); // frozen counter events
sizes(30, [5, 3, 4, 2, 5, 9]); // analog inputs
sizes(31, [5, 3, 11, 9, 4, 2, 5, 9]); // frozen analog inputs
sizes(32, [5, 3, 11, 9, 5, 9, 11, 15]); // analog input events
sizes(33, [5, 3, 11, 9, 5, 9, 11, 15]); // frozen analog input events
sizes(34, [2, 4, 4]); // analog input deadbands
sizes(40, [5, 3, 5, 9]); // analog output status
sizes(41, [5, 3, 5, 9]); // analog output blocks
sizes(42, [5, 3, 11, 9, 5, 9, 11, 15]); // analog output events
sizes(43, [5, 3, 11, 9, 5, 9, 11, 15]); // analog output command events
sizes(50, [6, 10, 6, 11]); // time and date
sizes(51, [6, 6]); // common time of occurrence
sizes(52, [2, 2]); // time delay coarse / fine
sizes(80, [-1]); // internal indications (packed)
sizes(81, [3]); // storage object
sizes(101, [2, 4, 8]); // BCD
sizes(102, [1]); // unsigned 8-bit integer
sizes(121, [7]); // security statistic
sizes(122, [7, 13]); // security statistic event

/** Bytes per object (>0), bits per object (<0), 0 for no data, or null when unknown or variable. */
export function objectSize(group: number, variation: number): number | null {
  if (group === 60) return 0; // class data: headers only
  // Octet strings, virtual terminal: the variation is the length.
  if (group === 110 || group === 111 || group === 112 || group === 113) return variation;
  return SIZES[(group << 8) | variation] ?? null;
}

/** Device attributes of group 0 (1815 §11.9.x, Table 11-...) that identify a device, and their identity field. */
const DEVICE_ATTRIBUTES: Record<number, readonly [string, string]> = {
  242: ['software_version', 'firmware'],
  243: ['hardware_version', 'hardware_revision'],
  244: ['owner_name', 'owner'],
  245: ['location_name', 'location'],
  246: ['user_assigned_id', 'dnp3_user_id'],
  247: ['device_name', 'device_name'],
  248: ['serial_number', 'serial'],
  249: ['subset_and_conformance', 'dnp3_conformance'],
  250: ['product_name_and_model', 'product_name'],
  252: ['manufacturer_name', 'vendor'],
};

/** Name of a device attribute variation (group 0), e.g. `manufacturer_name`, else `attribute_<n>`. */
export function deviceAttributeName(variation: number): string {
  return DEVICE_ATTRIBUTES[variation]?.[0] ?? `attribute_${variation}`;
}
/** Identity field of a device attribute, or null when the attribute is not about identity. */
export function deviceAttributeField(variation: number): string | null {
  return DEVICE_ATTRIBUTES[variation]?.[1] ?? null;
}
