// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, feedChunks, testFlow } from '../../testing/fake-context.js';
import { xorshift } from '../../testing/fuzz.js';
import type { FlowInfo } from '../contract.js';
import { type EnipState, enipDissector, MAX_PENDING } from './enip.dissector.js';
import { enipIoDissector } from './enip-io.dissector.js';

const TCP: FlowInfo = testFlow({ serverPort: 44818 });
const UDP: FlowInfo = testFlow({ transport: 'udp', serverPort: 44818 });
const SESSION = 0x11020100;

const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Encapsulation header (V2 §2-3.1) + command data. */
function encap(cmd: number, data: number[], o: { session?: number; status?: number; ctx?: number } = {}): number[] {
  return [
    ...le16(cmd),                // command
    ...le16(data.length),        // length
    ...le32(o.session ?? SESSION), // session handle
    ...le32(o.status ?? 0),      // status
    ...le32(o.ctx ?? 0), 0, 0, 0, 0, // sender context
    ...le32(0),                  // options
    ...data,
  ];
}
/** SendRRData: interface handle, timeout, CPF with null address + unconnected data. */
function rr(cip: number[], o: { status?: number; ctx?: number } = {}): number[] {
  return encap(0x6f, [
    ...le32(0),                        // interface handle (CIP)
    ...le16(5),                        // timeout
    ...le16(2),                        // item count
    ...le16(0x0000), ...le16(0),       // null address item
    ...le16(0x00b2), ...le16(cip.length), // unconnected data item
    ...cip,
  ], o);
}
/** SendUnitData: CPF with connected address + connected data (sequence count + CIP). */
function unit(connId: number, seq: number, cip: number[]): number[] {
  return encap(0x70, [
    ...le32(0), ...le16(0),                 // interface handle, timeout
    ...le16(2),                             // item count
    ...le16(0x00a1), ...le16(4), ...le32(connId), // connected address
    ...le16(0x00b1), ...le16(cip.length + 2), ...le16(seq), // connected data, sequence count
    ...cip,
  ]);
}

type Chunk = { dir: Direction; ts: number; bytes: number[] };

/** Feeds chunks as the pipeline does (TCP: unconsumed bytes come back in front of the next chunk). */
function run(chunks: Chunk[], flow = TCP, step = 0): FakeContext {
  const ctx = new FakeContext(flow);
  const s: EnipState = enipDissector.newState(flow);
  feedChunks(enipDissector, s, ctx, chunks, step);
  return ctx;
}

const identityAll = [
  0x01,       // Get_Attributes_All
  0x02,       // path 2 words
  0x20, 0x01, // class 1 Identity
  0x24, 0x01, // instance 1
];
const identityAllReply = [
  0x81, 0x00, 0x00, 0x00, // reply to 0x01, reserved, status 0, no extended status
  0x01, 0x00,             // vendor 1
  0x0e, 0x00,             // device type 14 PLC
  0x36, 0x00,             // product code 54
  0x10, 0x14,             // revision 16.20
  0x60, 0x30,             // status
  0x3f, 0x82, 0x51, 0x00, // serial 0x0051823f
  0x14, ...ascii('1756-L61/B LOGIX5561'), // product name
  0x03,                   // state
];

describe('enip dissector', () => {
  it('probes the opening message of a session only', () => {
    const reg = Uint8Array.from(encap(0x65, [0x01, 0x00, 0x00, 0x00], { session: 0 }));
    assert.equal(enipDissector.probe?.(reg, 0, reg.length, 0), 'match');
    assert.equal(enipDissector.probe?.(reg, 0, 10, 0), 'need-more');
    const li = Uint8Array.from(encap(0x63, [], { session: 0 }));
    assert.equal(enipDissector.probe?.(li, 0, li.length, 0), 'match');
    const http = Uint8Array.from(ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(enipDissector.probe?.(http, 0, http.length, 0), 'no-match');
    const data = Uint8Array.from(rr(identityAll));
    assert.equal(enipDissector.probe?.(data, 0, data.length, 0), 'no-match');
  });

  it('registers a session and reads the Identity object', () => {
    const ctx = run([
      { dir: 0, ts: 100, bytes: encap(0x65, [0x01, 0x00, 0x00, 0x00], { session: 0, ctx: 7 }) },
      { dir: 1, ts: 150, bytes: encap(0x65, [0x01, 0x00, 0x00, 0x00], { ctx: 7 }) },
      { dir: 0, ts: 200, bytes: rr(identityAll, { ctx: 8 }) },
      { dir: 1, ts: 260, bytes: rr(identityAllReply, { ctx: 8 }) },
    ]);
    assert.deepEqual(ctx.anomalies, []);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.fn, t.op, t.status, t.rttUs, t.detail?.classId, t.detail?.session]),
      [
        ['REGISTER_SESSION', 'other', 'ok', 50, undefined, '0x00000000'],
        ['GET_ATTRIBUTES_ALL', 'read', 'ok', 60, 1, '0x11020100'],
      ],
    );
    assert.equal(ctx.identities[0]?.about, 'server');
    assert.deepEqual(ctx.facts, [
      'vendor_id=1',
      'vendor=Rockwell Automation/Allen-Bradley',
      'device_type_id=14',
      'device_type=Programmable Logic Controller',
      'product_code=54',
      'firmware=16.20',
      'serial=0x0051823f',
      'product_name=1756-L61/B LOGIX5561',
      'device_status=0x3060',
      'device_state=0x0003',
      'device_state_name=OPERATIONAL',
    ]);
  });

  it('unwraps an Unconnected Send: the routed module is not the server', () => {
    const ucs = [
      0x52, 0x02, 0x20, 0x06, 0x24, 0x01, // Unconnected Send, Connection Manager instance 1
      0x0a, 0x0e,                         // tick, timeout
      ...le16(identityAll.length),        // message size
      ...identityAll,                     // embedded request
      0x01, 0x00,                         // route path 1 word, reserved
      0x01, 0x00,                         // port 1 (backplane), slot 0
    ];
    const ctx = run([
      { dir: 0, ts: 10, bytes: rr(ucs) },
      { dir: 1, ts: 20, bytes: rr(identityAllReply) },
    ]);
    const [tx] = ctx.transactions;
    assert.deepEqual([tx?.fn, tx?.status, tx?.detail?.via, tx?.detail?.route], ['GET_ATTRIBUTES_ALL', 'ok', 'UNCONNECTED_SEND', '1/0']);
    assert.deepEqual(ctx.facts, [
      'module_1_0=1756-L61/B LOGIX5561, vendor Rockwell Automation/Allen-Bradley, product code 54, rev 16.20, serial 0x0051823f',
    ]);
    // A failed route is answered by the Connection Manager (0xD2) with a status.
    const fail = run([
      { dir: 0, ts: 10, bytes: rr(ucs) },
      { dir: 1, ts: 20, bytes: rr([0xd2, 0x00, 0x01, 0x01, 0x04, 0x02]) }, // 0x52|reply, status 1, ext 0x0204
    ]);
    const [f] = fail.transactions;
    assert.deepEqual([f?.status, f?.exception, f?.detail?.extendedStatusName], ['exception', 'CONNECTION_FAILURE', 'UNCONNECTED_REQUEST_TIMED_OUT']);
    assert.deepEqual(fail.anomalies, []);
  });

  it('pairs a Multiple Service Packet and each embedded service', () => {
    const get = [0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07]; // Get_Attribute_Single Identity/1/7
    const set = [0x10, 0x03, 0x20, 0xf5, 0x24, 0x01, 0x30, 0x05, 0x00]; // Set_Attribute_Single TCP/IP/1/5, 1 data byte
    const msp = [
      0x0a, 0x02, 0x20, 0x02, 0x24, 0x01, // Multiple Service Packet, Message Router instance 1
      ...le16(2),                         // 2 services
      ...le16(6), ...le16(6 + get.length), // offsets
      ...get,
      ...set,
    ];
    const r1 = [0x8e, 0x00, 0x00, 0x00, 0x03, ...ascii('ABC')]; // product name "ABC"
    const r2 = [0x90, 0x00, 0x0e, 0x00];                      // attribute not settable
    const reply = [0x8a, 0x00, 0x1e, 0x00, ...le16(2), ...le16(6), ...le16(6 + r1.length), ...r1, ...r2];
    const ctx = run([
      { dir: 0, ts: 1, bytes: unit(0x1234, 42, msp) },
      { dir: 1, ts: 9, bytes: unit(0x9999, 42, reply) },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.fn, t.op, t.status, t.exception, t.tid, t.detail?.via, t.detail?.connectionId]),
      [
        ['MULTIPLE_SERVICE_PACKET', 'other', 'exception', 'EMBEDDED_SERVICE_ERROR', 42, undefined, '0x00001234'],
        ['GET_ATTRIBUTES_SINGLE', 'read', 'ok', undefined, 42, 'MULTIPLE_SERVICE_PACKET', '0x00001234'],
        ['SET_ATTRIBUTES_SINGLE', 'write', 'exception', 'ATTRIBUTE_NOT_SETTABLE', 42, 'MULTIPLE_SERVICE_PACKET', '0x00001234'],
      ],
    );
    assert.deepEqual(ctx.facts, ['product_name=ABC']);
  });

  it('names mode changes and tag services', () => {
    const start = [0x06, 0x02, 0x20, 0x8e, 0x24, 0x01]; // Start, class 0x8E instance 1 (ITI cip_start_plc)
    const read = [
      0x4c, 0x03, 0x91, 0x04, ...ascii('Tank'), // Read Tag "Tank"
      0x01, 0x00,                               // 1 element
    ];
    const pccc = [
      0x4b, 0x02, 0x20, 0x67, 0x24, 0x01,       // Execute PCCC
      0x07, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, // requester id
      0x0f, 0x00, 0x01, 0x00, 0x80, 0x01,       // CMD 0F, STS, TNS, FNC 80 change mode, program
    ];
    const ctx = run([
      { dir: 0, ts: 1, bytes: unit(1, 1, start) },
      { dir: 0, ts: 2, bytes: unit(1, 2, read) },
      { dir: 0, ts: 3, bytes: unit(1, 3, pccc) },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.fn, t.op, t.status, t.quantity, t.detail?.tag ?? t.detail?.pccc]),
      [
        ['START', 'control', 'no-response', undefined, undefined],
        ['READ_DATA', 'read', 'no-response', 1, 'Tank'],
        ['EXECUTE_PCCC_SERVICE', 'control', 'no-response', undefined, 'PCCC_CHANGE_MODE'],
      ],
    );
  });

  it('reads a ListIdentity reply over UDP, and keeps PDUs split across segments', () => {
    const item = [
      0x01, 0x00, 0x00, 0x02, 0xaf, 0x12, 0x0a, 0x01, 0x01, 0xa4, 0, 0, 0, 0, 0, 0, 0, 0, // version, sockaddr
      0x01, 0x00, 0x0c, 0x00, 0x3a, 0x00, 0x04, 0x03, 0x30, 0x00, 0x8e, 0x4d, 0x52, 0x00, // identity
      0x0b, ...ascii('1756-ENBT/A'), 0x03,
    ];
    const reply = encap(0x63, [...le16(1), ...le16(0x0c), ...le16(item.length), ...item], { session: 0 });
    const udp = run([{ dir: 1, ts: 5, bytes: reply }], UDP);
    assert.equal(udp.transactions[0]?.status, 'unsolicited');
    assert.ok(udp.facts.includes('product_name=1756-ENBT/A'));
    assert.ok(udp.facts.includes('firmware=4.3'));
    assert.ok(udp.facts.includes('socket_address=10.1.1.164'));
    const tcp = run(
      [
        { dir: 0, ts: 1, bytes: encap(0x63, [], { session: 0 }) },
        { dir: 1, ts: 2, bytes: reply },
      ],
      TCP,
      7,
    );
    assert.deepEqual(tcp.transactions.map((t) => [t.fn, t.op, t.status]), [['LIST_IDENTITY', 'discovery', 'ok']]);
    assert.equal(tcp.identities.length, 1);
  });

  it('reports encapsulation errors and unanswered requests', () => {
    const ctx = run([
      { dir: 0, ts: 1, bytes: rr(identityAll, { ctx: 1 }) },
      { dir: 1, ts: 2, bytes: encap(0x6f, [], { status: 0x64, ctx: 1 }) }, // invalid session handle
      { dir: 0, ts: 3, bytes: rr(identityAll, { ctx: 2 }) },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.status, t.exception]),
      [['exception', 'INVALID_SESSION_HANDLE'], ['no-response', undefined]],
    );
  });

  it('bounds pending requests', () => {
    const chunks: Chunk[] = [];
    for (let i = 0; i < MAX_PENDING + 5; i++) chunks.push({ dir: 0, ts: i, bytes: rr(identityAll, { ctx: i + 1 }) });
    const ctx = run(chunks);
    assert.equal(ctx.transactions.length, MAX_PENDING + 5);
    assert.ok(ctx.transactions.every((t) => t.status === 'no-response'));
  });

  it('flags malformed messages and rejects other protocols', () => {
    const bad = run([
      { dir: 0, ts: 1, bytes: rr([0x0e, 0x05, 0x20, 0x01]) }, // path of 5 words, 2 bytes present
      { dir: 0, ts: 2, bytes: rr([0x0a, 0x02, 0x20, 0x02, 0x24, 0x01, 0x05, 0x00, 0x00]) }, // MSP: 5 services, truncated
      { dir: 0, ts: 3, bytes: encap(0x6f, [0, 0, 0, 0, 0, 0, 1, 0, 0xb2, 0, 9, 0]) }, // item runs past the data
      { dir: 1, ts: 4, bytes: rr([0x0e, 0x00]) }, // a request sent by the server
    ]);
    const codes = bad.anomalies.map((a) => a.code);
    assert.ok(codes.includes('enip-path-truncated'), codes.join());
    assert.ok(codes.includes('enip-msp-truncated'), codes.join());
    assert.ok(codes.includes('enip-cpf-truncated'), codes.join());
    assert.ok(codes.includes('enip-request-in-reply') || bad.transactions.some((t) => t.status === 'unsolicited'));
    const http = run([{ dir: 0, ts: 1, bytes: ascii('GET / HTTP/1.1\r\nHost: plc\r\nAccept: */*\r\n\r\n') }]);
    assert.equal(http.violations.length, 1);
    assert.match(http.violations[0] as string, /enip-unknown-command/);
  });

  it('survives random and mutated input (deterministic fuzz)', () => {
    const rnd = xorshift(0x2545f491).unit;
    const seeds = [
      rr(identityAll),
      rr(identityAllReply),
      unit(5, 9, [0x0a, 0x02, 0x20, 0x02, 0x24, 0x01, 0x01, 0x00, 0x04, 0x00, ...identityAll]),
      encap(0x63, [...le16(1), ...le16(0x0c), ...le16(4), 1, 2, 3, 4]),
    ];
    for (let iter = 0; iter < 3000; iter++) {
      const base = (seeds[iter % seeds.length] as number[]).slice();
      const flips = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < flips; k++) base[Math.floor(rnd() * base.length)] = Math.floor(rnd() * 256);
      const bytes = iter % 7 === 0 ? Array.from({ length: Math.floor(rnd() * 80) }, () => Math.floor(rnd() * 256)) : base;
      const dir: Direction = iter & 1 ? 1 : 0;
      run([{ dir, ts: iter, bytes }], iter % 3 === 0 ? UDP : TCP, iter % 5 === 0 ? 3 : 0);
    }
  });
});

describe('enip-io dissector', () => {
  const io = (connId: number, seq: number, data: number[]) => [
    ...le16(2),                                         // item count
    ...le16(0x8002), ...le16(8), ...le32(connId), ...le32(seq), // sequenced address
    ...le16(0x00b1), ...le16(data.length), ...data,      // connected data
  ];
  const flow = testFlow({ transport: 'udp', clientPort: 2222, serverPort: 2222 });

  it('counts datagrams per connection and direction', () => {
    const ctx = new FakeContext(flow);
    const s = enipIoDissector.newState(flow);
    const feed = (dir: Direction, b: number[], ts: number) => {
      ctx.dir = dir;
      ctx.tsUs = ts;
      enipIoDissector.parse(s, Uint8Array.from(b), 0, b.length, ctx);
    };
    feed(0, io(0x004b0603, 10, [1, 2, 3, 4, 5, 6]), 1);
    feed(0, io(0x004b0603, 11, [1, 2, 3, 4, 5, 6]), 2);
    feed(0, io(0x004b0603, 13, [1, 2]), 3); // sequence jump
    feed(1, io(0x008e400b, 7, [1, 0]), 4);
    enipIoDissector.onEnd?.(s, ctx);
    assert.deepEqual(ctx.anomalies, []);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.fn, t.detail?.connectionId, t.detail?.direction, t.detail?.packets, t.detail?.sequenceJumps, t.detail?.minDataLength]),
      [
        ['CIP_IO', '0x004b0603', 'client-to-server', 3, 1, 2],
        ['CIP_IO', '0x008e400b', 'server-to-client', 1, 0, 2],
      ],
    );
  });

  it('rejects a flow that is not CIP I/O and survives fuzz', () => {
    const ctx = new FakeContext(flow);
    const s = enipIoDissector.newState(flow);
    const junk = Uint8Array.from(ascii('NOTIFY * HTTP/1.1'));
    enipIoDissector.parse(s, junk, 0, junk.length, ctx);
    assert.equal(ctx.violations.length, 1);
    let seed = 99;
    for (let i = 0; i < 2000; i++) {
      const c2 = new FakeContext(flow);
      const st = enipIoDissector.newState(flow);
      const b = io(i, i, [1, 2, 3]);
      seed = (seed * 1103515245 + 12345) >>> 0;
      b[seed % b.length] = seed >>> 24;
      const u = Uint8Array.from(b.slice(0, seed % (b.length + 1)));
      enipIoDissector.parse(st, u, 0, u.length, c2);
      enipIoDissector.onEnd?.(st, c2);
    }
  });
});
