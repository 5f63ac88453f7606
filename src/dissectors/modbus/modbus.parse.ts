import { LIMITS } from '../../bytes/errors.js';
import { latin1 } from '../../bytes/reader.js';
import { u16be as u16 } from '../../bytes/words.js';
import {
  EXCEPTION_BIT,
  Fn,
  isKnownException,
  isKnownFunction,
  isValidConformityLevel,
  MAX_MBAP_LENGTH,
  MBAP_HEADER_LEN,
  Mei,
  MIN_MBAP_LENGTH,
  QTY,
} from './modbus.consts.js';

/**
 * Pure Modbus/TCP parsers. Bytes in, fields out; nothing here keeps state or throws.
 *
 * The hot-path parsers (`parseMbap`, `parseRequest`, `parseResponse`) fill a caller-owned
 * struct and return `null` or an anomaly code, so a frame costs no allocation. A non-null code
 * means "malformed": the fields that could be read are still filled in. The identification
 * parsers (43/14 and 17) allocate their results; they run once per identity answer.
 *
 * References: Modbus Application Protocol Specification V1.1b3 ("AP §x"), Modbus Messaging on
 * TCP/IP Implementation Guide V1.0b ("TCP §x").
 */

/** Anomaly codes the parsers return. */
export type ModbusParseError =
  | 'modbus-header-truncated'
  | 'modbus-bad-protocol-id'
  | 'modbus-length-out-of-range'
  | 'modbus-pdu-truncated'
  | 'modbus-pdu-trailing-data'
  | 'modbus-byte-count-mismatch'
  | 'modbus-quantity-out-of-range'
  | 'modbus-bad-coil-value'
  | 'modbus-unknown-function'
  | 'modbus-exception-unknown-code'
  | 'modbus-devid-bad-conformity'
  | 'modbus-devid-bad-more-follows'
  | 'modbus-devid-object-truncated'
  | 'modbus-devid-too-many-objects'
  | 'modbus-devid-not-devid'
  | 'modbus-server-id-empty';

/**
 * MBAP header (TCP §3.1.3), 7 bytes, big-endian:
 * ```
 *  0  transaction id  u16   copied from request to response
 *  2  protocol id     u16   0 = Modbus
 *  4  length          u16   bytes that follow: unit id + PDU (2..254, since a PDU is at most 253)
 *  6  unit id         u8    serial slave behind a gateway; 0xFF or 0 when unused
 * ```
 */
export interface Mbap {
  tid: number;
  protocolId: number;
  length: number;
  unit: number;
}

export function newMbap(): Mbap {
  return { tid: 0, protocolId: 0, length: 0, unit: 0 };
}

/** Reads an MBAP header at `off`. Fields are filled even when an error code is returned. */
export function parseMbap(buf: Uint8Array, off: number, len: number, out: Mbap): ModbusParseError | null {
  if (len < MBAP_HEADER_LEN) return 'modbus-header-truncated';
  out.tid = ((buf[off] as number) << 8) | (buf[off + 1] as number);
  out.protocolId = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
  out.length = ((buf[off + 4] as number) << 8) | (buf[off + 5] as number);
  out.unit = buf[off + 6] as number;
  if (out.protocolId !== 0) return 'modbus-bad-protocol-id';
  if (out.length < MIN_MBAP_LENGTH || out.length > MAX_MBAP_LENGTH) return 'modbus-length-out-of-range';
  return null;
}

/**
 * True when a Modbus/TCP frame plausibly starts at `off`: protocol id 0, length in range and a
 * known function code (with the exception bit only in the server-to-client direction).
 * Needs 8 bytes; used by the probe and to resynchronise a stream.
 */
export function plausibleFrame(buf: Uint8Array, off: number, len: number, dir: 0 | 1): boolean {
  if (len < MBAP_HEADER_LEN + 1) return false;
  if (buf[off + 2] !== 0 || buf[off + 3] !== 0) return false;
  const length = ((buf[off + 4] as number) << 8) | (buf[off + 5] as number);
  if (length < MIN_MBAP_LENGTH || length > MAX_MBAP_LENGTH) return false;
  const fc = buf[off + 7] as number;
  if (fc & EXCEPTION_BIT && dir === 0) return false;
  return isKnownFunction(fc & 0x7f);
}

/**
 * The fields of one PDU (AP §4.1: function code + data). One struct is reused for every
 * frame; -1 marks a field the function does not have.
 */
export interface Pdu {
  /** Function code with the exception bit cleared. */
  fn: number;
  /** Exception code of an exception response (AP §7), else -1. */
  exception: number;
  /** Starting address (coils, registers, FIFO pointer; for 23 the read address). */
  address: number;
  /** Quantity of coils/registers (for 23 the read quantity; for 20/21 the sub-requests). */
  quantity: number;
  byteCount: number;
  /** Written value of 05/06, status of 07, FIFO count of 24. */
  value: number;
  andMask: number;
  orMask: number;
  /** 23: write starting address and quantity. */
  writeAddress: number;
  writeQuantity: number;
  /** 08: diagnostics sub-function; 43: MEI type. */
  subFunction: number;
  /** 43/14 request: read device id code and object id. */
  readCode: number;
  objectId: number;
  /** Offset and length in the buffer of the data (coil bytes, registers, diag data...). */
  dataOff: number;
  dataLen: number;
}

export function newPdu(): Pdu {
  const p = {} as Pdu;
  resetPdu(p);
  return p;
}

export function resetPdu(p: Pdu): void {
  p.fn = -1;
  p.exception = -1;
  p.address = -1;
  p.quantity = -1;
  p.byteCount = -1;
  p.value = -1;
  p.andMask = -1;
  p.orMask = -1;
  p.writeAddress = -1;
  p.writeQuantity = -1;
  p.subFunction = -1;
  p.readCode = -1;
  p.objectId = -1;
  p.dataOff = 0;
  p.dataLen = 0;
}

/** Fixed-size PDU: `need` bytes after the function code. */
function fixed(len: number, need: number): ModbusParseError | null {
  if (len - 1 < need) return 'modbus-pdu-truncated';
  if (len - 1 > need) return 'modbus-pdu-trailing-data';
  return null;
}

function qtyCheck(q: number, max: number): ModbusParseError | null {
  return q < 1 || q > max ? 'modbus-quantity-out-of-range' : null;
}

/**
 * Parses a request PDU at `off` (the function code byte), `len` bytes (MBAP length - 1).
 *
 * Request layouts after the function code (AP §6):
 * ```
 * 01-04 read coils/inputs/registers   addr u16, quantity u16 (1..2000 bits, 1..125 regs)      §6.1-6.4
 * 05    write single coil             addr u16, value u16 (0x0000 or 0xFF00)                    §6.5
 * 06    write single register         addr u16, value u16                                       §6.6
 * 07 11 12 17                         (nothing)                                        §6.7 6.9 6.10 6.13
 * 08    diagnostics                   sub-function u16, data N*u16                              §6.8
 * 15    write multiple coils          addr u16, qty u16, byte count u8 (= ceil(qty/8)), bits    §6.11
 * 16    write multiple registers      addr u16, qty u16, byte count u8 (= 2*qty), registers     §6.12
 * 20    read file record              byte count u8 (7*n), n * (ref type u8 = 6, file u16,      §6.14
 *                                     record u16, length u16)
 * 21    write file record             byte count u8, n * (ref type u8, file u16, record u16,    §6.15
 *                                     length u16, 2*length bytes of data)
 * 22    mask write register           addr u16, and mask u16, or mask u16                       §6.16
 * 23    read/write multiple registers read addr u16, read qty u16, write addr u16, write qty u16,
 *                                     byte count u8 (= 2*write qty), registers                  §6.17
 * 24    read FIFO queue               FIFO pointer addr u16                                     §6.18
 * 43    encapsulated interface        MEI type u8, data; MEI 14: read code u8 (1..4),           §6.19
 *                                     object id u8                                              §6.21
 * ```
 */
export function parseRequest(buf: Uint8Array, off: number, len: number, out: Pdu): ModbusParseError | null {
  resetPdu(out);
  if (len < 1) return 'modbus-pdu-truncated';
  const fc = (buf[off] as number) & 0x7f;
  out.fn = fc;
  const p = off + 1;
  const n = len - 1;
  switch (fc) {
    case Fn.READ_COILS:
    case Fn.READ_DISCRETE_INPUTS:
    case Fn.READ_HOLDING_REGISTERS:
    case Fn.READ_INPUT_REGISTERS: {
      if (n < 4) return 'modbus-pdu-truncated';
      out.address = u16(buf, p);
      out.quantity = u16(buf, p + 2);
      const max = fc <= Fn.READ_DISCRETE_INPUTS ? QTY.readBits : QTY.readRegisters;
      return qtyCheck(out.quantity, max) ?? fixed(len, 4);
    }
    case Fn.WRITE_SINGLE_COIL:
    case Fn.WRITE_SINGLE_REGISTER: {
      if (n < 4) return 'modbus-pdu-truncated';
      out.address = u16(buf, p);
      out.quantity = 1;
      out.value = u16(buf, p + 2);
      out.dataOff = p + 2;
      out.dataLen = 2;
      if (fc === Fn.WRITE_SINGLE_COIL && out.value !== 0 && out.value !== 0xff00) return 'modbus-bad-coil-value';
      return fixed(len, 4);
    }
    case Fn.READ_EXCEPTION_STATUS:
    case Fn.GET_COMM_EVENT_COUNTER:
    case Fn.GET_COMM_EVENT_LOG:
    case Fn.REPORT_SLAVE_ID:
      return fixed(len, 0);
    case Fn.DIAGNOSTICS:
      return parseDiagnostics(buf, p, n, out);
    case Fn.WRITE_MULTIPLE_COILS:
    case Fn.WRITE_MULTIPLE_REGISTERS: {
      if (n < 5) return 'modbus-pdu-truncated';
      out.address = u16(buf, p);
      out.quantity = u16(buf, p + 2);
      out.byteCount = buf[p + 4] as number;
      out.dataOff = p + 5;
      out.dataLen = Math.min(out.byteCount, n - 5);
      if (n - 5 < out.byteCount) return 'modbus-pdu-truncated';
      const coils = fc === Fn.WRITE_MULTIPLE_COILS;
      const q = qtyCheck(out.quantity, coils ? QTY.writeCoils : QTY.writeRegisters);
      if (q) return q;
      const expect = coils ? (out.quantity + 7) >> 3 : out.quantity * 2;
      if (out.byteCount !== expect) return 'modbus-byte-count-mismatch';
      return fixed(len, 5 + out.byteCount);
    }
    case Fn.READ_FILE_RECORD:
    case Fn.WRITE_FILE_RECORD:
      return parseFileRecords(buf, p, n, fc === Fn.WRITE_FILE_RECORD, out);
    case Fn.MASK_WRITE_REGISTER:
      return parseMaskWrite(buf, p, len, out);
    case Fn.READ_WRITE_MULTIPLE_REGISTERS: {
      if (n < 9) return 'modbus-pdu-truncated';
      out.address = u16(buf, p);
      out.quantity = u16(buf, p + 2);
      out.writeAddress = u16(buf, p + 4);
      out.writeQuantity = u16(buf, p + 6);
      out.byteCount = buf[p + 8] as number;
      out.dataOff = p + 9;
      out.dataLen = Math.min(out.byteCount, n - 9);
      if (n - 9 < out.byteCount) return 'modbus-pdu-truncated';
      const q = qtyCheck(out.quantity, QTY.readRegisters) ?? qtyCheck(out.writeQuantity, QTY.rwWriteRegisters);
      if (q) return q;
      if (out.byteCount !== out.writeQuantity * 2) return 'modbus-byte-count-mismatch';
      return fixed(len, 9 + out.byteCount);
    }
    case Fn.READ_FIFO_QUEUE:
      if (n < 2) return 'modbus-pdu-truncated';
      out.address = u16(buf, p);
      return fixed(len, 2);
    case Fn.ENCAP_INTERFACE_TRANSPORT: {
      if (n < 1) return 'modbus-pdu-truncated';
      out.subFunction = buf[p] as number;
      out.dataOff = p + 1;
      out.dataLen = n - 1;
      if (out.subFunction !== Mei.READ_DEVICE_IDENTIFICATION) return null;
      if (n < 3) return 'modbus-pdu-truncated';
      out.readCode = buf[p + 1] as number;
      out.objectId = buf[p + 2] as number;
      return fixed(len, 3);
    }
    default:
      // Unknown and vendor codes (UMAS...): the payload is opaque here.
      out.dataOff = p;
      out.dataLen = n;
      return isKnownFunction(fc) ? null : 'modbus-unknown-function';
  }
}

/**
 * Parses a response PDU at `off` (the function code byte), `len` bytes.
 *
 * Response layouts after the function code (AP §6, §7):
 * ```
 * fc|0x80  exception                   exception code u8 (1-6, 8, 10, 11)
 * 01 02    read coils/discrete inputs  byte count u8, bits (LSB first)
 * 03 04    read registers              byte count u8 (even), registers
 * 05 06    write single                addr u16, value u16 (echo of the request)
 * 07       read exception status       status u8
 * 08       diagnostics                 sub-function u16, data (echo for most sub-functions)
 * 11       get comm event counter      status u16, event count u16
 * 12       get comm event log          byte count u8, status u16, event count u16, message count u16, events
 * 15 16    write multiple              addr u16, quantity u16
 * 17       report server id            byte count u8, server id, run indicator, additional data
 * 20 21    file record                 byte count u8, sub-responses
 * 22       mask write register         addr u16, and mask u16, or mask u16 (echo)
 * 23       read/write multiple         byte count u8 (even), registers
 * 24       read FIFO queue             byte count u16, FIFO count u16 (<= 31), registers
 * 43       encapsulated interface      MEI type u8, data (MEI 14: see parseDeviceIdResponse)
 * ```
 */
export function parseResponse(buf: Uint8Array, off: number, len: number, out: Pdu): ModbusParseError | null {
  resetPdu(out);
  if (len < 1) return 'modbus-pdu-truncated';
  const raw = buf[off] as number;
  const fc = raw & 0x7f;
  out.fn = fc;
  const p = off + 1;
  const n = len - 1;
  if (raw & EXCEPTION_BIT) {
    if (n < 1) return 'modbus-pdu-truncated';
    out.exception = buf[p] as number;
    if (!isKnownException(out.exception)) return 'modbus-exception-unknown-code';
    return fixed(len, 1);
  }
  switch (fc) {
    case Fn.READ_COILS:
    case Fn.READ_DISCRETE_INPUTS:
    case Fn.READ_HOLDING_REGISTERS:
    case Fn.READ_INPUT_REGISTERS:
    case Fn.READ_WRITE_MULTIPLE_REGISTERS:
    case Fn.GET_COMM_EVENT_LOG:
    case Fn.REPORT_SLAVE_ID: {
      const e = byteCounted(buf, p, n, out);
      if (e) return e;
      const registers = fc === Fn.READ_HOLDING_REGISTERS || fc === Fn.READ_INPUT_REGISTERS;
      if ((registers || fc === Fn.READ_WRITE_MULTIPLE_REGISTERS) && out.byteCount & 1) {
        return 'modbus-byte-count-mismatch';
      }
      if (registers || fc === Fn.READ_WRITE_MULTIPLE_REGISTERS) out.quantity = out.byteCount >> 1;
      if (fc === Fn.GET_COMM_EVENT_LOG && out.byteCount < 6) return 'modbus-byte-count-mismatch';
      return null;
    }
    case Fn.WRITE_SINGLE_COIL:
    case Fn.WRITE_SINGLE_REGISTER:
      if (n < 4) return 'modbus-pdu-truncated';
      out.address = u16(buf, p);
      out.quantity = 1;
      out.value = u16(buf, p + 2);
      out.dataOff = p + 2;
      out.dataLen = 2;
      return fixed(len, 4);
    case Fn.READ_EXCEPTION_STATUS:
      if (n < 1) return 'modbus-pdu-truncated';
      out.value = buf[p] as number;
      return fixed(len, 1);
    case Fn.DIAGNOSTICS:
      return parseDiagnostics(buf, p, n, out);
    case Fn.GET_COMM_EVENT_COUNTER:
      if (n < 4) return 'modbus-pdu-truncated';
      out.value = u16(buf, p + 2);
      return fixed(len, 4);
    case Fn.WRITE_MULTIPLE_COILS:
    case Fn.WRITE_MULTIPLE_REGISTERS:
      if (n < 4) return 'modbus-pdu-truncated';
      out.address = u16(buf, p);
      out.quantity = u16(buf, p + 2);
      return fixed(len, 4);
    case Fn.READ_FILE_RECORD:
    case Fn.WRITE_FILE_RECORD:
      return byteCounted(buf, p, n, out);
    case Fn.MASK_WRITE_REGISTER:
      return parseMaskWrite(buf, p, len, out);
    case Fn.READ_FIFO_QUEUE: {
      if (n < 4) return 'modbus-pdu-truncated';
      out.byteCount = u16(buf, p);
      out.value = u16(buf, p + 2);
      out.quantity = out.value;
      out.dataOff = p + 4;
      out.dataLen = Math.min(n - 4, out.value * 2);
      if (out.value > 31) return 'modbus-quantity-out-of-range';
      if (out.byteCount !== 2 + out.value * 2) return 'modbus-byte-count-mismatch';
      return fixed(len, 2 + out.byteCount);
    }
    case Fn.ENCAP_INTERFACE_TRANSPORT:
      if (n < 1) return 'modbus-pdu-truncated';
      out.subFunction = buf[p] as number;
      out.dataOff = p + 1;
      out.dataLen = n - 1;
      if (out.subFunction === Mei.READ_DEVICE_IDENTIFICATION && n >= 2) out.readCode = buf[p + 1] as number;
      return null;
    default:
      out.dataOff = p;
      out.dataLen = n;
      return isKnownFunction(fc) ? null : 'modbus-unknown-function';
  }
}

/** byte count u8, then exactly that many bytes. */
function byteCounted(buf: Uint8Array, p: number, n: number, out: Pdu): ModbusParseError | null {
  if (n < 1) return 'modbus-pdu-truncated';
  out.byteCount = buf[p] as number;
  out.dataOff = p + 1;
  out.dataLen = Math.min(out.byteCount, n - 1);
  if (n - 1 < out.byteCount) return 'modbus-pdu-truncated';
  if (n - 1 > out.byteCount) return 'modbus-byte-count-mismatch';
  return null;
}

/** 08: sub-function u16, then data (AP §6.8). */
function parseDiagnostics(buf: Uint8Array, p: number, n: number, out: Pdu): ModbusParseError | null {
  if (n < 2) return 'modbus-pdu-truncated';
  out.subFunction = u16(buf, p);
  out.dataOff = p + 2;
  out.dataLen = n - 2;
  return null;
}

/** 22: addr u16, and mask u16, or mask u16 (AP §6.16). */
function parseMaskWrite(buf: Uint8Array, p: number, len: number, out: Pdu): ModbusParseError | null {
  if (len - 1 < 6) return 'modbus-pdu-truncated';
  out.address = u16(buf, p);
  out.andMask = u16(buf, p + 2);
  out.orMask = u16(buf, p + 4);
  return fixed(len, 6);
}

/**
 * 20/21 requests (AP §6.14, §6.15): byte count u8, then sub-requests of reference type u8 (6),
 * file number u16, record number u16, record length u16 (and, for 21, 2*length bytes of data).
 * `quantity` becomes the number of sub-requests, `address` the first file number.
 */
function parseFileRecords(buf: Uint8Array, p: number, n: number, write: boolean, out: Pdu): ModbusParseError | null {
  const e = byteCounted(buf, p, n, out);
  if (e) return e;
  let q = out.dataOff;
  const end = out.dataOff + out.dataLen;
  let count = 0;
  while (q < end && count < LIMITS.maxItems) {
    if (end - q < 7) return 'modbus-byte-count-mismatch';
    if (count === 0) out.address = u16(buf, q + 1);
    const recLen = u16(buf, q + 5);
    q += 7;
    if (write) {
      if (end - q < recLen * 2) return 'modbus-byte-count-mismatch';
      q += recLen * 2;
    }
    count++;
  }
  out.quantity = count;
  return null;
}

/** One device identification object (AP §6.21). */
export interface DeviceIdObject {
  id: number;
  /** Latin-1, control characters replaced, capped at LIMITS.maxString (see bytes/reader). */
  value: string;
}

/**
 * 43/14 Read Device Identification response (AP §6.21), after the function code:
 * ```
 *  0  MEI type          u8   14
 *  1  read device id    u8   1 basic, 2 regular, 3 extended, 4 one specific object
 *  2  conformity level  u8   0x01-0x03, 0x81-0x83 (0x80: individual access supported)
 *  3  more follows      u8   0x00 or 0xFF (another request with `next object id` is needed)
 *  4  next object id    u8
 *  5  number of objects u8
 *  6  objects           n * (object id u8, object length u8, value: length bytes)
 * ```
 */
export interface DeviceIdResponse {
  readCode: number;
  conformity: number;
  moreFollows: boolean;
  nextObjectId: number;
  /** Objects announced by the header. */
  declared: number;
  objects: DeviceIdObject[];
  /** First problem met; the objects before it are kept. */
  error: ModbusParseError | null;
}

/** `off` is the function code byte (0x2B) and `len` the PDU length. */
export function parseDeviceIdResponse(buf: Uint8Array, off: number, len: number): DeviceIdResponse {
  const r: DeviceIdResponse = {
    readCode: -1,
    conformity: -1,
    moreFollows: false,
    nextObjectId: 0,
    declared: 0,
    objects: [],
    error: null,
  };
  if (len < 2 || buf[off + 1] !== Mei.READ_DEVICE_IDENTIFICATION) {
    r.error = len < 2 ? 'modbus-pdu-truncated' : 'modbus-devid-not-devid';
    return r;
  }
  if (len < 7) {
    r.error = 'modbus-pdu-truncated';
    return r;
  }
  r.readCode = buf[off + 2] as number;
  r.conformity = buf[off + 3] as number;
  const more = buf[off + 4] as number;
  r.moreFollows = more === 0xff;
  r.nextObjectId = buf[off + 5] as number;
  r.declared = buf[off + 6] as number;
  if (!isValidConformityLevel(r.conformity)) r.error = 'modbus-devid-bad-conformity';
  else if (more !== 0 && more !== 0xff) r.error = 'modbus-devid-bad-more-follows';
  let q = off + 7;
  const end = off + len;
  const count = Math.min(r.declared, LIMITS.maxItems);
  for (let i = 0; i < count; i++) {
    if (end - q < 2) {
      r.error ??= 'modbus-devid-object-truncated';
      return r;
    }
    const id = buf[q] as number;
    const olen = buf[q + 1] as number;
    if (end - q - 2 < olen) {
      r.error ??= 'modbus-devid-object-truncated';
      return r;
    }
    r.objects.push({ id, value: latin1(buf.subarray(q + 2, q + 2 + olen)) });
    q += 2 + olen;
  }
  if (r.declared > count) r.error ??= 'modbus-devid-too-many-objects';
  else if (q < end) r.error ??= 'modbus-pdu-trailing-data';
  return r;
}

/**
 * 17 Report Server ID response (AP §6.13), after the function code:
 * ```
 *  0  byte count     u8
 *  1  server id      device specific (1 byte in practice)
 *  .  run indicator  u8    0x00 OFF, 0xFF ON
 *  .  additional     device specific
 * ```
 * The server id length is device specific. We take one byte and the run indicator after it
 * (the common layout); when that byte is not 0x00/0xFF but the last byte is, the server id is
 * everything before the last byte (seen in the wild, e.g. the ICSNPP test trace).
 */
export interface ServerIdResponse {
  serverId: Uint8Array;
  /** 0x00 or 0xFF, or -1 when no valid run indicator was found. */
  runIndicator: number;
  additional: Uint8Array;
  error: ModbusParseError | null;
}

/** `off` is the function code byte (0x11) and `len` the PDU length. */
export function parseServerIdResponse(buf: Uint8Array, off: number, len: number): ServerIdResponse {
  const empty = buf.subarray(0, 0);
  const r: ServerIdResponse = { serverId: empty, runIndicator: -1, additional: empty, error: null };
  if (len < 2) {
    r.error = 'modbus-pdu-truncated';
    return r;
  }
  const bc = buf[off + 1] as number;
  const avail = Math.min(bc, len - 2);
  const data = buf.subarray(off + 2, off + 2 + avail);
  if (avail < bc) r.error = 'modbus-pdu-truncated';
  else if (avail < len - 2) r.error = 'modbus-byte-count-mismatch';
  if (data.length === 0) {
    r.error ??= 'modbus-server-id-empty';
    return r;
  }
  const second = data.length >= 2 ? (data[1] as number) : -1;
  const last = data[data.length - 1] as number;
  if (second === 0x00 || second === 0xff) {
    r.serverId = data.subarray(0, 1);
    r.runIndicator = second;
    r.additional = data.subarray(2);
  } else if (data.length >= 2 && (last === 0x00 || last === 0xff)) {
    r.serverId = data.subarray(0, data.length - 1);
    r.runIndicator = last;
  } else {
    r.serverId = data.subarray(0, 1);
    r.additional = data.subarray(1);
  }
  return r;
}
