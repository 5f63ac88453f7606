import { ByteBuilder, concat } from './bytes.js';

/**
 * OPC UA Connection Protocol header (OPC 10000-6 §7.1.2): message type(3) chunk type(1)='F' size(4 LE).
 * HEL body: protocol version(4) receive buffer(4) send buffer(4) max message(4) max chunks(4) endpoint url(String).
 */
export function uaHello(endpointUrl: string): Uint8Array {
  const body = new ByteBuilder()
    .u32le(0) // protocol version
    .u32le(65536) // receive buffer size
    .u32le(65536) // send buffer size
    .u32le(0) // max message size: no limit
    .u32le(0) // max chunk count: no limit
    .u32le(endpointUrl.length) // endpoint url length
    .ascii(endpointUrl) // endpoint url
    .done();
  return uaChunk('HEL', body);
}

/** ACK body: protocol version(4) receive buffer(4) send buffer(4) max message(4) max chunks(4). */
export function uaAck(): Uint8Array {
  return uaChunk(
    'ACK',
    new ByteBuilder()
      .u32le(0) // protocol version
      .u32le(65536) // receive buffer size
      .u32le(65536) // send buffer size
      .u32le(16 << 20) // max message size
      .u32le(0) // max chunk count
      .done(),
  );
}

function uaChunk(type: string, body: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .ascii(type) // message type: HEL, ACK, OPN, MSG, CLO
      .ascii('F') // chunk type: final
      .u32le(8 + body.length) // message size
      .done(),
    body,
  );
}

/**
 * OPN (OpenSecureChannel) chunk, SecurityPolicy None (OPC 10000-6 §6.7.2):
 *   header, secure channel id(4), policy uri(String), sender cert(ByteString -1), receiver thumbprint(-1),
 *   sequence number(4) request id(4), then the encoded request/response body.
 */
export function uaOpen(channelId: number, body: Uint8Array): Uint8Array {
  const policy = 'http://opcfoundation.org/UA/SecurityPolicy#None';
  return uaChunk(
    'OPN',
    concat(
      new ByteBuilder()
        .u32le(channelId) // secure channel id
        .u32le(policy.length) // security policy uri length
        .ascii(policy) // security policy uri
        .u32le(0xffffffff) // sender certificate: null
        .u32le(0xffffffff) // receiver certificate thumbprint: null
        .u32le(1) // sequence number
        .u32le(1) // request id
        .done(),
      body,
    ),
  );
}

/**
 * MSG chunk (OPC 10000-6 §6.7.2.2): header, secure channel id(4), token id(4), sequence number(4),
 * request id(4), body. Sequence number is at offset 16 and request id at 20 (patched per message).
 */
export function uaMessage(channelId: number, tokenId: number, body: Uint8Array): Uint8Array {
  return uaChunk(
    'MSG',
    concat(
      new ByteBuilder()
        .u32le(channelId) // secure channel id
        .u32le(tokenId) // token id
        .u32le(1) // sequence number
        .u32le(1) // request id
        .done(),
      body,
    ),
  );
}

export const UA_MSG_SEQ_OFFSET = 16;
export const UA_MSG_REQID_OFFSET = 20;

/** Four-byte NodeId encoding (0x01, namespace(1), id(2 LE)). */
function nodeId4(b: ByteBuilder, ns: number, id: number): void {
  b.u8(0x01).u8(ns).u16le(id);
}

/** OpenSecureChannelRequest body (type id 446), RequestHeader, client protocol version, issue, mode None, nonce, lifetime. */
export function uaOpenRequestBody(): Uint8Array {
  const b = new ByteBuilder();
  nodeId4(b, 0, 446); // type id: OpenSecureChannelRequest_Encoding_DefaultBinary
  requestHeader(b, 1);
  b.u32le(0) // client protocol version
    .u32le(0) // request type: issue
    .u32le(1) // security mode: None
    .u32le(0xffffffff) // client nonce: null
    .u32le(3_600_000); // requested lifetime (ms)
  return b.done();
}

/** OpenSecureChannelResponse body (type id 449): ResponseHeader, server version, token, nonce. */
export function uaOpenResponseBody(channelId: number, tokenId: number): Uint8Array {
  const b = new ByteBuilder();
  nodeId4(b, 0, 449); // type id: OpenSecureChannelResponse_Encoding_DefaultBinary
  responseHeader(b, 1);
  b.u32le(0) // server protocol version
    .u32le(channelId) // token: channel id
    .u32le(tokenId) // token: token id
    .u32le(0)
    .u32le(0) // token: created at (DateTime)
    .u32le(3_600_000) // token: revised lifetime
    .u32le(0xffffffff); // server nonce: null
  return b.done();
}

function requestHeader(b: ByteBuilder, handle: number): void {
  b.u8(0x00)
    .u8(0x00) // authentication token: null NodeId (two-byte)
    .u32le(0)
    .u32le(0) // timestamp (DateTime)
    .u32le(handle) // request handle
    .u32le(0) // return diagnostics
    .u32le(0xffffffff) // audit entry id: null
    .u32le(10000) // timeout hint (ms)
    .u8(0x00)
    .u8(0x00)
    .u8(0x00); // additional header: null ExtensionObject
}

function responseHeader(b: ByteBuilder, handle: number): void {
  b.u32le(0)
    .u32le(0) // timestamp
    .u32le(handle) // request handle
    .u32le(0) // service result: Good
    .u8(0) // service diagnostics: empty DiagnosticInfo
    .u32le(0xffffffff) // string table: null array
    .u8(0x00)
    .u8(0x00)
    .u8(0x00); // additional header: null ExtensionObject
}

/** ReadRequest body (type id 631): header, maxAge(8), timestamps(4), nodes to read (ns 2 numeric ids, attribute Value). */
export function uaReadRequestBody(nodeIds: readonly number[]): Uint8Array {
  const b = new ByteBuilder();
  nodeId4(b, 0, 631); // type id: ReadRequest_Encoding_DefaultBinary
  requestHeader(b, 2);
  b.u32le(0)
    .u32le(0) // max age: 0.0 (Double)
    .u32le(2) // timestamps to return: both
    .u32le(nodeIds.length); // nodes to read: count
  for (const id of nodeIds) {
    nodeId4(b, 2, id); // node id
    b.u32le(13) // attribute id: Value
      .u32le(0xffffffff) // index range: null
      .u16le(0) // data encoding: namespace 0
      .u32le(0xffffffff); // data encoding: name null
  }
  return b.done();
}

/** ReadResponse body (type id 634): header, results (DataValue with a Double), diagnostics null. */
export function uaReadResponseBody(values: readonly number[]): Uint8Array {
  const b = new ByteBuilder();
  nodeId4(b, 0, 634); // type id: ReadResponse_Encoding_DefaultBinary
  responseHeader(b, 2);
  b.u32le(values.length); // results: count
  const f = new DataView(new ArrayBuffer(8));
  for (const v of values) {
    f.setFloat64(0, v, true);
    b.u8(0x01) // DataValue mask: value present
      .u8(11) // Variant type: Double
      .bytes(new Uint8Array(f.buffer)); // value
  }
  b.u32le(0xffffffff); // diagnostic infos: null
  return b.done();
}
