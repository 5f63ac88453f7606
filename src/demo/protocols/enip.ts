import { ByteBuilder, concat, ipBytes } from './bytes.js';

export const EnipCommand = { LIST_IDENTITY: 0x63, REGISTER_SESSION: 0x65, SEND_RR_DATA: 0x6f } as const;

/**
 * EtherNet/IP encapsulation header, little endian (CIP Vol. 2 §2-3):
 *   command(2) length(2) session handle(4) status(4) sender context(8) options(4), then data.
 * The sender context (offset 12) is patched per request by the generator.
 */
export function encap(command: number, session: number, context: number, data: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u16le(command) // command
      .u16le(data.length) // length of data
      .u32le(session) // session handle
      .u32le(0) // status
      .u32le(context) // sender context (low)
      .u32le(0) // sender context (high)
      .u32le(0) // options
      .done(),
    data,
  );
}

export const ENIP_CONTEXT_OFFSET = 12;

/** RegisterSession data: protocol version(2)=1 option flags(2)=0. */
export function registerSessionData(): Uint8Array {
  return new ByteBuilder()
    .u16le(1) // protocol version
    .u16le(0) // options flags
    .done();
}

export interface CipIdentity {
  vendorId: number;
  deviceType: number;
  productCode: number;
  revMajor: number;
  revMinor: number;
  status: number;
  serial: number;
  productName: string;
}

function identityBody(b: ByteBuilder, id: CipIdentity): void {
  b.u16le(id.vendorId) // vendor id
    .u16le(id.deviceType) // device type
    .u16le(id.productCode) // product code
    .u8(id.revMajor) // revision major
    .u8(id.revMinor) // revision minor
    .u16le(id.status) // status
    .u32le(id.serial) // serial number
    .u8(id.productName.length) // product name length (SHORT_STRING)
    .ascii(id.productName); // product name
}

/**
 * ListIdentity response data (CIP Vol. 2 §2-4.2): item count(2) then a CIP Identity item:
 *   type(2)=0x0C length(2) encap version(2) sockaddr (family(2) port(2) addr(4) zero(8), big endian)
 *   vendor(2) device type(2) product code(2) revision(2) status(2) serial(4) name(SHORT_STRING) state(1)
 */
export function listIdentityRespData(ip: string, id: CipIdentity): Uint8Array {
  const item = new ByteBuilder()
    .u16le(1) // encapsulation protocol version
    .u16(2) // sin_family: AF_INET (big endian)
    .u16(44818) // sin_port (big endian)
    .bytes(ipBytes(ip)) // sin_addr
    .zeros(8); // sin_zero
  identityBody(item, id);
  item.u8(3); // state: operational
  const itemBytes = item.done();
  return new ByteBuilder()
    .u16le(1) // item count
    .u16le(0x0c) // item type: CIP identity
    .u16le(itemBytes.length) // item length
    .bytes(itemBytes)
    .done();
}

/**
 * SendRRData data (CIP Vol. 2 §2-4.7): interface handle(4)=0 timeout(2) item count(2)=2
 *   null address item: type(2)=0 length(2)=0; unconnected data item: type(2)=0xB2 length(2) CIP message
 */
export function sendRRData(cip: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u32le(0) // interface handle: CIP
      .u16le(5) // timeout (s)
      .u16le(2) // item count
      .u16le(0) // item type: null address
      .u16le(0) // item length
      .u16le(0xb2) // item type: unconnected data
      .u16le(cip.length) // item length
      .done(),
    cip,
  );
}

/** CIP request for class/instance (CIP Vol. 1 §2-4): service(1) path size in words(1) 0x20 class 0x24 instance. */
export function cipRequest(service: number, cls: number, instance: number): Uint8Array {
  return new ByteBuilder()
    .u8(service) // service (0x01 Get_Attribute_All)
    .u8(2) // request path size: 2 words
    .u8(0x20) // logical segment: class id, 8 bit
    .u8(cls) // class
    .u8(0x24) // logical segment: instance id, 8 bit
    .u8(instance) // instance
    .done();
}

/** CIP response header: reply service(1)=service|0x80 reserved(1) general status(1) ext status size(1), then data. */
export function cipResponse(service: number, data: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u8(service | 0x80) // reply service
      .u8(0) // reserved
      .u8(0) // general status: success
      .u8(0) // additional status size
      .done(),
    data,
  );
}

/** Get_Attribute_All reply data of the Identity object (class 0x01, instance 1). */
export function identityAttributes(id: CipIdentity): Uint8Array {
  const b = new ByteBuilder();
  identityBody(b, id);
  return b.done();
}

/** Symbolic tag path: 0x91 length name [pad], as a request path (service, words, path). */
function tagPath(b: ByteBuilder, service: number, tag: string): void {
  const padded = tag.length + (tag.length % 2);
  b.u8(service) // service: 0x4C Read Tag, 0x4D Write Tag
    .u8((2 + padded) / 2) // request path size in words
    .u8(0x91) // ANSI extended symbolic segment
    .u8(tag.length) // symbol length
    .ascii(tag); // symbol
  if (tag.length % 2) b.u8(0); // pad byte
}

/** Logix Read Tag request: path then element count(2). */
export function readTagReq(tag: string, elements: number): Uint8Array {
  const b = new ByteBuilder();
  tagPath(b, 0x4c, tag);
  b.u16le(elements); // number of elements
  return b.done();
}

/** Logix Read Tag reply data: data type(2)=0xC4 DINT then values(4 each). */
export function readTagRespData(values: readonly number[]): Uint8Array {
  const b = new ByteBuilder().u16le(0xc4); // data type: DINT
  for (const v of values) b.u32le(v); // value
  return b.done();
}

/** Logix Write Tag request: path, data type(2)=0xC4, element count(2), values. */
export function writeTagReq(tag: string, values: readonly number[]): Uint8Array {
  const b = new ByteBuilder();
  tagPath(b, 0x4d, tag);
  b.u16le(0xc4); // data type: DINT
  b.u16le(values.length); // number of elements
  for (const v of values) b.u32le(v); // value
  return b.done();
}
