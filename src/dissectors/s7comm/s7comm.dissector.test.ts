// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { s7commDissector as d, type S7State } from './s7comm.dissector.js';

const ascii = (s: string, pad = s.length, fill = 0x20) => [...s.padEnd(pad, String.fromCharCode(fill))].map((c) => c.charCodeAt(0));

/** TPKT + COTP DT (EOT unless `more`) around a payload. */
function dt(payload: number[], more = false): number[] {
  const n = payload.length + 7;
  return [
    0x03, 0x00, n >> 8, n & 0xff, // TPKT
    0x02, 0xf0,                   // COTP LI 2, DT
    more ? 0x00 : 0x80,           // TPDU 0, EOT
    ...payload,
  ];
}

/** S7 header + parameters + data. */
function s7(rosctr: number, ref: number, param: number[], data: number[] = [], err?: [number, number]): number[] {
  return [
    0x32, rosctr, 0x00, 0x00,                   // protocol id, ROSCTR, redundancy
    ref >> 8, ref & 0xff,                       // PDU reference
    param.length >> 8, param.length & 0xff,     // parameter length
    data.length >> 8, data.length & 0xff,       // data length
    ...(err ?? (rosctr === 2 || rosctr === 3 ? [0, 0] : [])),
    ...param,
    ...data,
  ];
}

const CR = [
  0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, // TPKT, LI 17, CR
  0x00, 0x00, 0x00, 0x01, 0x00,       // dst ref, src ref, class 0
  0xc0, 0x01, 0x0a,                   // TPDU size 1024
  0xc1, 0x02, 0x01, 0x00,             // calling TSAP
  0xc2, 0x02, 0x01, 0x02,             // called TSAP: PG, rack 0 slot 2
];
const CC = [0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0, 0x00, 0x01, 0x00, 0x01, 0x00];

const SETUP_REQ = dt(s7(1, 1, [0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0]));
const SETUP_RES = dt(s7(3, 1, [0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0xf0]));

/** Userdata Read SZL request for `id`. */
const szlReq = (ref: number, id: number) =>
  dt(s7(7, ref, [0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00], [0xff, 0x09, 0x00, 0x04, id >> 8, id & 0xff, 0x00, 0x00]));

/** Userdata Read SZL response with records. */
function szlRes(ref: number, id: number, recLen: number, records: number[][]): number[] {
  const body = [id >> 8, id & 0xff, 0x00, 0x00, recLen >> 8, recLen & 0xff, 0x00, records.length, ...records.flat()];
  return dt(s7(7, ref, [0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00], [0xff, 0x09, body.length >> 8, body.length & 0xff, ...body]));
}

const moduleRec = (index: number, mlfb: string, ausbg: number, ausbe: number) => [
  0x00, index, ...ascii(mlfb, 20), 0x00, 0xc0, ausbg >> 8, ausbg & 0xff, ausbe >> 8, ausbe & 0xff,
];
const compRec = (index: number, s: string) => [0x00, index, ...ascii(s, 32, 0)];

function run(frames: [Direction, number[]][], ctx = new FakeContext(testFlow({ serverPort: 102 }))): { ctx: FakeContext; s: S7State } {
  const s = d.newState(ctx.flow);
  for (const [dir, f] of frames) {
    ctx.dir = dir;
    ctx.tsUs += 1000;
    const buf = Uint8Array.from(f);
    assert.equal(d.parse(s, buf, 0, buf.length, ctx), buf.length);
  }
  d.onEnd?.(s, ctx);
  return { ctx, s };
}

describe('s7comm dissector', () => {
  it('pairs connection, setup and SZL reads and emits the module identity', () => {
    const { ctx } = run([
      [0, CR],
      [1, CC],
      [0, SETUP_REQ],
      [1, SETUP_RES],
      [0, szlReq(2, 0x0011)],
      [1, szlRes(2, 0x0011, 28, [moduleRec(1, '6ES7 315-2EH14-0AB0', 4, 1), moduleRec(7, '', 0x5603, 0x0206)])],
      [0, szlReq(3, 0x001c)],
      [1, szlRes(3, 0x001c, 34, [compRec(1, 'LINE_3_PLC'), compRec(2, 'CPU 315-2 PN/DP'), compRec(5, 'S C-X4U123456789')])],
      [0, szlReq(4, 0x0424)],
      [1, szlRes(4, 0x0424, 20, [[0x51, 0x44, 0xff, 0x43, ...new Array(16).fill(0)]])],
    ]);
    assert.deepEqual(ctx.anomalies, []);
    const txs = ctx.transactions;
    assert.deepEqual(txs.map((t) => [t.fn, t.status, t.op]), [
      ['CR Connection Request', 'ok', 'other'],
      ['Setup Communication', 'ok', 'other'],
      ['Read SZL', 'ok', 'discovery'],
      ['Read SZL', 'ok', 'discovery'],
      ['Read SZL', 'ok', 'diagnostic'],
    ]);
    assert.equal(txs[0]?.detail?.slot, 2);
    assert.equal(txs[1]?.detail?.pduSize, 240);
    assert.equal(txs[4]?.detail?.cpuMode, 'STOP (self initialization)');
    assert.deepEqual(ctx.facts, [
      'vendor=Siemens',
      'order_number=6ES7 315-2EH14-0AB0',
      'hardware_revision=4',
      'firmware=V3.2.6',
      'device_name=LINE_3_PLC',
      'module_name=CPU 315-2 PN/DP',
      'serial=S C-X4U123456789',
      'cpu_mode=stop',
    ]);
    assert.ok(ctx.identities.every((i) => i.about === 'server'));
  });

  it('classifies PLC stop, PI services and block transfers', () => {
    const stop = dt(s7(1, 5, [0x29, 0, 0, 0, 0, 0, 0x09, ...ascii('P_PROGRAM')]));
    const start = dt(s7(1, 6, [0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0x00, 0x00, 0x09, ...ascii('P_PROGRAM')]));
    const insert = dt(s7(1, 7, [0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0x00, 0x0a, 0x01, 0x00, ...ascii('0800001P'), 0x05, ...ascii('_INSE')]));
    const download = dt(s7(1, 8, [0x1a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, ...ascii('_0A00001P')]));
    const ack = (ref: number, fn: number) => dt(s7(3, ref, [fn]));
    const { ctx } = run([
      [0, stop], [1, ack(5, 0x29)],
      [0, start], [1, ack(6, 0x28)],
      [0, insert], [1, ack(7, 0x28)],
      [0, download], [1, dt(s7(2, 8, [], [], [0xd2, 0x09]))],
    ]);
    assert.deepEqual(ctx.transactions.map((t) => [t.fn, t.op, t.status, t.detail?.piService ?? t.detail?.blockType ?? '']), [
      ['PLC Stop', 'control', 'ok', 'P_PROGRAM'],
      ['PLC Control', 'control', 'ok', 'P_PROGRAM'],
      ['PLC Control', 'program', 'ok', '_INSE'],
      ['Request Download', 'program', 'exception', 'DB'],
    ]);
    assert.equal(ctx.transactions[3]?.exception, 'The desired block was not found');
  });

  it('emits a PLC password only as a fingerprint', () => {
    const plain = ascii('hunter2', 8);
    const enc: number[] = [];
    for (let i = 0; i < 8; i++) enc.push(i < 2 ? (plain[i] as number) ^ 0x55 : (plain[i] as number) ^ 0x55 ^ (enc[i - 2] as number));
    const req = dt(s7(7, 9, [0x00, 0x01, 0x12, 0x04, 0x11, 0x45, 0x01, 0x00], [0xff, 0x09, 0x00, 0x08, ...enc]));
    const res = dt(s7(7, 9, [0x00, 0x01, 0x12, 0x08, 0x12, 0x85, 0x01, 0x00, 0x00, 0x00, 0xd6, 0x0f], [0x0a, 0x00, 0x00, 0x00]));
    const { ctx } = run([[0, SETUP_REQ], [0, req], [1, res]]);
    const tx = ctx.transactions.find((t) => t.fn === 'PLC Password');
    assert.equal(tx?.op, 'auth');
    assert.equal(tx?.exception, 'Wrong password');
    assert.equal(ctx.credentials.length, 1);
    const c = ctx.credentials[0];
    assert.equal(c?.mechanism, 'device-password');
    assert.equal(c?.secretFingerprint, ctx.fingerprint(Uint8Array.from(ascii('hunter2'))));
    assert.equal(c?.outcome, 'failure');
    assert.equal(c?.by, 'client');
    assert.ok(!JSON.stringify(ctx.out).includes('hunter2'));
  });

  it('waits for a partial TPKT, reassembles DT fragments and a fragmented SZL answer', () => {
    const ctx = new FakeContext(testFlow({ serverPort: 102 }));
    const s = d.newState(ctx.flow);
    const req = Uint8Array.from(SETUP_REQ);
    assert.equal(d.parse(s, req, 0, 10, ctx), 0, 'a partial frame is not consumed');
    assert.equal(d.parse(s, req, 0, req.length, ctx), req.length);
    // One S7 PDU split into two COTP DT fragments.
    const pdu = s7(3, 1, [0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0xf0]);
    const two = Uint8Array.from([...dt(pdu.slice(0, 5), true), ...dt(pdu.slice(5))]);
    ctx.dir = 1;
    assert.equal(d.parse(s, two, 0, two.length, ctx), two.length);
    assert.equal(ctx.transactions[0]?.status, 'ok');
    // SZL 0x001C answer in two userdata PDUs (more follows, then a follow-up request).
    const recs = [compRec(1, 'PLANT_A'), compRec(2, 'CPU 1'), compRec(5, 'S C-SPLIT0000001')].flat();
    const first = recs.slice(0, 40);
    const rest = recs.slice(40);
    const hdr = [0x00, 0x1c, 0x00, 0x00, 0x00, 0x22, 0x00, 0x03];
    const frames: [Direction, number[]][] = [
      [0, szlReq(2, 0x001c)],
      [1, dt(s7(7, 2, [0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0xd5, 0x01, 0x00, 0x00], [0xff, 0x09, 0x00, hdr.length + first.length, ...hdr, ...first]))],
      [0, dt(s7(7, 3, [0x00, 0x01, 0x12, 0x08, 0x12, 0x44, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00], [0x0a, 0x00, 0x00, 0x00]))],
      [1, dt(s7(7, 3, [0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0xd5, 0x00, 0x00, 0x00], [0xff, 0x09, 0x00, rest.length, ...rest]))],
    ];
    for (const [dir, f] of frames) {
      ctx.dir = dir;
      const b = Uint8Array.from(f);
      assert.equal(d.parse(s, b, 0, b.length, ctx), b.length);
    }
    assert.deepEqual(ctx.facts, ['device_name=PLANT_A', 'module_name=CPU 1', 'serial=S C-SPLIT0000001']);
    assert.deepEqual(ctx.anomalies, []);
  });

  it('reports S7comm-plus frames, integrity parts and TLS as such', () => {
    const req = [0x72, 0x01, 0x00, 0x0f, 0x31, 0x00, 0x00, 0x04, 0xca, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x20, 0x36, 0x00, 0x72, 0x01, 0x00, 0x00];
    const s = '1;6ES7 511-1AK00-0AB0;V1.0';
    const resBody = [0x32, 0x00, 0x00, 0x04, 0xca, 0x00, 0x00, 0x00, 0x01, 0x36, 0x15, s.length, ...ascii(s)];
    const res = [0x72, 0x01, 0x00, resBody.length, ...resBody, 0x72, 0x01, 0x00, 0x00];
    const tls = [0x17, 0x03, 0x03, 0x00, 0x10, ...new Array(16).fill(0x99)];
    const { ctx } = run([[0, dt(req)], [1, dt(res)], [0, dt(tls)], [1, dt(tls)]]);
    assert.deepEqual(ctx.anomalies, []);
    assert.deepEqual(ctx.transactions.map((t) => [t.protocol, t.fn, t.status]), [
      ['s7comm-plus', 'Create Object', 'ok'],
      ['s7comm-plus', 'TLS', 'ok'],
    ]);
    assert.equal(ctx.transactions[1]?.detail?.encrypted, true);
    assert.deepEqual(ctx.facts, ['vendor=Siemens', 'order_number=6ES7 511-1AK00-0AB0', 'firmware=V1.0']);
  });

  it('gives up on ISO-on-TCP streams that are not S7 (MMS) and on non-TPKT streams', () => {
    const mms = run([[0, CR], [1, CC], [0, dt([0x0d, 0x99, 0x05, 0x06])]]);
    assert.equal(mms.ctx.violations.length, 1);
    assert.match(mms.ctx.violations[0] as string, /s7comm-not-s7/);
    assert.deepEqual(mms.ctx.transactions, [], 'the COTP connection of a non-S7 flow is not reported');
    const ctx = new FakeContext(testFlow({ serverPort: 102 }));
    const s = d.newState(ctx.flow);
    const junk = Uint8Array.from(ascii('GET / HTTP/1.1\r\n'));
    assert.equal(d.parse(s, junk, 0, junk.length, ctx), junk.length);
    assert.equal(ctx.violations.length, 1);
  });

  it('names malformed PDUs and keeps going', () => {
    const { ctx } = run([
      [0, SETUP_REQ],
      [0, dt([0x32, 0x09, 0, 0, 0, 1, 0, 0, 0, 0])],                    // ROSCTR 9
      [0, dt(s7(1, 2, [0x04, 0x02, 0x12, 0x0a]))],                      // 2 items announced, half of one present
      [1, dt(s7(3, 2, [0x05]))],                                        // answers with another function
      [0, dt([0x55, 0x01])],                                            // unknown protocol id after S7
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), [
      's7comm-bad-rosctr',
      's7comm-param-truncated',
      's7comm-function-mismatch',
      's7comm-unknown-protocol-id',
    ]);
    assert.equal(ctx.violations.length, 0);
  });

  it('survives random input (deterministic fuzz)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const seeds = [CR, CC, SETUP_REQ, szlReq(2, 0x1c), szlRes(3, 0x11, 28, [moduleRec(1, '6ES7', 1, 1)])];
    for (let i = 0; i < 3000; i++) {
      const ctx = new FakeContext(testFlow({ serverPort: 102 }));
      const s = d.newState(ctx.flow);
      const base = Uint8Array.from(seeds[i % seeds.length] as number[]);
      const buf = new Uint8Array(base.length + (rnd() % 64));
      buf.set(base);
      for (let k = base.length; k < buf.length; k++) buf[k] = rnd() & 0xff;
      for (let k = 0, n = rnd() % 8; k < n; k++) buf[rnd() % buf.length] = rnd() & 0xff;
      for (let pass = 0; pass < 2; pass++) {
        ctx.dir = (pass & 1) as Direction;
        const used = d.parse(s, buf, 0, buf.length, ctx);
        assert.ok(used >= 0 && used <= buf.length);
      }
      d.onGap?.(s, 0, 10, ctx);
      d.parse(s, buf, 0, buf.length, ctx);
      d.onEnd?.(s, ctx);
    }
  });
});
