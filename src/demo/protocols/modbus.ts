import { ByteBuilder } from './bytes.js';

/**
 * Modbus/TCP ADU (Modbus Messaging on TCP/IP Implementation Guide v1.0b §3.1.3):
 *   transaction id(2) protocol id(2)=0 length(2)=unit+pdu unit id(1) pdu
 * The transaction id is at offset 0 of the ADU (patched per poll by the generator).
 */
export function mbap(tx: number, unit: number, pdu: Uint8Array): Uint8Array {
  return new ByteBuilder()
    .u16(tx) // transaction identifier
    .u16(0) // protocol identifier: Modbus
    .u16(pdu.length + 1) // length: unit id + PDU
    .u8(unit) // unit identifier
    .bytes(pdu) // PDU
    .done();
}

/** Read Holding (0x03) / Input (0x04) Registers request: fc(1) start(2) quantity(2). Spec §6.3/6.4. */
export function readRegistersReq(fc: 3 | 4, start: number, qty: number): Uint8Array {
  return new ByteBuilder()
    .u8(fc) // function code
    .u16(start) // starting address
    .u16(qty) // quantity of registers
    .done();
}

/** Read registers response: fc(1) byte count(1) values(2 each). */
export function readRegistersResp(fc: 3 | 4, values: readonly number[]): Uint8Array {
  const b = new ByteBuilder()
    .u8(fc) // function code
    .u8(values.length * 2); // byte count
  for (const v of values) b.u16(v); // register value
  return b.done();
}

/** Write Single Register (0x06) request and (echo) response: fc(1) address(2) value(2). Spec §6.6. */
export function writeSingleRegister(addr: number, value: number): Uint8Array {
  return new ByteBuilder()
    .u8(0x06) // function code
    .u16(addr) // register address
    .u16(value) // register value
    .done();
}

/** Write Multiple Registers (0x10) request: fc(1) start(2) quantity(2) byte count(1) values. Spec §6.12. */
export function writeMultipleReq(start: number, values: readonly number[]): Uint8Array {
  const b = new ByteBuilder()
    .u8(0x10) // function code
    .u16(start) // starting address
    .u16(values.length) // quantity of registers
    .u8(values.length * 2); // byte count
  for (const v of values) b.u16(v); // register value
  return b.done();
}

/** Write Multiple Registers response: fc(1) start(2) quantity(2). */
export function writeMultipleResp(start: number, qty: number): Uint8Array {
  return new ByteBuilder()
    .u8(0x10) // function code
    .u16(start) // starting address
    .u16(qty) // quantity written
    .done();
}

/** Read Device Identification request (0x2B / MEI 0x0E): fc(1) mei(1) read code(1) object id(1). Spec §6.21. */
export function readDeviceIdReq(readCode: number, objectId: number): Uint8Array {
  return new ByteBuilder()
    .u8(0x2b) // function code: encapsulated interface transport
    .u8(0x0e) // MEI type: read device identification
    .u8(readCode) // read device id code (1 basic, 2 regular, 3 extended, 4 specific)
    .u8(objectId) // first object id
    .done();
}

/**
 * Read Device Identification response:
 *   fc(1) mei(1) read code(1) conformity(1) more follows(1) next object id(1) count(1)
 *   then per object: id(1) length(1) value
 */
export function readDeviceIdResp(readCode: number, objects: readonly [number, string][]): Uint8Array {
  const b = new ByteBuilder()
    .u8(0x2b) // function code
    .u8(0x0e) // MEI type
    .u8(readCode) // read device id code
    .u8(0x82) // conformity level: regular, individual access
    .u8(0) // more follows: no
    .u8(0) // next object id
    .u8(objects.length); // number of objects
  for (const [id, value] of objects) {
    b.u8(id) // object id
      .u8(value.length) // object length
      .ascii(value); // object value
  }
  return b.done();
}
