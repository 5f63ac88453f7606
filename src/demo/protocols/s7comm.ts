import { ByteBuilder, concat } from './bytes.js';

/** TPKT (RFC 1006 §6): version(1)=3 reserved(1)=0 length(2)=header+payload. */
export function tpkt(payload: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u8(3) // version
      .u8(0) // reserved
      .u16(4 + payload.length) // length incl. this header
      .done(),
    payload,
  );
}

/**
 * COTP connection request (0xE0) / confirm (0xD0) (ISO 8073 §13.3/13.4):
 *   length indicator(1) type(1) dst ref(2) src ref(2) class(1)
 *   params: 0xC0 TPDU size(1), 0xC1 calling TSAP(2), 0xC2 called TSAP(2)
 */
export function cotpConnect(
  type: 0xe0 | 0xd0,
  dstRef: number,
  srcRef: number,
  srcTsap: number,
  dstTsap: number,
): Uint8Array {
  return new ByteBuilder()
    .u8(17) // length indicator: bytes after this one
    .u8(type) // PDU type: CR 0xE0 / CC 0xD0
    .u16(dstRef) // destination reference
    .u16(srcRef) // source reference
    .u8(0) // class 0
    .u8(0xc0) // param: TPDU size
    .u8(1) // param length
    .u8(0x0a) // 1024 bytes
    .u8(0xc1) // param: calling TSAP
    .u8(2) // param length
    .u16(srcTsap) // TSAP
    .u8(0xc2) // param: called TSAP
    .u8(2) // param length
    .u16(dstTsap) // TSAP (rack/slot)
    .done();
}

/** COTP data TPDU (0xF0): length indicator(1)=2 type(1) EOT|TPDU nr(1), then the S7 PDU. */
export function cotpData(payload: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u8(2) // length indicator
      .u8(0xf0) // PDU type: DT data
      .u8(0x80) // last data unit, TPDU number 0
      .done(),
    payload,
  );
}

/** TPKT + COTP DT + S7 PDU: the full payload of one S7comm TCP segment. */
export function s7Segment(pdu: Uint8Array): Uint8Array {
  return tpkt(cotpData(pdu));
}

/** Offset of the S7 PDU reference inside a segment built by `s7Segment` (TPKT 4 + COTP 3 + 4). */
export const S7_PDUREF_OFFSET = 11;

/**
 * S7comm header: protocol id(1)=0x32 ROSCTR(1) reserved(2) PDU ref(2) param len(2) data len(2)
 * [ack-data only: error class(1) error code(1)], then parameters and data.
 */
export function s7Pdu(rosctr: number, pduRef: number, param: Uint8Array, data: Uint8Array): Uint8Array {
  const b = new ByteBuilder()
    .u8(0x32) // protocol id
    .u8(rosctr) // 1 job, 2 ack, 3 ack-data, 7 userdata
    .u16(0) // reserved
    .u16(pduRef) // PDU reference
    .u16(param.length) // parameter length
    .u16(data.length); // data length
  if (rosctr === 2 || rosctr === 3) b.u8(0).u8(0); // error class, error code
  return concat(b.done(), param, data);
}

/** Setup communication parameter (0xF0): function(1) reserved(1) max AmQ calling(2) called(2) PDU length(2). */
export function s7SetupParam(pduLength: number): Uint8Array {
  return new ByteBuilder()
    .u8(0xf0) // function: setup communication
    .u8(0) // reserved
    .u16(1) // max AmQ calling
    .u16(1) // max AmQ called
    .u16(pduLength) // PDU length
    .done();
}

export interface S7Item {
  /** 0x84 DB, 0x83 M (flags), 0x81 I, 0x82 Q. */
  area: number;
  db: number;
  /** Byte address. */
  start: number;
  /** Number of bytes. */
  count: number;
}

function item(b: ByteBuilder, it: S7Item): void {
  b.u8(0x12) // variable specification
    .u8(0x0a) // length of following address
    .u8(0x10) // syntax id: S7ANY
    .u8(0x02) // transport size: BYTE
    .u16(it.count) // number of elements
    .u16(it.db) // DB number
    .u8(it.area) // area
    .u24(it.start * 8); // address: byte << 3 | bit
}

/** Read (0x04) / write (0x05) var job parameter: function(1) item count(1) items(12 each). */
export function s7VarParam(fn: 0x04 | 0x05, items: readonly S7Item[]): Uint8Array {
  const b = new ByteBuilder()
    .u8(fn) // function: read var / write var
    .u8(items.length); // item count
  for (const it of items) item(b, it);
  return b.done();
}

/** Ack-data parameter of read/write var: function(1) item count(1). */
export function s7VarAckParam(fn: 0x04 | 0x05, count: number): Uint8Array {
  return new ByteBuilder()
    .u8(fn) // function
    .u8(count) // item count
    .done();
}

/**
 * Data items (read response or write request): return code(1) transport size(1)=0x04 length in bits(2) data,
 * padded to even length between items.
 */
export function s7DataItems(returnCode: number, values: readonly Uint8Array[]): Uint8Array {
  const b = new ByteBuilder();
  values.forEach((v, i) => {
    b.u8(returnCode) // return code: 0xff success (0x00 in write requests)
      .u8(0x04) // transport size: BYTE/WORD/DWORD, length in bits
      .u16(v.length * 8) // length in bits
      .bytes(v); // data
    if (v.length % 2 === 1 && i < values.length - 1) b.u8(0); // fill byte
  });
  return b.done();
}

/** Write var response data: one return code(1) per item. */
export function s7WriteAckData(count: number): Uint8Array {
  return new ByteBuilder().bytes(new Array(count).fill(0xff)).done(); // return codes: success
}

/**
 * Userdata parameter for a read-SZL request (ROSCTR 7, group 4 CPU functions, subfunction 1):
 *   head(3)=00 01 12 length(1)=4 method(1)=0x11 type|group(1)=0x44 subfunction(1)=0x01 sequence(1)
 */
export function s7SzlReqParam(): Uint8Array {
  return new ByteBuilder()
    .bytes([0x00, 0x01, 0x12]) // parameter head
    .u8(4) // parameter length
    .u8(0x11) // method: request
    .u8(0x44) // type request (4) | group CPU functions (4)
    .u8(0x01) // subfunction: read SZL
    .u8(0) // sequence number
    .done();
}

/** Read-SZL request data: return code(1)=0xff transport(1)=0x09 length(2)=4 SZL id(2) SZL index(2). */
export function s7SzlReqData(id: number, index: number): Uint8Array {
  return new ByteBuilder()
    .u8(0xff) // return code
    .u8(0x09) // transport size: octet string
    .u16(4) // length
    .u16(id) // SZL id
    .u16(index) // SZL index
    .done();
}

/** Userdata response parameter: head(3) length(1)=8 method(1)=0x12 type|group(1)=0x84 sub(1) seq(1) dur(1) last(1) error(2). */
export function s7SzlRespParam(): Uint8Array {
  return new ByteBuilder()
    .bytes([0x00, 0x01, 0x12]) // parameter head
    .u8(8) // parameter length
    .u8(0x12) // method: response
    .u8(0x84) // type response (8) | group CPU functions (4)
    .u8(0x01) // subfunction: read SZL
    .u8(1) // sequence number
    .u8(0) // data unit reference
    .u8(0) // last data unit: yes
    .u16(0) // error code
    .done();
}

/** One SZL 0x0011 record (module identification): index(2) order number(20) BGTyp(2) Ausbg(2) Ausbe(2). */
export interface SzlIdentRecord {
  index: number;
  orderNumber: string;
  bgType: number;
  ausbg: number;
  ausbe: number;
}

/**
 * Read-SZL response data: return code(1)=0xff transport(1)=0x09 length(2) SZL id(2) index(2)
 * record length(2)=28 record count(2) records.
 */
export function s7SzlRespData(id: number, index: number, records: readonly SzlIdentRecord[]): Uint8Array {
  const body = new ByteBuilder()
    .u16(id) // SZL id
    .u16(index) // SZL index
    .u16(28) // record length
    .u16(records.length); // record count
  for (const r of records) {
    body
      .u16(r.index) // record index
      .ascii(r.orderNumber.padEnd(20, ' ').slice(0, 20)) // MlfB: order number
      .u16(r.bgType) // module type
      .u16(r.ausbg) // version (firmware records: 'V' and major)
      .u16(r.ausbe); // version (minor, patch)
  }
  const bytes = body.done();
  return new ByteBuilder()
    .u8(0xff) // return code: success
    .u8(0x09) // transport size: octet string
    .u16(bytes.length) // length
    .bytes(bytes)
    .done();
}

/**
 * PLC Stop job parameter (function 0x29): function(1)=0x29 unknown(5)=0 PI service length(1)
 * PI service name ('P_PROGRAM': stop the user program). The ack-data answer's parameter is the
 * function byte alone (`s7PlcStopAckParam`).
 */
export function s7PlcStopParam(piService = 'P_PROGRAM'): Uint8Array {
  return new ByteBuilder()
    .u8(0x29) // function: PLC stop
    .u8(0)
    .u8(0)
    .u8(0)
    .u8(0)
    .u8(0) // unknown, zero
    .u8(piService.length) // PI service length
    .ascii(piService) // PI service
    .done();
}

/** Ack-data parameter of a PLC Stop: function(1)=0x29. */
export function s7PlcStopAckParam(): Uint8Array {
  return Uint8Array.from([0x29]);
}
