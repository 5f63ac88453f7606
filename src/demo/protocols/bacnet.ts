import { ByteBuilder, concat } from './bytes.js';

/**
 * BACnet Virtual Link Control (ASHRAE 135 Annex J.2): type(1)=0x81 function(1) length(2)=whole BVLC message.
 * function 0x0A original-unicast-NPDU, 0x0B original-broadcast-NPDU.
 */
export function bvlc(fn: 0x0a | 0x0b, npduApdu: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u8(0x81) // BVLC type: BACnet/IP
      .u8(fn) // function
      .u16(4 + npduApdu.length) // length
      .done(),
    npduApdu,
  );
}

/** NPDU header without routing (clause 6.2): version(1)=1 control(1) (bit 2 = expecting reply). */
export function npdu(expectingReply: boolean, apdu: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u8(0x01) // protocol version
      .u8(expectingReply ? 0x04 : 0x00) // control
      .done(),
    apdu,
  );
}

const OBJECT_DEVICE = 8;

function objectId(type: number, instance: number): number {
  return ((type << 22) | (instance & 0x3fffff)) >>> 0;
}

/** Who-Is without range (clause 16.10): PDU type(1)=0x10 unconfirmed, service(1)=0x08. */
export function whoIs(): Uint8Array {
  return new ByteBuilder()
    .u8(0x10) // unconfirmed request
    .u8(0x08) // service: who-is
    .done();
}

/**
 * I-Am (clause 16.10.2): 0x10, service 0x00, then application tags:
 *   object id (0xC4 + 4), max APDU (0x22 + 2), segmentation (0x91 + 1), vendor id (0x21/0x22 + 1/2)
 */
export function iAm(deviceInstance: number, maxApdu: number, vendorId: number): Uint8Array {
  const b = new ByteBuilder()
    .u8(0x10) // unconfirmed request
    .u8(0x00) // service: i-am
    .u8(0xc4) // app tag 12 object identifier, length 4
    .u32(objectId(OBJECT_DEVICE, deviceInstance)) // device object
    .u8(0x22) // app tag 2 unsigned, length 2
    .u16(maxApdu) // max APDU length accepted
    .u8(0x91) // app tag 9 enumerated, length 1
    .u8(0x03); // segmentation: none
  if (vendorId < 256)
    b.u8(0x21).u8(vendorId); // app tag 2 unsigned, length 1: vendor id
  else b.u8(0x22).u16(vendorId); // app tag 2 unsigned, length 2: vendor id
  return b.done();
}

/**
 * ReadProperty request (clause 15.5): confirmed PDU 0x00, max segs/APDU(1), invoke id(1), service 0x0C,
 *   context tag 0 object id (0x0C + 4), context tag 1 property id (0x19 + 1)
 */
export function readPropertyReq(invokeId: number, deviceInstance: number, property: number): Uint8Array {
  return new ByteBuilder()
    .u8(0x00) // confirmed request, no segmentation
    .u8(0x05) // max segments unspecified, max APDU 1476
    .u8(invokeId) // invoke id
    .u8(0x0c) // service: readProperty
    .u8(0x0c) // context tag 0, length 4: object identifier
    .u32(objectId(OBJECT_DEVICE, deviceInstance)) // device object
    .u8(0x19) // context tag 1, length 1: property identifier
    .u8(property) // property (77 object-name, 70 model-name, 121 vendor-name, 44 firmware-revision)
    .done();
}

/**
 * ReadProperty complex ACK with a character string value: 0x30, invoke id, service 0x0C,
 *   0x0C object id, 0x19 property, 0x3E opening tag 3, app tag 7 string (0x75 len enc chars), 0x3F closing tag 3
 */
export function readPropertyAckString(
  invokeId: number,
  deviceInstance: number,
  property: number,
  value: string,
): Uint8Array {
  return new ByteBuilder()
    .u8(0x30) // complex ACK
    .u8(invokeId) // invoke id
    .u8(0x0c) // service: readProperty
    .u8(0x0c) // context tag 0, length 4
    .u32(objectId(OBJECT_DEVICE, deviceInstance)) // object identifier
    .u8(0x19) // context tag 1, length 1
    .u8(property) // property identifier
    .u8(0x3e) // opening tag 3: property value
    .u8(0x75) // app tag 7 character string, extended length
    .u8(value.length + 1) // length incl. encoding byte
    .u8(0x00) // encoding: UTF-8
    .ascii(value) // characters
    .u8(0x3f) // closing tag 3
    .done();
}
