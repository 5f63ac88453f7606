// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { causeName, typeName } from './iec104.consts.js';
import { type Iec104State, iec104Dissector } from './iec104.dissector.js';
import { newAsdu, parseAsdu } from './iec104.parse.js';

function feed(s: Iec104State, ctx: FakeContext, dir: 0 | 1, bytes: number[]): number {
  ctx.dir = dir;
  ctx.tsUs += 1000;
  const b = Uint8Array.from(bytes);
  return iec104Dissector.parse(s, b, 0, b.length, ctx);
}
function setup() {
  const ctx = new FakeContext(testFlow({ serverPort: 2404 }));
  return { ctx, s: iec104Dissector.newState(ctx.flow) };
}

const STARTDT_ACT = [0x68, 0x04, 0x07, 0x00, 0x00, 0x00]; // start, length 4, U: STARTDT act
const STARTDT_CON = [0x68, 0x04, 0x0b, 0x00, 0x00, 0x00]; // U: STARTDT con
const TESTFR_ACT = [0x68, 0x04, 0x43, 0x00, 0x00, 0x00];  // U: TESTFR act
const S_FRAME = [0x68, 0x04, 0x01, 0x00, 0x02, 0x00];     // S: N(R) 1
const C_SC_ACT = [
  0x68, 0x0e,             // start, length 14
  0x00, 0x00, 0x00, 0x00, // I: N(S) 0, N(R) 0
  0x2d,                   // type 45 C_SC_NA_1
  0x01,                   // SQ 0, 1 object
  0x06,                   // cause 6 act
  0x00,                   // originator 0
  0x01, 0x00,             // common address 1
  0x15, 0x00, 0x00,       // IOA 21
  0x81,                   // SCO: select, ON
];
const C_SC_ACTCON = [
  0x68, 0x0e,
  0x00, 0x00, 0x02, 0x00, // I: N(S) 0, N(R) 1
  0x2d, 0x01,
  0x47,                   // cause 7 actcon, P/N = negative
  0x00, 0x01, 0x00, 0x15, 0x00, 0x00, 0x81,
];
const M_ME_NC = [
  0x68, 0x17,             // start, length 23
  0x02, 0x00, 0x02, 0x00, // I: N(S) 1, N(R) 1
  0x0d,                   // type 13 M_ME_NC_1 (short float)
  0x82,                   // SQ 1, 2 objects
  0x03,                   // cause 3 spont
  0x00, 0x01, 0x00,       // originator, common address 1
  0xe8, 0x03, 0x00,       // IOA 1000
  0x00, 0x00, 0x80, 0x3f, 0x00, // 1.0, QDS
  0x00, 0x00, 0x00, 0x40, 0x00, // 2.0, QDS
];

describe('iec104', () => {
  it('names types and causes', () => {
    assert.equal(typeName(100), 'C_IC_NA_1');
    assert.equal(typeName(99), 'unknown-99');
    assert.equal(causeName(20), 'inrogen');
    assert.equal(causeName(63), 'unknown-63');
  });

  it('checks the object count against the ASDU length', () => {
    const a = newAsdu();
    const asdu = Uint8Array.from(M_ME_NC.slice(6));
    assert.equal(parseAsdu(asdu, 0, asdu.length, a), null);
    assert.equal(parseAsdu(asdu, 0, asdu.length - 1, a), 'iec104-asdu-truncated');
    assert.equal(a.commonAddress, 1);
    assert.equal(a.ioa, 1000);
  });

  it('pairs STARTDT, a command and its negative confirmation; reports monitoring data', () => {
    const { ctx, s } = setup();
    feed(s, ctx, 0, STARTDT_ACT);
    feed(s, ctx, 1, [...STARTDT_CON, ...TESTFR_ACT]);
    feed(s, ctx, 0, [...S_FRAME, ...C_SC_ACT]);
    feed(s, ctx, 1, [...C_SC_ACTCON, ...M_ME_NC]);
    const [start, cmd, data] = ctx.transactions;
    assert.equal(start?.fn, 'STARTDT');
    assert.equal(start?.status, 'ok');
    assert.equal(cmd?.fn, 'C_SC_NA_1');
    assert.equal(cmd?.op, 'write');
    assert.equal(cmd?.status, 'exception');
    assert.equal(cmd?.exception, 'NEGATIVE_CONFIRM');
    assert.equal(cmd?.unit, 1);
    assert.equal(cmd?.address, 21);
    assert.equal(cmd?.detail?.select, true);
    assert.equal(data?.fn, 'M_ME_NC_1');
    assert.equal(data?.op, 'read');
    assert.equal(data?.quantity, 2);
    assert.equal(data?.detail?.cause, 'spont');
    assert.ok(ctx.facts.includes('iec104_common_address=1'));
    assert.deepEqual(ctx.anomalies, []);
  });

  it('waits for a split APDU, flags sequence gaps and rejects non-104 streams', () => {
    const { ctx, s } = setup();
    assert.equal(feed(s, ctx, 1, M_ME_NC.slice(0, 10)), 0);
    assert.equal(feed(s, ctx, 1, M_ME_NC), M_ME_NC.length);
    feed(s, ctx, 1, M_ME_NC); // N(S) 1 again, expected 2
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['iec104-sequence-gap']);
    const other = setup();
    feed(other.s, other.ctx, 0, [0x16, 0x03, 0x01, 0x00, 0x10, 0x01, 0x00]);
    assert.equal(other.ctx.violations.length, 1);
  });

  it('probes APDUs', () => {
    const b = Uint8Array.from([...STARTDT_ACT, ...C_SC_ACT]);
    assert.equal(iec104Dissector.probe?.(b, 0, b.length, 0), 'match');
    assert.equal(iec104Dissector.probe?.(b, 0, 8, 0), 'need-more');
    assert.equal(iec104Dissector.probe?.(Uint8Array.from([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20]), 0, 6, 0), 'no-match');
  });

  it('survives random and mutated input (deterministic fuzz)', () => {
    let seed = 4242;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const bases = [STARTDT_ACT, C_SC_ACT, C_SC_ACTCON, M_ME_NC];
    for (let round = 0; round < 400; round++) {
      const { ctx, s } = setup();
      for (let k = 0; k < 6; k++) {
        const b = rnd() % 3 === 0 ? Array.from({ length: rnd() % 60 }, () => rnd() & 255) : [...(bases[rnd() % 4] as number[])];
        for (let m = rnd() % 4; m > 0; m--) b[rnd() % b.length] = rnd() & 255;
        const u = Uint8Array.from(b);
        const n = iec104Dissector.parse(s, u, 0, u.length, ctx);
        assert.ok(n >= 0 && n <= u.length);
      }
      iec104Dissector.onEnd?.(s, ctx);
    }
  });
});
