// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  conformityLevelName,
  deviceIdObjectField,
  deviceIdObjectName,
  diagnosticName,
  exceptionName,
  functionName,
  functionOp,
  meiTypeName,
} from './modbus.consts.js';
import {
  newMbap,
  newPdu,
  parseDeviceIdResponse,
  parseMbap,
  parseRequest,
  parseResponse,
  parseServerIdResponse,
  plausibleFrame,
} from './modbus.parse.js';

/** PDU bytes (function code first), parsed as a request. */
function req(bytes: number[]) {
  const b = Uint8Array.from(bytes);
  const p = newPdu();
  const err = parseRequest(b, 0, b.length, p);
  return { err, p, b };
}
function resp(bytes: number[]) {
  const b = Uint8Array.from(bytes);
  const p = newPdu();
  const err = parseResponse(b, 0, b.length, p);
  return { err, p, b };
}
/** Bytes of an ASCII string, for identification objects. */
function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

describe('modbus consts', () => {
  it('names function codes in the Zeek/ICSNPP spelling, totally', () => {
    assert.equal(functionName(3), 'READ_HOLDING_REGISTERS');
    assert.equal(functionName(0x17), 'READ_WRITE_MULTIPLE_REGISTERS');
    assert.equal(functionName(0x2b), 'ENCAP_INTERFACE_TRANSPORT');
    assert.equal(functionName(0x11), 'REPORT_SLAVE_ID');
    assert.equal(functionName(0x5a), 'UMAS');
    assert.equal(functionName(29), 'unknown-29');
    assert.equal(functionName(300), 'unknown-300');
    assert.equal(functionOp(0x10), 'write');
    assert.equal(functionOp(0x03), 'read');
    assert.equal(functionOp(0x5a), 'program');
    assert.equal(functionOp(29), 'other');
  });
  it('names exceptions, sub-functions, MEI types and objects, totally', () => {
    assert.equal(exceptionName(2), 'ILLEGAL_DATA_ADDRESS');
    assert.equal(exceptionName(0x0b), 'GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND');
    assert.equal(exceptionName(7), 'unknown-7');
    assert.equal(diagnosticName(2), 'RETURN_DIAGNOSTIC_REGISTER');
    assert.equal(diagnosticName(99), 'unknown-99');
    assert.equal(meiTypeName(14), 'READ_DEVICE_IDENTIFICATION');
    assert.equal(meiTypeName(1), 'unknown-1');
    assert.equal(deviceIdObjectName(2), 'MajorMinorRevision');
    assert.equal(deviceIdObjectName(0x81), 'private-129');
    assert.equal(deviceIdObjectName(0x10), 'unknown-16');
    assert.equal(deviceIdObjectField(0), 'vendor');
    assert.equal(deviceIdObjectField(6), 'application_name');
    assert.equal(deviceIdObjectField(0x80), 'modbus_object_128');
    assert.equal(conformityLevelName(0x83), 'EXTENDED_STREAM_AND_INDIVIDUAL');
    assert.equal(conformityLevelName(0), 'unknown-0');
  });
});

describe('MBAP header', () => {
  it('reads a valid header', () => {
    const b = Uint8Array.from([
      0x00, 0x17, // transaction id 23
      0x00, 0x00, // protocol id 0
      0x00, 0x05, // length 5: unit + 4 PDU bytes
      0x01, //       unit id 1
    ]);
    const h = newMbap();
    assert.equal(parseMbap(b, 0, b.length, h), null);
    assert.deepEqual(h, { tid: 23, protocolId: 0, length: 5, unit: 1 });
  });
  it('rejects a wrong protocol id, bad lengths and a short header', () => {
    const h = newMbap();
    const bad = [
      [[0x00, 0x01, /* pid */ 0x00, 0x01, /* len */ 0x00, 0x06, /* unit */ 0x01], 'modbus-bad-protocol-id'],
      [[0x00, 0x01, /* pid */ 0x00, 0x00, /* len 1 */ 0x00, 0x01, /* unit */ 0x01], 'modbus-length-out-of-range'],
      [[0x00, 0x01, /* pid */ 0x00, 0x00, /* len 255 */ 0x00, 0xff, /* unit */ 0x01], 'modbus-length-out-of-range'],
      [[0x00, 0x01, /* pid */ 0x00, 0x00, /* len */ 0x00], 'modbus-header-truncated'],
    ] as const;
    for (const [bytes, code] of bad) {
      const b = Uint8Array.from(bytes);
      assert.equal(parseMbap(b, 0, b.length, h), code);
    }
    const max = Uint8Array.from([0, 1, 0, 0, /* len 254 */ 0x00, 0xfe, 1]);
    assert.equal(parseMbap(max, 0, max.length, h), null);
  });
  it('knows a plausible frame start', () => {
    const ok = Uint8Array.from([0, 1, 0, 0, 0, 6, 1, /* fc */ 0x03, 0, 0, 0, 1]);
    assert.equal(plausibleFrame(ok, 0, ok.length, 0), true);
    const exc = Uint8Array.from([0, 1, 0, 0, 0, 3, 1, /* fc */ 0x83, 0x02]);
    assert.equal(plausibleFrame(exc, 0, exc.length, 1), true);
    assert.equal(plausibleFrame(exc, 0, exc.length, 0), false);
    const http = Uint8Array.from(ascii('GET / HTTP/1.1'));
    assert.equal(plausibleFrame(http, 0, http.length, 0), false);
  });
});

describe('requests and responses per function code', () => {
  it('01 read coils', () => {
    const q = req([
      0x01, //       function: read coils
      0x00, 0x13, // starting address 19
      0x00, 0x13, // quantity 19
    ]);
    assert.equal(q.err, null);
    assert.equal(q.p.address, 19);
    assert.equal(q.p.quantity, 19);
    const r = resp([
      0x01, //             function
      0x03, //             byte count 3 (19 coils)
      0xcd, 0x6b, 0x05, // coil status bits
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.byteCount, 3);
    assert.equal(r.p.dataLen, 3);
  });
  it('02 read discrete inputs: quantity out of range', () => {
    const q = req([
      0x02, //       function: read discrete inputs
      0x00, 0xc4, // starting address 196
      0x07, 0xd1, // quantity 2001 (> 2000)
    ]);
    assert.equal(q.err, 'modbus-quantity-out-of-range');
    assert.equal(q.p.quantity, 2001);
  });
  it('03 read holding registers', () => {
    const q = req([
      0x03, //       function: read holding registers
      0x00, 0x6b, // starting address 107
      0x00, 0x03, // quantity 3
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.quantity], [107, 3]);
    const r = resp([
      0x03, //       function
      0x06, //       byte count 6
      0x02, 0x2b, // register 107 = 555
      0x00, 0x00, // register 108 = 0
      0x00, 0x64, // register 109 = 100
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.quantity, 3);
    assert.equal(r.p.dataLen, 6);
  });
  it('04 read input registers: odd byte count', () => {
    const r = resp([
      0x04, //       function: read input registers
      0x03, //       byte count 3 (must be even)
      0x00, 0x0a, 0x01, // data
    ]);
    assert.equal(r.err, 'modbus-byte-count-mismatch');
  });
  it('05 write single coil', () => {
    const q = req([
      0x05, //       function: write single coil
      0x00, 0xac, // output address 172
      0xff, 0x00, // value ON
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.quantity, q.p.value], [172, 1, 0xff00]);
    const bad = req([
      0x05, //       function
      0x00, 0xac, // address
      0x12, 0x34, // value neither 0x0000 nor 0xFF00
    ]);
    assert.equal(bad.err, 'modbus-bad-coil-value');
    const r = resp([0x05, /* address */ 0x00, 0xac, /* value */ 0xff, 0x00]);
    assert.equal(r.err, null);
    assert.equal(r.p.address, 172);
  });
  it('06 write single register', () => {
    const q = req([
      0x06, //       function: write single register
      0x00, 0x01, // register address 1
      0x00, 0x03, // value 3
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.value], [1, 3]);
    const r = resp([0x06, /* address */ 0x00, 0x01, /* value */ 0x00, 0x03]);
    assert.equal(r.err, null);
  });
  it('07 read exception status', () => {
    assert.equal(req([/* function */ 0x07]).err, null);
    assert.equal(req([/* function */ 0x07, /* extra */ 0x00]).err, 'modbus-pdu-trailing-data');
    const r = resp([
      0x07, // function
      0x6d, // output data
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.value, 0x6d);
  });
  it('08 diagnostics', () => {
    const q = req([
      0x08, //       function: diagnostics
      0x00, 0x02, // sub-function: return diagnostic register
      0x00, 0x00, // data
    ]);
    assert.equal(q.err, null);
    assert.equal(q.p.subFunction, 2);
    assert.equal(q.p.dataLen, 2);
    assert.equal(req([0x08, /* half a sub-function */ 0x00]).err, 'modbus-pdu-truncated');
    const r = resp([0x08, /* sub-function */ 0x00, 0x02, /* register */ 0x00, 0x00]);
    assert.equal(r.err, null);
    assert.equal(r.p.subFunction, 2);
  });
  it('11 get comm event counter', () => {
    assert.equal(req([/* function */ 0x0b]).err, null);
    const r = resp([
      0x0b, //       function
      0xff, 0xff, // status: busy
      0x01, 0x08, // event count 264
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.value, 264);
  });
  it('12 get comm event log', () => {
    assert.equal(req([/* function */ 0x0c]).err, null);
    const r = resp([
      0x0c, //       function
      0x08, //       byte count 8
      0x00, 0x00, // status
      0x01, 0x08, // event count
      0x01, 0x21, // message count
      0x20, 0x00, // events
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.byteCount, 8);
  });
  it('15 write multiple coils', () => {
    const q = req([
      0x0f, //       function: write multiple coils
      0x00, 0x13, // starting address 19
      0x00, 0x0a, // quantity 10
      0x02, //       byte count 2
      0xcd, 0x01, // outputs
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.quantity, q.p.byteCount], [19, 10, 2]);
    const bad = req([
      0x0f, //       function
      0x00, 0x13, // address
      0x00, 0x0a, // quantity 10 -> 2 bytes expected
      0x03, //       byte count 3
      0xcd, 0x01, 0x00, // outputs
    ]);
    assert.equal(bad.err, 'modbus-byte-count-mismatch');
    const r = resp([0x0f, /* address */ 0x00, 0x13, /* quantity */ 0x00, 0x0a]);
    assert.equal(r.err, null);
    assert.equal(r.p.quantity, 10);
  });
  it('16 write multiple registers', () => {
    const q = req([
      0x10, //       function: write multiple registers
      0x00, 0x01, // starting address 1
      0x00, 0x02, // quantity 2
      0x04, //       byte count 4
      0x00, 0x0a, // register 1
      0x01, 0x02, // register 2
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.quantity, q.p.dataLen], [1, 2, 4]);
    const short = req([
      0x10, //       function
      0x00, 0x01, // address
      0x00, 0x02, // quantity 2
      0x04, //       byte count 4
      0x00, 0x0a, // only 2 of the 4 bytes
    ]);
    assert.equal(short.err, 'modbus-pdu-truncated');
    const r = resp([0x10, /* address */ 0x00, 0x01, /* quantity */ 0x00, 0x02]);
    assert.equal(r.err, null);
  });
  it('17 report server id', () => {
    assert.equal(req([/* function */ 0x11]).err, null);
    const pdu = [
      0x11, //       function: report server id
      0x12, //       byte count 18
      0x00, //       server id 0
      0xff, //       run indicator ON
      ...ascii('Wingpath Limited'), // additional data (16 bytes)
    ];
    const r = resp(pdu);
    assert.equal(r.err, null);
    assert.equal(r.p.byteCount, 18);
    const sid = parseServerIdResponse(r.b, 0, r.b.length);
    assert.equal(sid.error, null);
    assert.deepEqual([...sid.serverId], [0]);
    assert.equal(sid.runIndicator, 0xff);
    assert.equal(Buffer.from(sid.additional).toString('latin1'), 'Wingpath Limited');
  });
  it('17 report server id: text id with the run indicator last', () => {
    const b = Uint8Array.from([
      0x11, //             function
      0x06, //             byte count 6
      ...ascii('PLC-1'), // server id (device specific length)
      0x00, //             run indicator OFF
    ]);
    const sid = parseServerIdResponse(b, 0, b.length);
    assert.equal(Buffer.from(sid.serverId).toString('latin1'), 'PLC-1');
    assert.equal(sid.runIndicator, 0);
    const short = Uint8Array.from([0x11, /* byte count 9 */ 0x09, /* 2 bytes only */ 0x01, 0xff]);
    assert.equal(parseServerIdResponse(short, 0, short.length).error, 'modbus-pdu-truncated');
  });
  it('20 read file record', () => {
    const q = req([
      0x14, //       function: read file record
      0x0e, //       byte count 14 (two sub-requests)
      0x06, //       reference type
      0x00, 0x04, // file number 4
      0x00, 0x01, // record number 1
      0x00, 0x02, // record length 2
      0x06, //       reference type
      0x00, 0x03, // file number 3
      0x00, 0x09, // record number 9
      0x00, 0x02, // record length 2
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.quantity], [4, 2]);
    const bad = req([0x14, /* byte count 3 */ 0x03, /* partial sub-request */ 0x06, 0x00, 0x04]);
    assert.equal(bad.err, 'modbus-byte-count-mismatch');
    const r = resp([
      0x14, //       function
      0x06, //       byte count
      0x05, //       sub-response length
      0x06, //       reference type
      0x0d, 0xfe, // register data
      0x00, 0x20, // register data
    ]);
    assert.equal(r.err, null);
  });
  it('21 write file record', () => {
    const pdu = [
      0x15, //       function: write file record
      0x0d, //       byte count 13
      0x06, //       reference type
      0x00, 0x04, // file number 4
      0x00, 0x07, // record number 7
      0x00, 0x03, // record length 3
      0x06, 0xaf, // data
      0x04, 0xbe, // data
      0x10, 0x0d, // data
    ];
    const q = req(pdu);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.quantity], [4, 1]);
    assert.equal(resp(pdu).err, null);
  });
  it('22 mask write register', () => {
    const q = req([
      0x16, //       function: mask write register
      0x00, 0x04, // reference address 4
      0x00, 0xf2, // and mask
      0x00, 0x25, // or mask
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.andMask, q.p.orMask], [4, 0xf2, 0x25]);
    assert.equal(resp([0x16, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25]).err, null);
  });
  it('23 read/write multiple registers', () => {
    const q = req([
      0x17, //       function: read/write multiple registers
      0x00, 0x03, // read starting address 3
      0x00, 0x06, // quantity to read 6
      0x00, 0x0e, // write starting address 14
      0x00, 0x03, // quantity to write 3
      0x06, //       write byte count 6
      0x00, 0xff, // write register 1
      0x00, 0xff, // write register 2
      0x00, 0xff, // write register 3
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.address, q.p.quantity, q.p.writeAddress, q.p.writeQuantity], [3, 6, 14, 3]);
    const r = resp([
      0x17, //       function
      0x04, //       byte count 4
      0x00, 0xfe, // read register 1
      0x0a, 0xcd, // read register 2
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.quantity, 2);
  });
  it('24 read FIFO queue', () => {
    const q = req([
      0x18, //       function: read FIFO queue
      0x04, 0xde, // FIFO pointer address 1246
    ]);
    assert.equal(q.err, null);
    assert.equal(q.p.address, 1246);
    const r = resp([
      0x18, //       function
      0x00, 0x06, // byte count 6
      0x00, 0x02, // FIFO count 2
      0x01, 0xb8, // FIFO value
      0x12, 0x84, // FIFO value
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.quantity, 2);
    const bad = resp([0x18, /* byte count */ 0x00, 0x08, /* count */ 0x00, 0x02, 0x01, 0xb8, 0x12, 0x84]);
    assert.equal(bad.err, 'modbus-byte-count-mismatch');
  });
  it('43/14 read device identification request', () => {
    const q = req([
      0x2b, // function: encapsulated interface transport
      0x0e, // MEI type: read device identification
      0x01, // read device id code: basic
      0x00, // object id: VendorName
    ]);
    assert.equal(q.err, null);
    assert.deepEqual([q.p.subFunction, q.p.readCode, q.p.objectId], [14, 1, 0]);
    assert.equal(req([0x2b, /* MEI */ 0x0e, /* read code only */ 0x01]).err, 'modbus-pdu-truncated');
    const canopen = req([0x2b, /* MEI: CANopen */ 0x0d, /* data */ 0x01, 0x02]);
    assert.equal(canopen.err, null);
    assert.equal(canopen.p.subFunction, 13);
  });
  it('90 UMAS is named but opaque; unknown codes are flagged', () => {
    const u = req([0x5a, /* UMAS payload */ 0x00, 0x02]);
    assert.equal(u.err, null);
    assert.equal(u.p.dataLen, 2);
    assert.equal(req([/* function 29 */ 0x1d, 0x00]).err, 'modbus-unknown-function');
  });
});

describe('exceptions', () => {
  it('decodes function | 0x80 with its exception code', () => {
    const r = resp([
      0x83, // function: read holding registers | 0x80
      0x02, // exception: illegal data address
    ]);
    assert.equal(r.err, null);
    assert.equal(r.p.fn, 3);
    assert.equal(r.p.exception, 2);
  });
  it('flags unknown exception codes and truncated exceptions', () => {
    assert.equal(resp([0x81, /* exception 7 */ 0x07]).err, 'modbus-exception-unknown-code');
    assert.equal(resp([/* exception without code */ 0x81]).err, 'modbus-pdu-truncated');
  });
});

describe('43/14 device identification response', () => {
  const objects = [
    0x2b, //                     function: encapsulated interface transport
    0x0e, //                     MEI type 14
    0x01, //                     read device id code: basic
    0x83, //                     conformity level: extended, stream and individual
    0x00, //                     more follows: no
    0x00, //                     next object id
    0x03, //                     number of objects: 3
    0x00, //                     object id 0: VendorName
    0x10, //                     object length 16
    ...ascii('Zeek Modbus Test'), // value
    0x01, //                     object id 1: ProductCode
    0x04, //                     object length 4
    ...ascii('PW-1'), //         value
    0x02, //                     object id 2: MajorMinorRevision
    0x07, //                     object length 7
    ...ascii('1.2.3.6'), //      value
  ];
  it('reads every object', () => {
    const b = Uint8Array.from(objects);
    const r = parseDeviceIdResponse(b, 0, b.length);
    assert.equal(r.error, null);
    assert.equal(r.conformity, 0x83);
    assert.equal(r.moreFollows, false);
    assert.deepEqual(r.objects, [
      { id: 0, value: 'Zeek Modbus Test' },
      { id: 1, value: 'PW-1' },
      { id: 2, value: '1.2.3.6' },
    ]);
  });
  it('reads a more-follows part', () => {
    const b = Uint8Array.from([
      0x2b, //             function
      0x0e, //             MEI type 14
      0x02, //             read device id code: regular
      0x82, //             conformity level
      0xff, //             more follows: yes
      0x04, //             next object id 4
      0x01, //             number of objects: 1
      0x03, //             object id 3: VendorUrl
      0x05, //             object length 5
      ...ascii('a.com'), // value
    ]);
    const r = parseDeviceIdResponse(b, 0, b.length);
    assert.equal(r.error, null);
    assert.equal(r.moreFollows, true);
    assert.equal(r.nextObjectId, 4);
    assert.deepEqual(r.objects, [{ id: 3, value: 'a.com' }]);
  });
  it('keeps the objects before a truncated one', () => {
    const b = Uint8Array.from([
      ...objects.slice(0, 6), // header up to next object id
      0x02, //                 number of objects: 2
      0x00, //                 object id 0
      0x02, //                 length 2
      ...ascii('AB'), //       value
      0x01, //                 object id 1
      0x09, //                 length 9, but only 2 bytes follow
      ...ascii('CD'),
    ]);
    const r = parseDeviceIdResponse(b, 0, b.length);
    assert.equal(r.error, 'modbus-devid-object-truncated');
    assert.deepEqual(r.objects, [{ id: 0, value: 'AB' }]);
  });
  it('flags an object count larger than present', () => {
    const b = Uint8Array.from([
      ...objects.slice(0, 6), // header
      0x05, //                 number of objects: 5
      0x00, //                 object id 0
      0x01, //                 length 1
      0x41, //                 'A'
    ]);
    const r = parseDeviceIdResponse(b, 0, b.length);
    assert.equal(r.error, 'modbus-devid-object-truncated');
    assert.equal(r.objects.length, 1);
  });
  it('flags a bad conformity level and more-follows byte (Zeek modbus-eit.pcap)', () => {
    const b = Uint8Array.from([
      0x2b, //                   function
      0x0e, //                   MEI type 14
      0x01, //                   read code
      0x00, //                   conformity level 0: invalid
      0x4d, //                   more follows 0x4d: invalid
      0xb7, //                   next object id
      0x00, //                   number of objects 0
      0x00, 0x00, 0x00, 0x00, // trailing bytes
    ]);
    const r = parseDeviceIdResponse(b, 0, b.length);
    assert.equal(r.error, 'modbus-devid-bad-conformity');
    assert.equal(r.objects.length, 0);
  });
  it('rejects a short header and a non-14 MEI type', () => {
    const short = Uint8Array.from([0x2b, 0x0e, 0x01, 0x83]);
    assert.equal(parseDeviceIdResponse(short, 0, short.length).error, 'modbus-pdu-truncated');
    const other = Uint8Array.from([0x2b, 0x0d, 0x01, 0x83, 0, 0, 0]);
    assert.equal(parseDeviceIdResponse(other, 0, other.length).error, 'modbus-devid-not-devid');
  });
});

describe('truncation', () => {
  it('never reads past the PDU for any function code and length', () => {
    const full = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    const p = newPdu();
    for (let fc = 0; fc < 256; fc++) {
      full[0] = fc;
      for (let len = 0; len <= 12; len++) {
        const view = full.subarray(0, len);
        parseRequest(view, 0, len, p);
        parseResponse(view, 0, len, p);
        assert.ok(p.dataOff + p.dataLen <= Math.max(len, 1), `fc ${fc} len ${len}`);
        parseDeviceIdResponse(view, 0, len);
        parseServerIdResponse(view, 0, len);
      }
    }
  });
});
