// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectObservations } from '../../engine/collect.js';
import type { Direction, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { modbusDissector } from './modbus.dissector.js';
import { umasName, umasOp } from './umas.js';

const FLOW = testFlow({ serverPort: 502 });
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
/** MBAP header + unit + Modbus function 90 + UMAS bytes. */
const frame = (tid: number, umas: number[]) => [tid >> 8, tid & 0xff, 0, 0, 0, umas.length + 2, 0x00, 0x5a, ...umas];

function run(chunks: { dir: Direction; bytes: number[] }[]): FakeContext {
  const ctx = new FakeContext(FLOW);
  const s = modbusDissector.newState(FLOW);
  for (const c of chunks) {
    ctx.dir = c.dir;
    ctx.tsUs += 1000;
    modbusDissector.parse(s, Uint8Array.from(c.bytes), 0, c.bytes.length, ctx);
  }
  modbusDissector.onEnd?.(s, ctx);
  return ctx;
}

describe('modbus UMAS (function 90)', () => {
  it('names and ops are total', () => {
    assert.equal(umasName(0x41), 'STOP_PLC');
    assert.equal(umasName(0xee), 'unknown-238');
    assert.equal(umasOp(0x40), 'control');
    assert.equal(umasOp(0x34), 'program');
    assert.equal(umasOp(0x10), 'auth');
    assert.equal(umasOp(0x23), 'write');
  });

  it('READ_ID: discovery, and the CPU module as the model (umas.pcap frames 4 and 6)', () => {
    const ctx = run([
      { dir: 0, bytes: frame(0, [
        0x00,                                   // session key 0
        0x02,                                   // UMAS READ_ID
      ]) },
      { dir: 1, bytes: frame(0, [
        0x00,                                   // session key
        0xfe,                                   // status OK
        0x10, 0xff, 0x5a, 0x01, 0x01, 0x00, 0x00, 0x00, 0x70, 0x02, 0x00, // 22 bytes not decoded
        0x00, 0x27, 0x00, 0x09, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x0e,                                   // CPU module length 14
        ...ascii('140 CPU 311 10'),             // CPU module
        0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, // rest, not decoded
      ]) },
    ]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'UMAS_READ_ID');
    assert.equal(tx?.op, 'discovery');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.fnCode, 0x5a);
    assert.deepEqual(tx?.detail, { umasCode: 2, umasSessionKey: 0 });
    assert.equal(ctx.identities[0]?.about, 'server');
    assert.deepEqual(ctx.facts, ['model=140 CPU 311 10']);
  });

  it('STOP_PLC is control; an 0xFD answer is an exception', () => {
    const ctx = run([
      { dir: 0, bytes: frame(9, [
        0x01,                                   // session key 1 (after a reservation)
        0x41,                                   // UMAS STOP_PLC
        0xff, 0x00,                             // data (not decoded)
      ]) },
      { dir: 1, bytes: frame(9, [
        0x01,                                   // session key
        0xfd,                                   // status error
        0x81,                                   // error code
      ]) },
    ]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'UMAS_STOP_PLC');
    assert.equal(tx?.op, 'control');
    assert.equal(tx?.status, 'exception');
    assert.equal(tx?.exception, 'UMAS_ERROR_81');
  });

  it('TAKE_PLC_RESERVATION: auth, new session key, the station name (umas.pcap frames 49-50)', () => {
    const ctx = run([
      { dir: 0, bytes: frame(0x16, [
        0x00,                                   // session key 0
        0x10,                                   // UMAS TAKE_PLC_RESERVATION
        0x43, 0x4c, 0x00, 0x00,                 // 4 bytes (not decoded)
        0x0f,                                   // host name length 15
        ...ascii('USER-714E74F21B'),            // host name of the requesting station
      ]) },
      { dir: 1, bytes: frame(0x16, [
        0x00,                                   // session key
        0xfe,                                   // OK
        0x01,                                   // new session key
      ]) },
    ]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'UMAS_TAKE_PLC_RESERVATION');
    assert.equal(tx?.op, 'auth');
    assert.equal(tx?.detail?.umasNewSessionKey, 1);
    assert.equal(ctx.identities[0]?.about, 'client');
    assert.deepEqual(ctx.facts, ['hostname=USER-714E74F21B']);
  });

  it('malformed: UMAS PDU without a function code; unknown status byte', () => {
    const ctx = run([
      { dir: 0, bytes: frame(1, [0x00]) },
      { dir: 1, bytes: frame(1, [0x00, 0x33]) },
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['modbus-umas-truncated', 'modbus-umas-bad-status']);
    assert.equal(ctx.transactions[0]?.fn, 'UMAS');
  });

  it('fuzz: random UMAS payloads never throw', () => {
    let seed = 5;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    for (let i = 0; i < 2000; i++) {
      const body = Array.from({ length: rnd() % 60 }, () => rnd() & 0xff);
      run([{ dir: 0, bytes: frame(i, body) }, { dir: 1, bytes: frame(i, body.slice().reverse()) }]);
    }
  });

  it('umas.pcap: the whole session is named', { skip: !hasCorpus && 'corpus not present' }, async () => {
    const path = corpusPath('pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 'umas', 'umas.pcap');
    const { observations } = await collectObservations(path);
    const txs = observations.filter((o): o is TransactionObservation => o.kind === 'transaction' && o.protocol === 'modbus');
    const count = (fn: string) => txs.filter((t) => t.fn === fn).length;
    assert.equal(txs.filter((t) => t.fn === 'UMAS').length, 0);
    assert.equal(count('UMAS_DOWNLOAD_BLOCK'), 53);
    assert.equal(count('UMAS_READ_MEMORY_BLOCK'), 12);
    assert.equal(count('UMAS_READ_PLC_INFO'), 7);
    assert.equal(count('UMAS_TAKE_PLC_RESERVATION'), 1);
    assert.ok(txs.filter((t) => t.fn === 'UMAS_DOWNLOAD_BLOCK').every((t) => t.op === 'program' && t.status === 'ok'));
    const facts = observations.flatMap((o) => (o.kind === 'asset.identity' ? o.facts.map((f) => `${f.field}=${f.value}`) : []));
    assert.ok(facts.includes('model=140 CPU 311 10'));
    // One REPEAT pair (tid 7) carries 255-byte MBAP lengths, beyond the Modbus limit of 254:
    // it is flagged and skipped by the Modbus framing, not by UMAS.
    assert.equal(observations.filter((o) => o.kind === 'anomaly' && o.code === 'modbus-length-out-of-range').length, 2);
  });
});
