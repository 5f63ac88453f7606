// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { iinNames } from './dnp3.consts.js';
import { type Dnp3State, dnp3Dissector } from './dnp3.dissector.js';
import { crc16, newObjectSummary, walkObjects } from './dnp3.parse.js';

/** A link frame: header + CRC, then user data in 16-byte blocks each followed by its CRC. */
function frame(control: number, dst: number, src: number, user: number[]): number[] {
  const head = [0x05, 0x64, 5 + user.length, control, dst & 255, dst >> 8, src & 255, src >> 8];
  const out = [...head, ...crcBytes(head)];
  for (let i = 0; i < user.length; i += 16) {
    const block = user.slice(i, i + 16);
    out.push(...block, ...crcBytes(block));
  }
  return out;
}
function crcBytes(b: number[]): number[] {
  const c = crc16(Uint8Array.from(b), 0, b.length);
  return [c & 255, c >> 8];
}
const FROM_MASTER = 0xc4; // DIR=1, PRM=1, UNCONFIRMED_USER_DATA
const FROM_OUTSTATION = 0x44; // DIR=0, PRM=1, UNCONFIRMED_USER_DATA

function feed(s: Dnp3State, ctx: FakeContext, dir: 0 | 1, bytes: number[], ts = ctx.tsUs + 1000): number {
  ctx.dir = dir;
  ctx.tsUs = ts;
  const b = Uint8Array.from(bytes);
  return dnp3Dissector.parse(s, b, 0, b.length, ctx);
}
function setup(transport: 'tcp' | 'udp' = 'tcp') {
  const ctx = new FakeContext(testFlow({ transport, serverPort: 20000 }));
  return { ctx, s: dnp3Dissector.newState(ctx.flow) };
}

describe('dnp3 parse', () => {
  it('computes the DNP3 CRC of a real link header and data block', () => {
    // From dnp3.pcap (Zeek test trace): header 05 64 11 c4 04 00 03 00 -> 4e ef, data block -> b1 ec.
    assert.equal(crc16(Uint8Array.from([0x05, 0x64, 0x11, 0xc4, 0x04, 0x00, 0x03, 0x00]), 0, 8), 0xef4e);
    const block = [0xc2, 0xc2, 0x15, 0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c, 0x04, 0x06];
    assert.equal(crc16(Uint8Array.from(block), 0, block.length), 0xecb1);
  });

  it('walks object headers of a response (ranges, packed bits, counts)', () => {
    const b = Uint8Array.from([
      0x01, 0x02, 0x00, 0x00, 0x02,       // g1v2 binary input with flags, start 0 stop 2
      0x81, 0x81, 0x01,                   //   3 objects of 1 byte
      0x01, 0x01, 0x00, 0x00, 0x09,       // g1v1 packed bits, 10 objects
      0xff, 0x03,                         //   2 bytes
      0x1e, 0x01, 0x17, 0x01,             // g30v1 analog input, qualifier 0x17: count 1, 1-byte index
      0x05, 0x01, 0x10, 0x00, 0x00, 0x00, //   index 5, flags, value 16
    ]);
    const o = newObjectSummary();
    assert.equal(walkObjects(b, 0, b.length, 0x81, o), null);
    assert.equal(o.headers, 3);
    assert.equal(o.objects, 14);
    assert.equal(o.list, 'g1v2,g1v1,g30v1');
    assert.equal(o.rangeStart, 0);
  });

  it('reads device attributes (group 0)', () => {
    const b = Uint8Array.from([
      0x00, 0xfc, 0x00, 0x00, 0x00,       // g0v252 manufacturer name, start 0 stop 0
      0x01, 0x04, 0x41, 0x43, 0x4d, 0x45, //   VSTR, 4 bytes "ACME"
      0x00, 0xf2, 0x00, 0x00, 0x00,       // g0v242 software version
      0x01, 0x03, 0x32, 0x2e, 0x31,       //   VSTR "2.1"
    ]);
    const o = newObjectSummary();
    assert.equal(walkObjects(b, 0, b.length, 0x81, o), null);
    assert.deepEqual(o.attributes?.map((a) => [a.variation, a.value]), [[252, 'ACME'], [242, '2.1']]);
  });

  it('flags malformed headers', () => {
    const o = newObjectSummary();
    assert.equal(walkObjects(Uint8Array.from([0x01, 0x02, 0x80]), 0, 3, 0x81, o), 'dnp3-bad-qualifier');  // reserved bit
    assert.equal(walkObjects(Uint8Array.from([0x01, 0x02, 0x00, 5, 2]), 0, 5, 0x81, o), 'dnp3-bad-range'); // stop < start
    assert.equal(walkObjects(Uint8Array.from([0x01, 0x02, 0x00, 0, 9, 1]), 0, 6, 0x81, o), 'dnp3-object-truncated');
    assert.equal(walkObjects(Uint8Array.from([0x3c, 0x02]), 0, 2, 0x01, o), 'dnp3-object-truncated');
    assert.equal(walkObjects(Uint8Array.from([0x3c, 0x02, 0x06]), 0, 3, 0x01, o), null);              // class 1 data, all
  });

  it('names IIN bits', () => {
    assert.equal(iinNames(0x9000), 'device-restart,need-time');
    assert.equal(iinNames(0x0001), 'no-func-code-support');
    assert.equal(iinNames(0), '');
  });
});

describe('dnp3 dissector', () => {
  const read = frame(FROM_MASTER, 4, 3, [
    0xc0,             // transport: FIN, FIR, seq 0
    0xc1,             // application control: FIR, FIN, seq 1
    0x01,             // function READ
    0x3c, 0x02, 0x06, // g60v2 class 1 data, all
  ]);
  const response = frame(FROM_OUTSTATION, 3, 4, [
    0xc0,                   // transport: FIN, FIR, seq 0
    0xc1,                   // application control: FIR, FIN, seq 1
    0x81,                   // function RESPONSE
    0x90, 0x00,             // IIN1 device restart + need time, IIN2 0
    0x00, 0xfc, 0x00, 0x00, 0x00, // g0v252 manufacturer name
    0x01, 0x04, 0x41, 0x43, 0x4d, 0x45, // VSTR "ACME"
  ]);

  it('pairs a READ with its RESPONSE and reports identity', () => {
    const { ctx, s } = setup();
    assert.equal(feed(s, ctx, 0, read), read.length);
    assert.equal(feed(s, ctx, 1, response), response.length);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'READ');
    assert.equal(tx?.op, 'read');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.unit, 4);
    assert.equal(tx?.tid, 1);
    assert.equal(tx?.rttUs, 1000);
    assert.equal(tx?.detail?.iin, 0x9000);
    assert.equal(tx?.detail?.iinFlags, 'device-restart,need-time');
    assert.equal(tx?.detail?.master, 3);
    assert.equal(tx?.detail?.objects, 'g60v2');
    assert.ok(ctx.facts.includes('vendor=ACME'));
    assert.ok(ctx.facts.includes('dnp3_address=4'));
    assert.ok(ctx.facts.includes('dnp3_role=outstation'));
    assert.deepEqual(ctx.anomalies, []);
  });

  it('waits for a frame split over segments', () => {
    const { ctx, s } = setup();
    assert.equal(feed(s, ctx, 0, read.slice(0, 12)), 0);
    assert.equal(feed(s, ctx, 0, read), read.length);
    assert.equal(ctx.transactions.length, 0);
    dnp3Dissector.onEnd?.(s, ctx);
    assert.equal(ctx.transactions[0]?.status, 'no-response');
  });

  it('reassembles a fragment over two transport segments', () => {
    const { ctx, s } = setup();
    const app = [0xc2, 0x05, 0x0c, 0x01, 0x17, 0x01, 0x03, 0x41, 0x01, 0xf4, 0x01, 0, 0, 0, 0, 0, 0, 0]; // DIRECT_OPERATE CROB
    const seg1 = frame(FROM_MASTER, 4, 3, [0x40 | 5, ...app.slice(0, 10)]); // FIR, seq 5
    const seg2 = frame(FROM_MASTER, 4, 3, [0x80 | 6, ...app.slice(10)]);    // FIN, seq 6
    feed(s, ctx, 0, [...seg1, ...seg2]);
    dnp3Dissector.onEnd?.(s, ctx);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'DIRECT_OPERATE');
    assert.equal(tx?.op, 'write');
    assert.equal(tx?.address, 3);
    assert.deepEqual(ctx.anomalies, []);
  });

  it('holds a response with CON until its CONFIRM', () => {
    const { ctx, s } = setup();
    const uns = frame(FROM_OUTSTATION, 3, 4, [0xc0, 0xf3, 0x82, 0x00, 0x00]); // FIR FIN CON UNS seq 3, UNSOLICITED_RESPONSE
    const confirm = frame(FROM_MASTER, 4, 3, [0xc0, 0xd3, 0x00]);             // FIR FIN UNS seq 3, CONFIRM
    feed(s, ctx, 1, uns);
    assert.equal(ctx.transactions.length, 0);
    feed(s, ctx, 0, confirm);
    assert.equal(ctx.transactions[0]?.status, 'unsolicited');
    assert.equal(ctx.transactions[0]?.detail?.confirmed, true);
  });

  it('flags a bad CRC in a data block and still decodes', () => {
    const { ctx, s } = setup();
    const bad = [...read];
    bad[bad.length - 1] ^= 0xff; // corrupt the block CRC
    feed(s, ctx, 0, bad);
    dnp3Dissector.onEnd?.(s, ctx);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['dnp3-bad-crc']);
    assert.equal(ctx.transactions[0]?.fn, 'READ');
  });

  it('rejects a stream that is not DNP3', () => {
    const { ctx, s } = setup();
    feed(s, ctx, 0, [...Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
    assert.equal(ctx.violations.length, 1);
  });

  it('parses each UDP datagram on its own', () => {
    const { ctx, s } = setup('udp');
    feed(s, ctx, 0, read);
    feed(s, ctx, 1, response.slice(0, 20)); // truncated datagram
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['dnp3-frame-truncated']);
    feed(s, ctx, 1, response);
    assert.equal(ctx.transactions[0]?.status, 'ok');
  });

  it('probes link headers', () => {
    const b = Uint8Array.from(read);
    assert.equal(dnp3Dissector.probe?.(b, 0, b.length, 0), 'match');
    assert.equal(dnp3Dissector.probe?.(b, 0, 1, 0), 'need-more');
    assert.equal(dnp3Dissector.probe?.(Uint8Array.from([0x16, 0x03]), 0, 2, 0), 'no-match');
  });

  it('survives random and mutated input (deterministic fuzz)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (const transport of ['tcp', 'udp'] as const) {
      for (let round = 0; round < 300; round++) {
        const { ctx, s } = setup(transport);
        for (let k = 0; k < 6; k++) {
          const base = k % 2 === 0 ? read : response;
          const b = rnd() % 3 === 0 ? Array.from({ length: rnd() % 80 }, () => rnd() & 255) : [...base];
          for (let m = rnd() % 4; m > 0; m--) b[rnd() % b.length] = rnd() & 255;
          const u = Uint8Array.from(b);
          const n = dnp3Dissector.parse(s, u, 0, u.length, ctx);
          assert.ok(n >= 0 && n <= u.length);
        }
        dnp3Dissector.onEnd?.(s, ctx);
      }
    }
  });
});
