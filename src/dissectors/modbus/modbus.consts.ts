import type { Op } from '../../observations/observation.js';

/**
 * Modbus constants: function codes, exception codes, diagnostics sub-functions, MEI types and
 * device identification objects. Names follow Zeek's `base/protocols/modbus/consts.zeek` (and
 * CISA ICSNPP), which follow the tables of the Modbus Application Protocol Specification
 * V1.1b3 (§5.1 public function codes, §7 exception codes, §6.8.1 sub-functions, §6.21 objects).
 * Every lookup is total: an unknown code becomes `unknown-<n>`.
 */

/** Public function codes (spec §5.1, §6), plus vendor codes Zeek names. */
export const Fn = {
  READ_COILS: 0x01,
  READ_DISCRETE_INPUTS: 0x02,
  READ_HOLDING_REGISTERS: 0x03,
  READ_INPUT_REGISTERS: 0x04,
  WRITE_SINGLE_COIL: 0x05,
  WRITE_SINGLE_REGISTER: 0x06,
  READ_EXCEPTION_STATUS: 0x07,
  DIAGNOSTICS: 0x08,
  GET_COMM_EVENT_COUNTER: 0x0b,
  GET_COMM_EVENT_LOG: 0x0c,
  WRITE_MULTIPLE_COILS: 0x0f,
  WRITE_MULTIPLE_REGISTERS: 0x10,
  REPORT_SLAVE_ID: 0x11,
  READ_FILE_RECORD: 0x14,
  WRITE_FILE_RECORD: 0x15,
  MASK_WRITE_REGISTER: 0x16,
  READ_WRITE_MULTIPLE_REGISTERS: 0x17,
  READ_FIFO_QUEUE: 0x18,
  ENCAP_INTERFACE_TRANSPORT: 0x2b,
  /** Schneider Electric UMAS (Unity/EcoStruxure programming); its payload is not decoded here. */
  UMAS: 0x5a,
} as const;

/** Bit set in the function code of an exception response (spec §7). */
export const EXCEPTION_BIT = 0x80;

/** Function code -> [name, op]. Vendor/legacy codes as Zeek names them. */
const FUNCTIONS: ReadonlyArray<readonly [number, string, Op]> = [
  [0x01, 'READ_COILS', 'read'],
  [0x02, 'READ_DISCRETE_INPUTS', 'read'],
  [0x03, 'READ_HOLDING_REGISTERS', 'read'],
  [0x04, 'READ_INPUT_REGISTERS', 'read'],
  [0x05, 'WRITE_SINGLE_COIL', 'write'],
  [0x06, 'WRITE_SINGLE_REGISTER', 'write'],
  [0x07, 'READ_EXCEPTION_STATUS', 'diagnostic'],
  [0x08, 'DIAGNOSTICS', 'diagnostic'],
  [0x09, 'PROGRAM_484', 'program'],
  [0x0a, 'POLL_484', 'program'],
  [0x0b, 'GET_COMM_EVENT_COUNTER', 'diagnostic'],
  [0x0c, 'GET_COMM_EVENT_LOG', 'diagnostic'],
  [0x0d, 'PROGRAM_584_984', 'program'],
  [0x0e, 'POLL_584_984', 'program'],
  [0x0f, 'WRITE_MULTIPLE_COILS', 'write'],
  [0x10, 'WRITE_MULTIPLE_REGISTERS', 'write'],
  [0x11, 'REPORT_SLAVE_ID', 'discovery'],
  [0x12, 'PROGRAM_884_U84', 'program'],
  [0x13, 'RESET_COMM_LINK_884_U84', 'control'],
  [0x14, 'READ_FILE_RECORD', 'read'],
  [0x15, 'WRITE_FILE_RECORD', 'write'],
  [0x16, 'MASK_WRITE_REGISTER', 'write'],
  [0x17, 'READ_WRITE_MULTIPLE_REGISTERS', 'write'],
  [0x18, 'READ_FIFO_QUEUE', 'read'],
  [0x28, 'PROGRAM_CONCEPT', 'program'],
  [0x2b, 'ENCAP_INTERFACE_TRANSPORT', 'discovery'],
  [0x5a, 'UMAS', 'program'],
  [0x7d, 'FIRMWARE_REPLACEMENT', 'firmware'],
  [0x7e, 'PROGRAM_584_984_2', 'program'],
  [0x7f, 'REPORT_LOCAL_ADDRESS', 'discovery'],
];

const FN_NAME: string[] = [];
const FN_OP: Op[] = [];
for (let i = 0; i < 128; i++) {
  FN_NAME.push(`unknown-${i}`);
  FN_OP.push('other');
}
for (const [code, name, op] of FUNCTIONS) {
  FN_NAME[code] = name;
  FN_OP[code] = op;
}

/** True when `code` (without the exception bit) is a function code we know by name. */
export function isKnownFunction(code: number): boolean {
  return code > 0 && code < 128 && !(FN_NAME[code] as string).startsWith('unknown-');
}

/** Name of a function code (0..127; the exception bit must be cleared first). */
export function functionName(code: number): string {
  return code >= 0 && code < 128 ? (FN_NAME[code] as string) : `unknown-${code}`;
}

/** Protocol-neutral operation class of a function code. */
export function functionOp(code: number): Op {
  return code >= 0 && code < 128 ? (FN_OP[code] as Op) : 'other';
}

/** Exception codes (spec §7). */
const EXCEPTIONS: Record<number, string> = {
  1: 'ILLEGAL_FUNCTION',
  2: 'ILLEGAL_DATA_ADDRESS',
  3: 'ILLEGAL_DATA_VALUE',
  4: 'SLAVE_DEVICE_FAILURE',
  5: 'ACKNOWLEDGE',
  6: 'SLAVE_DEVICE_BUSY',
  8: 'MEMORY_PARITY_ERROR',
  10: 'GATEWAY_PATH_UNAVAILABLE',
  11: 'GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND',
};

export function isKnownException(code: number): boolean {
  return EXCEPTIONS[code] !== undefined;
}

export function exceptionName(code: number): string {
  return EXCEPTIONS[code] ?? `unknown-${code}`;
}

/** Diagnostics (08) sub-functions (spec §6.8.1). */
const DIAG_SUBFUNCTIONS: Record<number, string> = {
  0: 'RETURN_QUERY_DATA',
  1: 'RESTART_COMMUNICATIONS_OPTION',
  2: 'RETURN_DIAGNOSTIC_REGISTER',
  3: 'CHANGE_ASCII_INPUT_DELIMITER',
  4: 'FORCE_LISTEN_ONLY_MODE',
  10: 'CLEAR_COUNTERS_AND_DIAGNOSTIC_REGISTER',
  11: 'RETURN_BUS_MESSAGE_COUNT',
  12: 'RETURN_BUS_COMMUNICATION_ERROR_COUNT',
  13: 'RETURN_BUS_EXCEPTION_ERROR_COUNT',
  14: 'RETURN_SLAVE_MESSAGE_COUNT',
  15: 'RETURN_SLAVE_NO_RESPONSE_COUNT',
  16: 'RETURN_SLAVE_NAK_COUNT',
  17: 'RETURN_SLAVE_BUSY_COUNT',
  18: 'RETURN_BUS_CHARACTER_OVERRUN_COUNT',
  20: 'CLEAR_OVERRUN_COUNTER_AND_FLAG',
};

export function diagnosticName(sub: number): string {
  return DIAG_SUBFUNCTIONS[sub] ?? `unknown-${sub}`;
}

/** Diagnostics sub-functions that change the server's behaviour (restart, listen-only). */
export function diagnosticOp(sub: number): Op {
  return sub === 0x01 || sub === 0x04 || sub === 0x0a || sub === 0x14 ? 'control' : 'diagnostic';
}

/** MEI types of function 43 (spec §6.19-6.21). */
export const Mei = {
  CANOPEN_GENERAL_REFERENCE: 13,
  READ_DEVICE_IDENTIFICATION: 14,
} as const;

export function meiTypeName(t: number): string {
  return t === 13 ? 'CANOPEN_GENERAL_REFERENCE' : t === 14 ? 'READ_DEVICE_IDENTIFICATION' : `unknown-${t}`;
}

/** Read Device ID codes of a 43/14 request (spec §6.21). */
export function readDeviceIdCodeName(code: number): string {
  switch (code) {
    case 1:
      return 'BASIC_STREAM';
    case 2:
      return 'REGULAR_STREAM';
    case 3:
      return 'EXTENDED_STREAM';
    case 4:
      return 'SPECIFIC_OBJECT';
    default:
      return `unknown-${code}`;
  }
}

/** Conformity levels of a 43/14 response (spec §6.21): 0x01-0x03, or with bit 0x80 (individual access). */
export function conformityLevelName(level: number): string {
  if (!isValidConformityLevel(level)) return `unknown-${level}`;
  const base = level & 0x7f;
  const name = base === 1 ? 'BASIC' : base === 2 ? 'REGULAR' : 'EXTENDED';
  return level & 0x80 ? `${name}_STREAM_AND_INDIVIDUAL` : `${name}_STREAM`;
}

export function isValidConformityLevel(level: number): boolean {
  return (level >= 1 && level <= 3) || (level >= 0x81 && level <= 0x83);
}

/** Device identification object ids (spec §6.21 table): 0x00-0x06 standard, 0x80-0xFF private. */
const DEVICE_ID_OBJECTS = [
  'VendorName',
  'ProductCode',
  'MajorMinorRevision',
  'VendorUrl',
  'ProductName',
  'ModelName',
  'UserApplicationName',
] as const;

/** Identity field each standard object maps to. */
const DEVICE_ID_FIELDS = ['vendor', 'product_code', 'firmware', 'url', 'product_name', 'model', 'application_name'];

export function deviceIdObjectName(id: number): string {
  if (id >= 0 && id < DEVICE_ID_OBJECTS.length) return DEVICE_ID_OBJECTS[id] as string;
  if (id >= 0x80 && id <= 0xff) return `private-${id}`;
  return `unknown-${id}`;
}

/** Identity field for a device identification object: 'vendor'..., else `modbus_object_<id>`. */
export function deviceIdObjectField(id: number): string {
  return id >= 0 && id < DEVICE_ID_FIELDS.length ? (DEVICE_ID_FIELDS[id] as string) : `modbus_object_${id}`;
}

/** Limits from the spec (§4.1: PDU at most 253 bytes; MBAP length = unit id + PDU). */
export const MBAP_HEADER_LEN = 7;
export const MAX_PDU = 253;
export const MIN_MBAP_LENGTH = 2;
export const MAX_MBAP_LENGTH = MAX_PDU + 1;

/** Quantity ranges per function (spec §6.1-6.17). */
export const QTY = {
  readBits: 2000,
  readRegisters: 125,
  writeCoils: 0x7b0,
  writeRegisters: 0x7b,
  rwWriteRegisters: 0x79,
} as const;
