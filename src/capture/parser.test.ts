import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCaptureParser, describeNonCapture } from './parser.js';
import { buildPcap, buildPcapng, recordingSink } from './pcap-builder.js';
import { NotACaptureError } from './types.js';

const enc = (s: string) => new TextEncoder().encode(s);

function parseAll(bytes: Uint8Array) {
  const p = createCaptureParser(recordingSink());
  p.push(bytes);
  return p.end();
}

test('detects pcap (4 magics) and pcapng from the first 4 bytes, even when they arrive one by one', () => {
  const pk = [{ tsUs: 42, data: Uint8Array.from([1, 2]) }];
  const inputs: [Uint8Array, string][] = [
    [buildPcap({ linkType: 1 }, pk), 'pcap'],
    [buildPcap({ linkType: 1, bigEndian: true }, pk), 'pcap'],
    [buildPcap({ linkType: 1, nanos: true }, pk), 'pcap'],
    [buildPcap({ linkType: 1, nanos: true, bigEndian: true }, pk), 'pcap'],
    [
      buildPcapng([
        { type: 'idb', linkType: 1 },
        { type: 'epb', tsUs: 42, data: Uint8Array.from([1, 2]) },
      ]),
      'pcapng',
    ],
  ];
  for (const [bytes, format] of inputs) {
    const sink = recordingSink();
    const p = createCaptureParser(sink);
    for (let i = 0; i < bytes.length; i++) p.push(bytes.subarray(i, i + 1));
    const stats = p.end();
    assert.equal(stats.format, format);
    assert.equal(stats.packets, 1);
    assert.equal(sink.packets[0]?.tsUs, 42);
  }
});

test('not-a-capture inputs throw NotACaptureError with one clear line', () => {
  const cases: [Uint8Array, RegExp][] = [
    [
      enc('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      /^not a capture file: looks like text \('GET \/ HTTP\/1\.1\.\.Host: x\.'\)$/,
    ],
    [
      Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]),
      /^not a capture file: starts with 'PK' \(a zip archive\?\)$/,
    ],
    [Uint8Array.from([0x1f, 0x8b, 8, 0]), /gzip data/],
    [Uint8Array.from([0x00, 0x01, 0x02, 0x03, 0xff]), /^not a capture file: unknown format, first bytes 00 01 02 03$/],
  ];
  for (const [bytes, re] of cases) {
    const p = createCaptureParser(recordingSink());
    assert.throws(
      () => p.push(bytes),
      (e: unknown) => e instanceof NotACaptureError && re.test(e.message) && !e.message.includes('\n'),
    );
    // Once failed, the parser stays quiet.
    p.push(bytes);
    assert.equal(p.end().packets, 0);
  }
});

test('empty, 3-byte and header-truncated inputs are clear errors', () => {
  assert.throws(() => parseAll(new Uint8Array(0)), /^NotACaptureError: not a capture file: the input is empty$/);
  assert.throws(
    () => parseAll(Uint8Array.from([0xd4, 0xc3, 0xb2])),
    /only 3 byte\(s\), shorter than any capture header \(d4 c3 b2\)/,
  );
  const pcap = buildPcap({ linkType: 1 }, []);
  assert.throws(
    () => parseAll(pcap.subarray(0, 10)),
    /truncated capture: 10 byte\(s\), shorter than the pcap file header \(24 bytes\)/,
  );
  const ng = buildPcapng([]);
  assert.throws(() => parseAll(ng.subarray(0, 20)), /shorter than the pcapng file header \(28 bytes\)/);
});

test('packets are views into the pushed chunk (no copy) with integer µs timestamps', () => {
  const bytes = buildPcap({ linkType: 1, nanos: true }, [
    { tsUs: 1_700_000_000_000_123, data: Uint8Array.from([9, 8, 7]) },
  ]);
  let seen: Uint8Array | null = null;
  let off = -1;
  let ts = 0;
  const p = createCaptureParser({
    packet(_lt, tsUs, buf, o) {
      seen = buf;
      off = o;
      ts = tsUs;
    },
  });
  p.push(bytes);
  p.end();
  assert.equal(seen, bytes);
  assert.equal(off, 40);
  assert.equal(ts, 1_700_000_000_000_123);
  assert.ok(Number.isInteger(ts));
});

test('describeNonCapture names common formats', () => {
  assert.match(describeNonCapture(enc('%PDF-1.7')), /PDF/);
  assert.match(describeNonCapture(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2])), /ELF/);
  assert.match(describeNonCapture(enc('snoop\0\0\0')), /snoop/);
});
