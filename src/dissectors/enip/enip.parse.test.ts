// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latin1 } from '../../bytes/reader.js';
import {
  className,
  commandName,
  deviceTypeName,
  encapStatusName,
  pcccCommand,
  serviceName,
  serviceOp,
  statusName,
  vendorName,
} from './enip.consts.js';
import {
  latin1At,
  mspCount,
  mspService,
  newCipMessage,
  newCipPath,
  newCpf,
  newEncapHeader,
  newUnconnectedSend,
  parseCipMessage,
  parseCpf,
  parseEncapHeader,
  parseForwardOpen,
  parseIdentityAttributeList,
  parseIdentityAttributes,
  parseIoPacket,
  parseListIdentityItem,
  parsePath,
  parsePcccRequest,
  parseUnconnectedSend,
  plausibleHeader,
  senderContextHex,
} from './enip.parse.js';

const B = (a: number[]) => Uint8Array.from(a);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('enip consts', () => {
  it('names commands, statuses, services, classes, vendors and device types, totally', () => {
    assert.equal(commandName(0x65), 'REGISTER_SESSION');
    assert.equal(commandName(0x6f), 'SEND_RR_DATA');
    assert.equal(commandName(0x99), 'unknown-153');
    assert.equal(encapStatusName(0x64), 'INVALID_SESSION_HANDLE');
    assert.equal(encapStatusName(7), 'unknown-7');
    assert.equal(serviceName(0x03), 'GET_ATTRIBUTE_LIST');
    assert.equal(serviceName(0x10), 'SET_ATTRIBUTES_SINGLE');
    assert.equal(serviceName(0x52, 0x06), 'UNCONNECTED_SEND');
    assert.equal(serviceName(0x52, 0x6b), 'READ_DATA_FRAGMENTED');
    assert.equal(serviceName(0x4e, 0x06), 'FORWARD_CLOSE');
    assert.equal(serviceName(0x4b, 0x37), 'INITIATE_UPLOAD');
    assert.equal(serviceName(0x7e), 'unknown-126');
    assert.equal(statusName(0x05), 'PATH_DESTINATION_UNKNOWN');
    assert.equal(statusName(0x1a), 'ROUTING_FAILURE_REQUEST_PACKET_TOO_LARGE');
    assert.equal(statusName(0x77), 'unknown-119');
    assert.equal(className(0x02), 'Message Router');
    assert.equal(className(0x69), 'unknown-105');
    assert.equal(vendorName(1), 'Rockwell Automation/Allen-Bradley');
    assert.equal(vendorName(243), 'Schneider Automation Inc.');
    assert.equal(vendorName(1251), 'Siemens AG');
    assert.equal(vendorName(47), 'Omron Corporation');
    assert.equal(vendorName(9999), 'unknown-9999');
    assert.equal(deviceTypeName(14), 'Programmable Logic Controller');
    assert.equal(deviceTypeName(12), 'Communications Adapter');
    assert.equal(deviceTypeName(43), 'Generic Device (keyable)');
    assert.equal(deviceTypeName(999), 'unknown-999');
  });
  it('maps services to operations', () => {
    assert.equal(serviceOp(0x0e, 1), 'read');
    assert.equal(serviceOp(0x10, 0xf5), 'write');
    assert.equal(serviceOp(0x05, 1), 'control');
    assert.equal(serviceOp(0x07, 0x8e), 'control');
    assert.equal(serviceOp(0x4c, -1), 'read');
    assert.equal(serviceOp(0x4d, 0x6b), 'write');
    assert.equal(serviceOp(0x54, 6), 'other');
    assert.equal(serviceOp(0x50, 0x37), 'program');
    assert.equal(serviceOp(0x4d, 0xa1), 'firmware');
    assert.equal(serviceOp(0x0a, 2), 'other');
    assert.deepEqual(pcccCommand(0x0f, 0x80), ['PCCC_CHANGE_MODE', 'control']);
    assert.deepEqual(pcccCommand(0x06, 0x03), ['PCCC_DIAGNOSTIC_STATUS', 'diagnostic']);
    assert.deepEqual(pcccCommand(0x0f, 0xa3), ['unknown-15/163', 'other']);
  });
});

describe('encapsulation header', () => {
  const reg = B([
    0x65, 0x00,             // command RegisterSession
    0x04, 0x00,             // length 4
    0x00, 0x00, 0x00, 0x00, // session handle 0
    0x00, 0x00, 0x00, 0x00, // status 0
    0x5f, 0x70, 0x79, 0x63, 0x6f, 0x6d, 0x6d, 0x5f, // sender context "_pycomm_"
    0x00, 0x00, 0x00, 0x00, // options 0
    0x01, 0x00,             // protocol version 1
    0x00, 0x00,             // option flags
  ]);
  it('reads a valid header', () => {
    const h = newEncapHeader();
    assert.equal(parseEncapHeader(reg, 0, reg.length, h), null);
    assert.deepEqual(h, { command: 0x65, length: 4, session: 0, status: 0, ctxLo: 0x6379705f, ctxHi: 0x5f6d6d6f, options: 0 });
    assert.ok(plausibleHeader(reg, 0, reg.length));
  });
  it('flags truncation, unknown commands and options', () => {
    const h = newEncapHeader();
    assert.equal(parseEncapHeader(reg, 0, 23, h), 'enip-header-truncated');
    const bad = Uint8Array.from(reg);
    bad[0] = 0x42; // command 0x42: not defined
    assert.equal(parseEncapHeader(bad, 0, bad.length, h), 'enip-unknown-command');
    assert.ok(!plausibleHeader(bad, 0, bad.length));
    const opt = Uint8Array.from(reg);
    opt[20] = 1; // options must be 0
    assert.equal(parseEncapHeader(opt, 0, opt.length, h), 'enip-bad-options');
  });
});

describe('common packet format', () => {
  it('reads items and flags a truncated one', () => {
    const b = B([
      0x02, 0x00,             // item count 2
      0xa1, 0x00, 0x04, 0x00, // connected address, length 4
      0x01, 0x6b, 0x07, 0x00, //   connection id 0x00076b01
      0xb1, 0x00, 0x02, 0x00, // connected data, length 2
      0x4c, 0x1c,             //   sequence count 7244
    ]);
    const c = newCpf();
    assert.equal(parseCpf(b, 0, b.length, c), null);
    assert.equal(c.n, 2);
    assert.deepEqual(c.items.slice(0, 2), [{ type: 0xa1, off: 6, len: 4 }, { type: 0xb1, off: 14, len: 2 }]);
    assert.equal(parseCpf(b, 0, b.length - 1, c), 'enip-cpf-truncated');
    const many = B([0x09, 0x00]); // 9 items: more than we decode
    assert.equal(parseCpf(many, 0, 2, c), 'enip-cpf-truncated');
  });
});

describe('EPATH', () => {
  it('reads logical segments of 8, 16 and 32 bits', () => {
    const b = B([
      0x20, 0x68,             // class 0x68 (8-bit)
      0x25, 0x00, 0x20, 0x24, // instance 0x2420 (16-bit, pad)
      0x30, 0x07,             // attribute 7
      0x2a, 0x00, 0x01, 0x00, 0x01, 0x00, // member 0x00010001 (32-bit, pad)
    ]);
    const p = newCipPath();
    assert.equal(parsePath(b, 0, b.length, p), null);
    assert.deepEqual([p.classId, p.instanceId, p.attributeId, p.memberId, p.segments], [0x68, 0x2420, 7, 0x10001, 4]);
  });
  it('decodes names through the name cache exactly as latin1 does', () => {
    const names = ['Line1_Speed', 'Tank_Levels', 'Tank_Levelz', 'A', 'ab\u0001c', 'pad  ', 'x\u0000\u0000', ' ', 'ÿé'];
    // Twice over, so the second round comes from the cache; with a long name that bypasses it.
    for (const round of [0, 1]) {
      for (const n of [...names, 'N'.repeat(100)]) {
        const bytes = Uint8Array.from([0xee, ...[...n].map((c) => c.charCodeAt(0)), 0xee]);
        assert.equal(latin1At(bytes, 1, n.length), latin1(bytes.subarray(1, 1 + n.length)), `${round} ${n}`);
      }
    }
    // Same slot, different bytes: never the other name's text.
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from([65 + (i % 26), 48 + (i % 10), 97 + (i % 7)]);
      assert.equal(latin1At(bytes, 0, 3), latin1(bytes));
    }
  });

  it('prints the sender context as 0x + 16 hex digits in wire order', () => {
    const h = new Uint8Array(24);
    h.set([0x01, 0x02, 0x0a, 0xff, 0x00, 0x10, 0x7f, 0x80], 12); // sender context bytes 12-19
    assert.equal(senderContextHex(h, 0), '0x01020aff00107f80');
  });

  it('builds a tag name from symbolic segments and element indices', () => {
    const b = B([
      0x91, 0x07, ...ascii('Program'), 0x00, // ANSI extended symbol "Program", pad
      0x91, 0x04, ...ascii('Tank'),           // ANSI extended symbol "Tank"
      0x28, 0x03,                             // element 3
      0x91, 0x05, ...ascii('Level'), 0x00,    // "Level", pad
    ]);
    const p = newCipPath();
    assert.equal(parsePath(b, 0, b.length, p), null);
    assert.equal(p.tag, 'Program.Tank[3].Level');
    assert.equal(p.classId, -1);
  });
  it('reads port segments and the electronic key', () => {
    const b = B([
      0x01, 0x00,             // port 1 (backplane), slot 0
      0x12, 0x08, ...ascii('10.0.0.9'), // port 2, 8-byte link address (even: no pad)
      0x34, 0x04,             // electronic key, format 4
      0x01, 0x00,             //   vendor 1
      0x0e, 0x00,             //   device type 14
      0x36, 0x00,             //   product code 54
      0x10, 0x14,             //   revision 16.20
      0x20, 0x02, 0x24, 0x01, // class 2, instance 1
    ]);
    const p = newCipPath();
    assert.equal(parsePath(b, 0, b.length, p), null);
    assert.deepEqual([p.hops, p.port, p.link, p.route], [2, 1, 0, '1/0,2/x']);
    assert.deepEqual([p.keyVendor, p.keyDeviceType, p.keyProductCode, p.keyMajor, p.keyMinor], [1, 14, 54, 16, 20]);
    assert.deepEqual([p.classId, p.instanceId], [2, 1]);
  });
  it('flags truncated and bad segments', () => {
    const p = newCipPath();
    assert.equal(parsePath(B([0x21, 0x00, 0x01]), 0, 3, p), 'enip-path-truncated'); // 16-bit class, 1 of 2 bytes
    assert.equal(parsePath(B([0x23, 0x00]), 0, 2, p), 'enip-path-bad-segment'); // logical format 3: reserved
    assert.equal(parsePath(B([0xe0, 0x00]), 0, 2, p), 'enip-path-bad-segment'); // reserved segment type
    const long = new Uint8Array(80).fill(0x20); // 40 class segments
    assert.equal(parsePath(long, 0, long.length, p), 'enip-path-too-many-segments');
  });
});

describe('CIP messages', () => {
  it('reads a request and a reply with extended status', () => {
    const req = B([
      0x0e,       // service Get_Attribute_Single (request)
      0x03,       // path size 3 words
      0x20, 0x01, // class 1 Identity
      0x24, 0x01, // instance 1
      0x30, 0x07, // attribute 7 product name
    ]);
    const m = newCipMessage();
    assert.equal(parseCipMessage(req, 0, req.length, m), null);
    assert.deepEqual([m.service, m.isResponse, m.pathOff, m.pathLen, m.dataLen], [0x0e, false, 2, 6, 0]);
    const rep = B([
      0xd4,       // service 0x54 Forward Open | reply bit
      0x00,       // reserved
      0x01,       // general status 1 connection failure
      0x01,       // 1 word of additional status
      0x00, 0x01, // extended status 0x0100 connection in use
      0x02, 0x03, // data
    ]);
    assert.equal(parseCipMessage(rep, 0, rep.length, m), null);
    assert.deepEqual([m.service, m.isResponse, m.status, m.extStatus, m.dataOff, m.dataLen], [0x54, true, 1, 0x100, 6, 2]);
    assert.equal(parseCipMessage(rep, 0, 5, m), 'enip-cip-truncated');
    assert.equal(parseCipMessage(req, 0, 5, m), 'enip-path-truncated');
  });
  it('walks a Multiple Service Packet', () => {
    const b = B([
      0x02, 0x00, // 2 services
      0x06, 0x00, // offset of service 1
      0x0a, 0x00, // offset of service 2
      0x01, 0x02, 0x20, 0x01, // Get_Attributes_All, path class 1 (truncated path is the service's problem)
      0x0e, 0x01, 0x20, 0x02, // Get_Attribute_Single class 2
    ]);
    const span: [number, number] = [0, 0];
    assert.equal(mspCount(b, 0, b.length), 2);
    assert.ok(mspService(b, 0, b.length, 2, 0, span));
    assert.deepEqual(span, [6, 4]);
    assert.ok(mspService(b, 0, b.length, 2, 1, span));
    assert.deepEqual(span, [10, 4]);
    const bad = Uint8Array.from(b);
    bad[4] = 0x40; // offset past the end
    assert.ok(!mspService(bad, 0, bad.length, 2, 1, span));
    assert.equal(mspCount(B([0xff, 0x00]), 0, 2), -2); // 255 services: too many
  });
  it('reads an Unconnected Send and its route', () => {
    const b = B([
      0x0a,       // priority / time tick
      0x0e,       // timeout ticks
      0x06, 0x00, // message size 6
      0x01, 0x02, 0x20, 0x01, 0x24, 0x01, // Get_Attributes_All Identity instance 1
      0x01,       // route path size 1 word
      0x00,       // reserved
      0x01, 0x02, // port 1, slot 2
    ]);
    const u = newUnconnectedSend();
    assert.equal(parseUnconnectedSend(b, 0, b.length, u), null);
    assert.deepEqual(u, { msgOff: 4, msgLen: 6, routeOff: 12, routeLen: 2 });
    assert.equal(parseUnconnectedSend(b, 0, 8, u), 'enip-ucs-truncated');
  });
  it('reads a Forward Open', () => {
    const b = B([
      0x0a, 0x0e,             // tick, timeout
      0x00, 0x00, 0x00, 0x00, // O->T connection id (chosen by the target)
      0x22, 0x40, 0x95, 0xff, // T->O connection id 0xff954022
      0x01, 0x00,             // connection serial 1
      0x01, 0x00,             // originator vendor 1
      0x78, 0x56, 0x34, 0x12, // originator serial 0x12345678
      0x01, 0x00, 0x00, 0x00, // timeout multiplier, reserved
      0x40, 0x42, 0x0f, 0x00, // O->T RPI 1 s
      0xf4, 0x43,             // O->T parameters
      0x40, 0x42, 0x0f, 0x00, // T->O RPI 1 s
      0xf4, 0x43,             // T->O parameters
      0xa3,                   // transport class 3, server, application trigger
      0x03,                   // connection path 3 words
      0x01, 0x00, 0x20, 0x02, 0x24, 0x01, // port 1 slot 0, Message Router instance 1
    ]);
    const fo = parseForwardOpen(b, 0, b.length, false);
    assert.ok(typeof fo !== 'string');
    assert.deepEqual(
      [fo.t2oId, fo.serial, fo.vendor, fo.originatorSerial, fo.o2tRpi, fo.t2oRpi, fo.transport, fo.pathOff, fo.pathLen],
      [0xff954022, 1, 1, 0x12345678, 1_000_000, 1_000_000, 0xa3, 36, 6],
    );
    assert.equal(parseForwardOpen(b, 0, 40, false), 'enip-forward-open-truncated');
  });
});

describe('identity', () => {
  // ListIdentity reply item of the 1756-ENBT/A in ICSNPP's enip_cip_example.pcap (frame 378).
  const item = B([
    0x01, 0x00,             // encapsulation protocol version 1
    0x00, 0x02,             // sin_family 2 (AF_INET, big-endian)
    0xaf, 0x12,             // sin_port 44818
    0x0a, 0x01, 0x01, 0xa4, // sin_addr 10.1.1.164
    0, 0, 0, 0, 0, 0, 0, 0, // sin_zero
    0x01, 0x00,             // vendor 1 Rockwell Automation/Allen-Bradley
    0x0c, 0x00,             // device type 12 communications adapter
    0x3a, 0x00,             // product code 58
    0x04, 0x03,             // revision 4.3
    0x30, 0x00,             // status 0x0030
    0x8e, 0x4d, 0x52, 0x00, // serial 0x00524d8e
    0x0b, ...ascii('1756-ENBT/A'), // product name, 11 chars
    0x03,                   // state 3 operational
  ]);
  it('reads a ListIdentity item', () => {
    const li = parseListIdentityItem(item, 0, item.length);
    assert.deepEqual(li, {
      vendorId: 1,
      deviceType: 12,
      productCode: 58,
      major: 4,
      minor: 3,
      status: 0x30,
      serial: 0x00524d8e,
      productName: '1756-ENBT/A',
      state: 3,
      version: 1,
      sockFamily: 2,
      sockPort: 44818,
      sockAddr: '10.1.1.164',
    });
    assert.equal(parseListIdentityItem(item, 0, item.length - 3), 'enip-identity-truncated');
    const noState = parseIdentityAttributes(item, 18, item.length - 19);
    assert.ok(typeof noState !== 'string' && noState.state === -1);
  });
  it('reads Identity attributes from a Get_Attribute_List reply', () => {
    const b = B([
      0x03, 0x00,             // 3 attributes
      0x01, 0x00, 0x00, 0x00, // attribute 1, status 0
      0x01, 0x00,             //   vendor 1
      0x04, 0x00, 0x00, 0x00, // attribute 4, status 0
      0x10, 0x14,             //   revision 16.20
      0x07, 0x00, 0x00, 0x00, // attribute 7, status 0
      0x04, ...ascii('L61B'), //   product name
    ]);
    assert.deepEqual(parseIdentityAttributeList(b, 0, b.length), { attrs: [[1, 1], [4, '16.20'], [7, 'L61B']], error: null });
    assert.equal(parseIdentityAttributeList(b, 0, b.length - 2).error, 'enip-identity-truncated');
  });
});

describe('PCCC and I/O', () => {
  it('reads the DF1 command of an Execute PCCC request', () => {
    const b = B([
      0x07,                   // requester id length 7
      0x01, 0x00,             // vendor 1
      0x78, 0x56, 0x34, 0x12, // serial
      0x0f,                   // CMD 0x0F
      0x00,                   // STS
      0x01, 0x00,             // TNS
      0x80,                   // FNC 0x80 change mode
      0x01,                   // mode: program
    ]);
    assert.deepEqual(parsePcccRequest(b, 0, b.length), [0x0f, 0x80]);
    assert.equal(parsePcccRequest(b, 0, 5), null);
  });
  it('reads a class 1 I/O datagram', () => {
    // enip_cip_example.pcap frame 380 (UDP 2222).
    const b = B([
      0x02, 0x00,             // 2 items
      0x02, 0x80, 0x08, 0x00, // sequenced address, length 8
      0x0a, 0x14, 0x4b, 0x00, //   connection id 0x004b140a
      0xcc, 0x94, 0x3f, 0x00, //   sequence number 4166860
      0xb1, 0x00, 0x06, 0x00, // connected data, length 6
      0x00, 0x00, 0xda, 0x0f, 0x03, 0x00, // I/O data
    ]);
    const io = { connectionId: 0, sequence: 0, dataLen: 0 };
    assert.equal(parseIoPacket(b, 0, b.length, newCpf(), io), null);
    assert.deepEqual(io, { connectionId: 0x004b140a, sequence: 4166860, dataLen: 6 });
    assert.equal(parseIoPacket(b, 0, 9, newCpf(), io), 'enip-io-truncated');
    assert.equal(parseIoPacket(B([0x00, 0x00]), 0, 2, newCpf(), io), 'enip-io-no-sequenced-address');
  });
});
