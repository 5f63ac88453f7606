import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PcapWriter } from './pcap-writer.js';
import { hexBytes } from './protocols/bytes.js';

/** Compares bytes as hex strings so a failure shows where they differ. */
function eqHex(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(Buffer.from(actual).toString('hex'), Buffer.from(expected).toString('hex'));
}

describe('PcapWriter', () => {
  it('writes the global header and one record', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter((c) => chunks.push(c));
    const frame = new Uint8Array(60).fill(0xab);
    const off = w.put(1_772_431_200_123_456, frame);
    w.flush();
    const out = Buffer.concat(chunks);
    assert.equal(off, 24 + 16);
    eqHex(
      out.subarray(0, 40),
      hexBytes(
        [
          'd4c3b2a1', // magic (LE a1b2c3d4: microseconds)
          '0200 0400', // version 2.4
          '00000000', // thiszone
          '00000000', // sigfigs
          'ffff0000', // snaplen 65535
          '01000000', // linktype 1 ethernet
          '60 27 a5 69', // ts_sec 1772431200 (0x69a52760)
          '40 e2 01 00', // ts_usec 123456
          '3c000000', // incl_len 60
          '3c000000', // orig_len 60
        ].join(''),
      ),
    );
    eqHex(out.subarray(40), Buffer.from(frame));
    assert.equal(w.packets, 1);
    assert.equal(w.bytes, out.length);
  });

  it('flushes whole records in chunks and lets the caller patch the current one', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter((c) => chunks.push(c), { chunkSize: 1 << 16 });
    const frame = new Uint8Array(100);
    for (let i = 0; i < 2000; i++) {
      const off = w.put(1_000_000 + i, frame);
      w.buf[off] = i & 0xff;
    }
    w.flush();
    assert.ok(chunks.length > 2);
    const out = Buffer.concat(chunks);
    assert.equal(out.length, 24 + 2000 * 116);
    for (let i = 0; i < 2000; i++) assert.equal(out[24 + i * 116 + 16], i & 0xff);
    assert.equal(out.readUInt32LE(24 + 1999 * 116 + 4), 1999); // usec of the last record
  });
});
