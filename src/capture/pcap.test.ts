import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCaptureParser } from './parser.js';
import { PcapReader } from './pcap.js';
import { buildPcap, recordingSink } from './pcap-builder.js';
import { emptyCaptureStats, LinkType } from './types.js';

/** Parse `bytes` pushed in pieces cut at `cuts` (offsets), return packets and stats. */
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

// Little-endian, microsecond pcap with one 6-byte Ethernet-ish packet, written by hand.
// biome-ignore format: annotated fixture, one line per field
const PCAP_LE = Uint8Array.from([
  0xd4, 0xc3, 0xb2, 0xa1, // magic a1b2c3d4 written little-endian -> LE, microseconds
  0x02, 0x00, // version major 2
  0x04, 0x00, // version minor 4
  0x00, 0x00, 0x00, 0x00, // thiszone 0
  0x00, 0x00, 0x00, 0x00, // sigfigs 0
  0xff, 0xff, 0x00, 0x00, // snaplen 65535
  0x01, 0x00, 0x00, 0x00, // link type 1 (Ethernet), no FCS info
  // record 1
  0x00, 0xf1, 0x53, 0x65, // ts_sec 0x6553f100 = 1700000000
  0x40, 0xe2, 0x01, 0x00, // ts_usec 0x01e240 = 123456
  0x06, 0x00, 0x00, 0x00, // caplen 6
  0x3c, 0x00, 0x00, 0x00, // origlen 60 (snaplen-truncated)
  0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, // data
]);

// Big-endian, nanosecond pcap with one 4-byte raw-IP packet.
// biome-ignore format: annotated fixture, one line per field
const PCAP_BE_NS = Uint8Array.from([
  0xa1, 0xb2, 0x3c, 0x4d, // magic a1b23c4d big-endian -> BE, nanoseconds
  0x00, 0x02, // version major 2
  0x00, 0x04, // version minor 4
  0x00, 0x00, 0x00, 0x00, // thiszone
  0x00, 0x00, 0x00, 0x00, // sigfigs
  0x00, 0x04, 0x00, 0x00, // snaplen 262144
  0x00, 0x00, 0x00, 0x65, // link type 101 (raw IP)
  // record 1
  0x65, 0x53, 0xf1, 0x00, // ts_sec 1700000000
  0x3b, 0x9a, 0xc9, 0xff, // ts_nsec 999999999 -> 999999 µs (floor)
  0x00, 0x00, 0x00, 0x04, // caplen 4
  0x00, 0x00, 0x00, 0x04, // origlen 4
  0x45, 0x00, 0x00, 0x14, // data
]);

test('annotated little-endian microsecond pcap', () => {
  const { packets, stats } = parse(PCAP_LE);
  assert.equal(stats.format, 'pcap');
  assert.equal(stats.stop, null);
  assert.equal(stats.packets, 1);
  assert.equal(stats.truncatedPackets, 1);
  assert.deepEqual(stats.linkTypes, { 1: 1 });
  assert.equal(stats.bytes, PCAP_LE.length);
  assert.deepEqual(packets, [
    {
      linkType: 1,
      tsUs: 1_700_000_000_123_456,
      data: Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
      origLen: 60,
    },
  ]);
});

test('annotated big-endian nanosecond pcap', () => {
  const { packets, stats } = parse(PCAP_BE_NS);
  assert.equal(stats.stop, null);
  assert.equal(stats.truncatedPackets, 0);
  assert.deepEqual(stats.linkTypes, { 101: 1 });
  assert.deepEqual(packets, [
    { linkType: 101, tsUs: 1_700_000_000_999_999, data: Uint8Array.from([0x45, 0x00, 0x00, 0x14]), origLen: 4 },
  ]);
});

test('builder output parses back identically in both byte orders and both resolutions', () => {
  const pk = [
    { tsUs: 1_600_000_000_000_001, data: Uint8Array.from([1, 2, 3]) },
    { tsUs: 1_600_000_001_500_000, data: new Uint8Array(1500).fill(9), origLen: 1600 },
    { tsUs: 1_600_000_002_000_000, data: new Uint8Array(0) },
  ];
  for (const bigEndian of [false, true]) {
    for (const nanos of [false, true]) {
      const { packets, stats } = parse(buildPcap({ linkType: LinkType.LINUX_SLL, bigEndian, nanos }, pk));
      assert.equal(stats.stop, null);
      assert.equal(stats.packets, 3);
      assert.equal(stats.truncatedPackets, 1);
      assert.deepEqual(stats.linkTypes, { 113: 3 });
      assert.deepEqual(
        packets.map((p) => [p.linkType, p.tsUs, p.data.length, p.origLen]),
        [
          [113, 1_600_000_000_000_001, 3, 3],
          [113, 1_600_000_001_500_000, 1500, 1600],
          [113, 1_600_000_002_000_000, 0, 0],
        ],
      );
    }
  }
});

test('every chunk boundary (byte by byte, and every two-way split) gives the same packets', () => {
  const pk = [
    { tsUs: 1, data: Uint8Array.from([1, 2, 3, 4, 5]) },
    { tsUs: 2, data: Uint8Array.from([6]) },
    { tsUs: 3, data: new Uint8Array(0) },
    { tsUs: 4, data: Uint8Array.from([7, 8, 9, 10, 11, 12, 13]) },
  ];
  const bytes = buildPcap({ linkType: 1, bigEndian: true }, pk);
  const whole = parse(bytes);
  assert.equal(whole.packets.length, 4);
  const allCuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
  assert.deepEqual(parse(bytes, allCuts), whole);
  for (let k = 0; k <= bytes.length; k++) assert.deepEqual(parse(bytes, [k]), whole, `split at ${k}`);
});

test('FCS bits in the link-type field are masked off (low 16 bits are the link type)', () => {
  // FCS len 2 (x16 bits = 4 bytes) in bits 28-31, P bit 26 set, link type 1.
  const field = (2 << 28) | 0x04000000 | 1;
  const bytes = buildPcap({ linkType: field >>> 0 }, [{ tsUs: 5, data: Uint8Array.from([1]) }]);
  const stats = emptyCaptureStats();
  const r = new PcapReader(stats, recordingSink());
  r.push(bytes);
  r.end();
  assert.deepEqual(stats.linkTypes, { 1: 1 });
  assert.equal(r.fcsLen, 4);
});

test('a record with an absurd captured length stops at its header and delivers nothing more', () => {
  const bytes = buildPcap({ linkType: 1, snaplen: 65535 }, [
    { tsUs: 1, data: new Uint8Array(10) },
    { tsUs: 2, data: new Uint8Array(10) },
    { tsUs: 3, data: new Uint8Array(10) },
  ]);
  const second = 24 + 26;
  new DataView(bytes.buffer).setUint32(second + 8, 0x7fffffff, true); // caplen of record 2
  for (const cuts of [[], [second + 4], [second + 9]]) {
    const { packets, stats } = parse(bytes, cuts);
    assert.equal(packets.length, 1);
    assert.equal(stats.packets, 1);
    assert.equal(stats.stop?.offset, second);
    assert.match(stats.stop?.reason ?? '', /captured length 2147483647 exceeds the limit 262144/);
  }
});

test('a file that ends inside a record or a record header stops with a clear reason', () => {
  const bytes = buildPcap({ linkType: 1 }, [
    { tsUs: 1, data: new Uint8Array(10) },
    { tsUs: 2, data: new Uint8Array(10) },
  ]);
  const inData = parse(bytes.subarray(0, bytes.length - 3));
  assert.equal(inData.stats.packets, 1);
  assert.deepEqual(inData.stats.stop, {
    offset: 50,
    reason: 'file ends inside a packet record (needs 26 bytes, has 23)',
  });
  const inHeader = parse(bytes.subarray(0, 50 + 7), [30, 51]);
  assert.equal(inHeader.stats.packets, 1);
  assert.deepEqual(inHeader.stats.stop, {
    offset: 50,
    reason: 'file ends inside a packet record header (needs 16 bytes, has 7)',
  });
  // A file with only its header is fine: zero packets, no stop.
  const headerOnly = parse(bytes.subarray(0, 24));
  assert.equal(headerOnly.stats.packets, 0);
  assert.equal(headerOnly.stats.stop, null);
});

test('pushes after a stop are ignored', () => {
  const bytes = buildPcap({ linkType: 1 }, [{ tsUs: 1, data: new Uint8Array(4) }]);
  new DataView(bytes.buffer).setUint32(24 + 8, 0xffffffff, true);
  const sink = recordingSink();
  const p = createCaptureParser(sink);
  p.push(bytes);
  assert.notEqual(p.stats.stop, null);
  p.push(buildPcap({ linkType: 1 }, [{ tsUs: 1, data: new Uint8Array(4) }]).subarray(24));
  assert.equal(p.end().packets, 0);
  assert.equal(sink.packets.length, 0);
});
