import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xorshift } from '../testing/fuzz.js';
import { createCaptureParser } from './parser.js';
import { buildPcap, buildPcapng, type PcapngBlockSpec, recordingSink } from './pcap-builder.js';

function parse(bytes: Uint8Array, cuts: number[] = []) {
  const sink = recordingSink();
  const p = createCaptureParser(sink);
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    p.push(bytes.subarray(prev, c));
    prev = c;
  }
  const stats = p.end();
  return { packets: sink.packets, stats };
}

// Little-endian pcapng: SHB, one Ethernet IDB (µs), one EPB with 5 bytes of data. Written by hand.
// biome-ignore format: annotated fixture, one line per field
const PCAPNG_LE = Uint8Array.from([
  // Section Header Block
  0x0a, 0x0d, 0x0d, 0x0a, // block type SHB
  0x1c, 0x00, 0x00, 0x00, // block total length 28
  0x4d, 0x3c, 0x2b, 0x1a, // byte-order magic 1a2b3c4d read LE -> little-endian section
  0x01, 0x00, 0x00, 0x00, // major 1, minor 0
  0xff, 0xff, 0xff, 0xff, // section length -1 (low half)
  0xff, 0xff, 0xff, 0xff, // section length -1 (high half)
  0x1c, 0x00, 0x00, 0x00, // block total length 28 (trailer)
  // Interface Description Block
  0x01, 0x00, 0x00, 0x00, // block type IDB
  0x14, 0x00, 0x00, 0x00, // block total length 20
  0x01, 0x00, 0x00, 0x00, // link type 1 (Ethernet), reserved 0
  0x00, 0x00, 0x04, 0x00, // snaplen 262144
  0x14, 0x00, 0x00, 0x00, // block total length 20 (trailer)
  // Enhanced Packet Block
  0x06, 0x00, 0x00, 0x00, // block type EPB
  0x28, 0x00, 0x00, 0x00, // block total length 40
  0x00, 0x00, 0x00, 0x00, // interface id 0
  0x00, 0x00, 0x06, 0x00, // timestamp high 0x00060000
  0x10, 0x00, 0x00, 0x00, // timestamp low 16 -> 0x00060000_00000010 µs = 1688849860263952
  0x05, 0x00, 0x00, 0x00, // captured length 5
  0x40, 0x00, 0x00, 0x00, // original length 64 (truncated)
  0x01, 0x02, 0x03, 0x04, // data
  0x05, 0x00, 0x00, 0x00, // data + 3 bytes padding
  0x28, 0x00, 0x00, 0x00, // block total length 40 (trailer)
]);

// Big-endian pcapng: SHB, raw-IP IDB with if_tsresol 9 (ns), EPB with 4 bytes.
// biome-ignore format: annotated fixture, one line per field
const PCAPNG_BE = Uint8Array.from([
  // Section Header Block
  0x0a, 0x0d, 0x0d, 0x0a, // block type SHB (palindrome)
  0x00, 0x00, 0x00, 0x1c, // block total length 28
  0x1a, 0x2b, 0x3c, 0x4d, // byte-order magic as written big-endian
  0x00, 0x01, 0x00, 0x00, // major 1, minor 0
  0xff, 0xff, 0xff, 0xff, // section length -1 (high half)
  0xff, 0xff, 0xff, 0xff, // section length -1 (low half)
  0x00, 0x00, 0x00, 0x1c, // trailer 28
  // Interface Description Block with options
  0x00, 0x00, 0x00, 0x01, // block type IDB
  0x00, 0x00, 0x00, 0x20, // block total length 32
  0x00, 0x65, 0x00, 0x00, // link type 101 (raw IP), reserved
  0x00, 0x00, 0xff, 0xff, // snaplen 65535
  0x00, 0x09, 0x00, 0x01, // option if_tsresol, length 1
  0x09, 0x00, 0x00, 0x00, // 9 -> nanoseconds, 3 bytes padding
  0x00, 0x00, 0x00, 0x00, // opt_endofopt
  0x00, 0x00, 0x00, 0x20, // trailer 32
  // Enhanced Packet Block
  0x00, 0x00, 0x00, 0x06, // block type EPB
  0x00, 0x00, 0x00, 0x24, // block total length 36
  0x00, 0x00, 0x00, 0x00, // interface 0
  0x17, 0x97, 0x9c, 0xfe, // ts high: 1700000000123456789 ns = 0x17979cfe_3d85cd15
  0x3d, 0x85, 0xcd, 0x15, // ts low
  0x00, 0x00, 0x00, 0x04, // captured length 4
  0x00, 0x00, 0x00, 0x04, // original length 4
  0x45, 0x00, 0x00, 0x14, // data
  0x00, 0x00, 0x00, 0x24, // trailer 36
]);

test('annotated little-endian pcapng', () => {
  const { packets, stats } = parse(PCAPNG_LE);
  assert.equal(stats.format, 'pcapng');
  assert.equal(stats.stop, null);
  assert.equal(stats.truncatedPackets, 1);
  assert.deepEqual(stats.linkTypes, { 1: 1 });
  assert.deepEqual(packets, [
    { linkType: 1, tsUs: 0x00060000 * 2 ** 32 + 16, data: Uint8Array.from([1, 2, 3, 4, 5]), origLen: 64 },
  ]);
});

test('annotated big-endian pcapng with nanosecond resolution', () => {
  const { packets, stats } = parse(PCAPNG_BE);
  assert.equal(stats.stop, null);
  assert.deepEqual(packets, [
    { linkType: 101, tsUs: 1_700_000_000_123_456, data: Uint8Array.from([0x45, 0, 0, 0x14]), origLen: 4 },
  ]);
});

const T = 1_700_000_000_000_000;
const d = (n: number, v = 0xaa) => new Uint8Array(n).fill(v);

/** Two sections of opposite byte order, several interfaces, every packet block type, skipped blocks. */
function mixed(): PcapngBlockSpec[] {
  return [
    { type: 'shb' },
    { type: 'idb', linkType: 1, name: 'eth0' },
    { type: 'idb', linkType: 101, tsresol: 9, snaplen: 128 },
    { type: 'idb', linkType: 113, tsresol: 0x80 | 20, tsoffset: 100 }, // 2^-20 s, +100 s
    { type: 'idb', linkType: 228, tsresol: 3 }, // milliseconds
    { type: 'epb', iface: 0, tsUs: T + 1, data: d(60) },
    { type: 'epb', iface: 1, tsUs: T + 2, data: d(40) },
    { type: 'raw', blockType: 4, body: d(8, 0) }, // NRB
    { type: 'epb', iface: 2, tsUs: T + 1_000_003, data: d(7) },
    { type: 'epb', iface: 3, tsUs: T + 5_000, data: d(20) },
    { type: 'spb', data: d(100), origLen: 100 }, // interface 0, time of previous packet
    { type: 'pb', iface: 1, tsUs: T + 6, data: d(10), origLen: 1000 },
    { type: 'raw', blockType: 5, body: d(12, 0) }, // ISB
    { type: 'raw', blockType: 0xbad, body: d(8, 1) }, // custom
    { type: 'raw', blockType: 0x12345678 }, // unknown
    { type: 'epb', iface: 9, tsUs: T, data: d(4) }, // interface never described
    { type: 'shb', bigEndian: true }, // new section: interfaces reset, byte order switches
    { type: 'idb', linkType: 276 },
    { type: 'epb', iface: 0, tsUs: T + 7, data: d(30) },
    { type: 'epb', iface: 1, tsUs: T + 8, data: d(30) }, // interface 1 belonged to the old section
    { type: 'spb', data: d(300), origLen: 1514 }, // snaplen 0: bounded by block only
  ];
}

test('sections, interfaces, resolutions, offsets, SPB/EPB/PB and skipped blocks', () => {
  const { packets, stats } = parse(buildPcapng(mixed()));
  assert.equal(stats.stop, null);
  assert.deepEqual(
    packets.map((p) => [p.linkType, p.tsUs, p.data.length, p.origLen]),
    [
      [1, T + 1, 60, 60],
      [101, T + 2, 40, 40],
      [113, T + 1_000_003, 7, 7],
      [228, T + 5_000, 20, 20],
      [1, T + 5_000, 100, 100],
      [101, T + 6, 10, 1000],
      [276, T + 7, 30, 30],
      [276, T + 7, 300, 1514],
    ],
  );
  assert.equal(stats.packets, 8);
  assert.equal(stats.truncatedPackets, 2);
  assert.deepEqual(stats.linkTypes, { 1: 2, 101: 2, 113: 1, 228: 1, 276: 2 });
  assert.deepEqual(stats.skippedBlocks, {
    'name-resolution': 1,
    'interface-statistics': 1,
    custom: 1,
    'unknown-0x12345678': 1,
    'packet-unknown-interface': 2,
  });
});

test('simple packet block length is bounded by the interface snaplen', () => {
  const { packets, stats } = parse(
    buildPcapng([
      { type: 'idb', linkType: 1, snaplen: 64 },
      { type: 'spb', data: d(64), origLen: 1500 },
    ]),
  );
  assert.deepEqual(
    packets.map((p) => [p.data.length, p.origLen]),
    [[64, 1500]],
  );
  assert.equal(stats.truncatedPackets, 1);
});

test('every chunk boundary gives the same result', () => {
  const bytes = buildPcapng(mixed().slice(0, 12));
  const whole = parse(bytes);
  assert.equal(whole.packets.length, 6);
  assert.deepEqual(
    parse(
      bytes,
      Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
    ),
    whole,
  );
  for (let k = 0; k <= bytes.length; k += 3) assert.deepEqual(parse(bytes, [k]), whole, `split at ${k}`);
});

test('corrupt block lengths stop at the block with a reason', () => {
  const good = buildPcapng([
    { type: 'idb', linkType: 1 },
    { type: 'epb', tsUs: T, data: d(8) },
    { type: 'epb', tsUs: T, data: d(8) },
  ]);
  const second = 28 + 20 + 40; // SHB + IDB + first EPB
  const cases: [number, number, RegExp][] = [
    [second + 4, 13, /corrupt block length 13 for enhanced-packet block/], // not a multiple of 4
    [second + 4, 8, /corrupt block length 8/], // < 12
    [second + 4, 0x7ffffff0, /corrupt block length 2147483632/], // absurd
    [second + 36, 44, /trailing length 44 differs from leading length 40/], // trailer mismatch
    [second + 20, 1000, /captured length 1000 does not fit/], // caplen beyond block
  ];
  for (const [at, value, re] of cases) {
    const bytes = good.slice();
    new DataView(bytes.buffer).setUint32(at, value, true);
    for (const cuts of [[], [second + 2], [second + 30]]) {
      const { packets, stats } = parse(bytes, cuts);
      assert.equal(packets.length, 1, `${re}`);
      assert.equal(stats.stop?.offset, second, `${re}`);
      assert.match(stats.stop?.reason ?? '', re);
    }
  }
});

test('a file that ends inside a block stops; a bad byte-order magic stops', () => {
  const bytes = buildPcapng([
    { type: 'idb', linkType: 1 },
    { type: 'epb', tsUs: T, data: d(8) },
  ]);
  const cut = parse(bytes.subarray(0, bytes.length - 5));
  assert.equal(cut.stats.packets, 0);
  assert.deepEqual(cut.stats.stop, { offset: 48, reason: 'file ends inside a block (needs 40 bytes, has 35)' });
  const cutHeader = parse(bytes.subarray(0, 48 + 6));
  assert.deepEqual(cutHeader.stats.stop, { offset: 48, reason: 'file ends inside a block (needs 12 bytes, has 6)' });
  const badBom = bytes.slice();
  badBom[8] = 0;
  assert.match(parse(badBom).stats.stop?.reason ?? '', /bad byte-order magic/);
});

test('hostile input: mutated captures never throw and always terminate', () => {
  const rnd = xorshift(0x2545f491).int;
  const seeds = [
    buildPcapng(mixed()),
    buildPcap({ linkType: 1, bigEndian: true }, [
      { tsUs: 1, data: d(30) },
      { tsUs: 2, data: d(300) },
    ]),
  ];
  for (let round = 0; round < 400; round++) {
    const bytes = seeds[round % seeds.length]!.slice();
    const flips = 1 + rnd(8);
    for (let i = 0; i < flips; i++) bytes[4 + rnd(bytes.length - 4)] = rnd(256);
    const cuts = Array.from({ length: rnd(5) }, () => rnd(bytes.length)).sort((a, b) => a - b);
    const { packets, stats } = parse(bytes, cuts);
    assert.equal(packets.length, stats.packets);
    for (const p of packets) assert.ok(p.data.length < bytes.length);
    if (stats.stop !== null) assert.ok(stats.stop.offset >= 0 && stats.stop.offset < bytes.length, stats.stop.reason);
  }
});
