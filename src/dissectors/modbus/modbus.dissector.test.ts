// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  Direction,
  IdentityObservation,
  Observation,
  TransactionObservation,
} from '../../observations/observation.js';
import { feedChunks } from '../../testing/fake-context.js';
import { fuzzStream } from '../../testing/fuzz.js';
import type { DissectContext, FlowInfo } from '../contract.js';
import { MAX_PENDING, type ModbusState, modbusDissector } from './modbus.dissector.js';

const FLOW: FlowInfo = {
  id: 7,
  transport: 'tcp',
  clientIp: '10.0.0.1',
  serverIp: '10.0.0.2',
  clientPort: 40000,
  serverPort: 502,
  clientMac: 0,
  serverMac: 0,
  vlan: 0,
};

/** A fake pipeline context that records what the dissector reports. */
class FakeCtx implements DissectContext {
  readonly flow = FLOW;
  tsUs = 1_000_000;
  dir: Direction = 0;
  readonly out: Observation[] = [];
  readonly anomalies: string[] = [];
  readonly violations: string[] = [];
  emit(obs: Observation): void {
    this.out.push(obs);
  }
  anomaly(code: string, _detail: string): void {
    this.anomalies.push(code);
  }
  violation(reason: string): void {
    this.violations.push(reason);
  }
  fingerprint(secret: Uint8Array | string): string {
    return `fp-${typeof secret === 'string' ? secret.length : secret.byteLength}`;
  }
  get transactions(): TransactionObservation[] {
    return this.out.filter((o): o is TransactionObservation => o.kind === 'transaction');
  }
  get identities(): IdentityObservation[] {
    return this.out.filter((o): o is IdentityObservation => o.kind === 'asset.identity');
  }
}

/** An MBAP frame: tid, protocol id 0, length, unit, then the PDU. */
function frame(tid: number, unit: number, pdu: number[]): number[] {
  const len = pdu.length + 1;
  return [tid >> 8, tid & 0xff, 0, 0, len >> 8, len & 0xff, unit, ...pdu];
}
function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

type Chunk = { dir: Direction; ts: number; bytes: number[] };

/**
 * Feeds chunks like the pipeline does: per direction, unconsumed bytes are kept and handed
 * back in front of the next chunk. `step` splits every chunk into pieces of that size.
 */
function run(chunks: Chunk[], step = 0): FakeCtx {
  const ctx = new FakeCtx();
  const s: ModbusState = modbusDissector.newState(FLOW);
  feedChunks(modbusDissector, s, ctx, chunks, step);
  return ctx;
}

const readHolding = (tid: number) => frame(tid, 1, [0x03, /* addr */ 0x00, 0x0a, /* qty */ 0x00, 0x02]);
const readHoldingResp = (tid: number) => frame(tid, 1, [0x03, /* bc */ 0x04, 0x00, 0x01, 0x00, 0x02]);

describe('modbus dissector', () => {
  it('probes Modbus and rejects other protocols', () => {
    const ok = Uint8Array.from(readHolding(1));
    assert.equal(modbusDissector.probe?.(ok, 0, ok.length, 0), 'match');
    assert.equal(modbusDissector.probe?.(ok, 0, 5, 0), 'need-more');
    const http = Uint8Array.from(ascii('GET / HTTP/1.1\r\n'));
    assert.equal(modbusDissector.probe?.(http, 0, http.length, 0), 'no-match');
    const badLen = Uint8Array.from([0, 1, 0, 0, 0x10, 0x00, 1, 3, 0, 0]);
    assert.equal(modbusDissector.probe?.(badLen, 0, badLen.length, 0), 'no-match');
    // Two requests back to back tile the segment: still Modbus.
    const two = Uint8Array.from([...readHolding(1), ...readHolding(2)]);
    assert.equal(modbusDissector.probe?.(two, 0, two.length, 0), 'match');
    // A frame whose declared length runs past the segment: wait for the rest.
    assert.equal(modbusDissector.probe?.(two, 0, two.length - 3, 0), 'need-more');
  });

  it('does not claim MELSOFT traffic whose first 8 bytes look like an MBAP header', () => {
    // Regression: melsoft_variant_clean.pcap (ITI corpus), TCP 5001 -> 5562, 73-byte payload.
    // 57 00 | 00 00 | 00 11 | 11 | 07 reads as tid 0x5700, protocol 0, length 17, unit 17,
    // READ_EXCEPTION_STATUS, but the "next frame" at offset 23 is not a frame.
    const melsoft = Uint8Array.from(
      Buffer.from(
        '57000000001111070000ffff0300000000000034001c021614000000000000000000000000000000000000000004101c0b00000000000000',
        'hex',
      ),
    );
    assert.equal(modbusDissector.probe?.(melsoft, 0, melsoft.length, 1), 'no-match');
  });

  it('pairs request and response by transaction id', () => {
    const ctx = run([
      { dir: 0, ts: 1000, bytes: readHolding(5) },
      { dir: 1, ts: 1250, bytes: readHoldingResp(5) },
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(ctx.transactions)), [
      {
        kind: 'transaction',
        ts: 1000,
        flowId: 7,
        protocol: 'modbus',
        op: 'read',
        fn: 'READ_HOLDING_REGISTERS',
        fnCode: 3,
        status: 'ok',
        tid: 5,
        unit: 1,
        address: 10,
        quantity: 2,
        rttUs: 250,
      },
    ]);
    assert.deepEqual(ctx.anomalies, []);
  });

  it('pairs out-of-order responses', () => {
    const ctx = run([
      { dir: 0, ts: 1, bytes: [...readHolding(1), ...readHolding(2), ...readHolding(3)] },
      { dir: 1, ts: 10, bytes: readHoldingResp(3) },
      { dir: 1, ts: 20, bytes: readHoldingResp(1) },
      { dir: 1, ts: 30, bytes: readHoldingResp(2) },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.tid, t.status, t.rttUs]),
      [
        [3, 'ok', 9],
        [1, 'ok', 19],
        [2, 'ok', 29],
      ],
    );
  });

  it('reports unanswered requests at the end and responses without request', () => {
    const ctx = run([
      { dir: 0, ts: 1, bytes: readHolding(1) },
      { dir: 1, ts: 2, bytes: readHoldingResp(9) },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.tid, t.status]),
      [
        [9, 'unsolicited'],
        [1, 'no-response'],
      ],
    );
  });

  it('bounds pending requests: the oldest becomes no-response', () => {
    const reqs: number[] = [];
    for (let tid = 0; tid <= MAX_PENDING; tid++) reqs.push(...readHolding(tid));
    const ctx = new FakeCtx();
    const s = modbusDissector.newState(FLOW);
    const b = Uint8Array.from(reqs);
    assert.equal(modbusDissector.parse(s, b, 0, b.length, ctx), b.length);
    assert.equal(s.pending.size, MAX_PENDING);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.tid, t.status]),
      [[0, 'no-response']],
    );
  });

  it('decodes exceptions', () => {
    const ctx = run([
      { dir: 0, ts: 1, bytes: frame(1, 0, [0x03, 0x02, 0x58, 0x00, 0x0a]) },
      { dir: 1, ts: 2, bytes: frame(1, 0, [/* 0x03 | 0x80 */ 0x83, /* illegal data address */ 0x02]) },
    ]);
    const [t] = ctx.transactions;
    assert.equal(t?.status, 'exception');
    assert.equal(t?.exception, 'ILLEGAL_DATA_ADDRESS');
    assert.equal(t?.fn, 'READ_HOLDING_REGISTERS');
    assert.equal(t?.address, 600);
  });

  const conversation: Chunk[] = [
    { dir: 0, ts: 1, bytes: [...readHolding(1), ...frame(2, 1, [0x08, 0x00, 0x02, 0x00, 0x00])] },
    { dir: 1, ts: 2, bytes: [...readHoldingResp(1), ...frame(2, 1, [0x08, 0x00, 0x02, 0x00, 0x00])] },
    { dir: 0, ts: 3, bytes: frame(3, 1, [0x2b, 0x0e, 0x01, 0x00]) },
    {
      dir: 1,
      ts: 4,
      bytes: frame(3, 1, [
        0x2b, //           function 43
        0x0e, //           MEI 14
        0x01, //           read code
        0x81, //           conformity
        0xff, //           more follows
        0x02, //           next object id
        0x02, //           number of objects
        0x00, //           VendorName
        0x04, //           length
        ...ascii('Acme'),
        0x01, //           ProductCode
        0x02, //           length
        ...ascii('X1'),
      ]),
    },
    { dir: 0, ts: 5, bytes: frame(4, 1, [0x2b, 0x0e, 0x01, 0x02]) },
    {
      dir: 1,
      ts: 6,
      bytes: frame(4, 1, [
        0x2b, //           function 43
        0x0e, //           MEI 14
        0x01, //           read code
        0x81, //           conformity
        0x00, //           no more
        0x00, //           next object id
        0x02, //           number of objects
        0x02, //           MajorMinorRevision
        0x03, //           length
        ...ascii('2.5'),
        0x81, //           private object 129
        0x01, //           length
        ...ascii('Z'),
      ]),
    },
    { dir: 0, ts: 7, bytes: frame(5, 1, [0x11]) },
    { dir: 1, ts: 8, bytes: frame(5, 1, [0x11, 0x05, 0x2a, 0xff, ...ascii('ACM')]) },
  ];

  it('merges multi-part 43/14 answers into one identity and reads 17', () => {
    const ctx = run(conversation);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.tid, t.fn, t.op, t.detail]),
      [
        [1, 'READ_HOLDING_REGISTERS', 'read', undefined],
        [2, 'DIAGNOSTICS', 'diagnostic', { subFunction: 2, subFunctionName: 'RETURN_DIAGNOSTIC_REGISTER' }],
        [
          3,
          'ENCAP_INTERFACE_TRANSPORT',
          'discovery',
          {
            meiType: 14,
            meiTypeName: 'READ_DEVICE_IDENTIFICATION',
            readCode: 1,
            readCodeName: 'BASIC_STREAM',
            objectId: 0,
          },
        ],
        [
          4,
          'ENCAP_INTERFACE_TRANSPORT',
          'discovery',
          {
            meiType: 14,
            meiTypeName: 'READ_DEVICE_IDENTIFICATION',
            readCode: 1,
            readCodeName: 'BASIC_STREAM',
            objectId: 2,
          },
        ],
        [5, 'REPORT_SLAVE_ID', 'discovery', undefined],
      ],
    );
    const ids = ctx.identities;
    assert.equal(ids.length, 2);
    assert.equal(ids[0]?.about, 'server');
    assert.deepEqual(ids[0]?.facts, [
      { field: 'vendor', value: 'Acme', source: 'modbus.43/14.VendorName' },
      { field: 'product_code', value: 'X1', source: 'modbus.43/14.ProductCode' },
      { field: 'firmware', value: '2.5', source: 'modbus.43/14.MajorMinorRevision' },
      { field: 'modbus_object_129', value: 'Z', source: 'modbus.43/14.private-129' },
    ]);
    assert.deepEqual(ids[1]?.facts, [
      { field: 'modbus_server_id', value: '2a', source: 'modbus.17.server_id' },
      { field: 'run_indicator', value: 'on', source: 'modbus.17.run_indicator' },
      { field: 'modbus_server_info', value: 'ACM', source: 'modbus.17.additional_data' },
    ]);
    assert.deepEqual(ctx.anomalies, []);
  });

  it('gives the same result when fed byte by byte or in odd pieces', () => {
    const whole = run(conversation);
    for (const step of [1, 2, 3, 7, 11]) {
      const split = run(conversation, step);
      assert.deepEqual(split.out, whole.out, `step ${step}`);
    }
  });

  it('parses several frames in one call', () => {
    const ctx = new FakeCtx();
    const s = modbusDissector.newState(FLOW);
    const b = Uint8Array.from([...readHolding(1), ...readHolding(2), ...readHolding(3).slice(0, 9)]);
    assert.equal(modbusDissector.parse(s, b, 0, b.length, ctx), 24);
    assert.equal(s.pending.size, 2);
  });

  it('declares a violation when the stream is not Modbus', () => {
    const ctx = run([{ dir: 0, ts: 1, bytes: ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n') }]);
    assert.equal(ctx.violations.length, 1);
    assert.match(ctx.violations[0] as string, /modbus-bad-protocol-id/);
    assert.equal(ctx.transactions.length, 0);
  });

  it('resynchronises after a bad header on a confirmed stream, then gives up when it repeats', () => {
    const garbage = [0x00, 0x09, 0x12, 0x34, 0x00, 0x06, 0x01, 0x03, 0x00];
    const ctx = run([{ dir: 0, ts: 1, bytes: [...readHolding(1), ...garbage, ...readHolding(2)] }]);
    assert.deepEqual(ctx.anomalies, ['modbus-bad-protocol-id']);
    assert.deepEqual(
      ctx.transactions.map((t) => t.tid),
      [1, 2],
    );
    const junk: number[] = [];
    for (let i = 0; i < 600; i++) junk.push(0, 0, 0, 1, 0, 6, 1, 3);
    const worse = run([
      { dir: 0, ts: 1, bytes: readHolding(1) },
      { dir: 0, ts: 2, bytes: junk.slice(0, 100) },
      { dir: 0, ts: 3, bytes: junk.slice(100) },
    ]);
    assert.equal(worse.violations.length, 1);
    assert.match(worse.violations[0] as string, /modbus-resync-failed/);
  });

  it('resynchronises after a gap', () => {
    const ctx = new FakeCtx();
    const s = modbusDissector.newState(FLOW);
    const first = Uint8Array.from(readHolding(1));
    modbusDissector.parse(s, first, 0, first.length, ctx);
    modbusDissector.onGap?.(s, 0, 100, ctx);
    // The bytes after the gap start in the middle of a frame.
    const b = Uint8Array.from([...readHolding(2).slice(5), ...readHolding(3)]);
    assert.equal(modbusDissector.parse(s, b, 0, b.length, ctx), b.length);
    assert.deepEqual([...s.pending.keys()], [1, 3]);
    assert.deepEqual(ctx.violations, []);
  });

  it('does not pair a response whose function differs from the request', () => {
    const ctx = run([
      { dir: 0, ts: 1, bytes: readHolding(1) },
      { dir: 1, ts: 2, bytes: frame(1, 1, [/* 0x1c | 0x80 */ 0x9c, /* illegal function */ 0x01]) },
    ]);
    assert.deepEqual(ctx.anomalies, ['modbus-function-mismatch']);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.fn, t.status, t.exception]),
      [
        ['unknown-28', 'unsolicited', 'ILLEGAL_FUNCTION'],
        ['READ_HOLDING_REGISTERS', 'no-response', undefined],
      ],
    );
  });

  it('closes a request whose transaction id is reused before its answer', () => {
    const ctx = run([
      { dir: 0, ts: 1, bytes: readHolding(4) },
      { dir: 0, ts: 2, bytes: readHolding(4) },
      { dir: 1, ts: 3, bytes: readHoldingResp(4) },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => [t.ts, t.status]),
      [
        [1, 'no-response'],
        [2, 'ok'],
      ],
    );
  });

  it('flags a byte count that disagrees with the request', () => {
    const ctx = run([
      { dir: 0, ts: 1, bytes: readHolding(1) },
      { dir: 1, ts: 2, bytes: frame(1, 1, [0x03, /* 6 bytes for 2 registers */ 0x06, 0, 1, 0, 2, 0, 3]) },
    ]);
    assert.deepEqual(ctx.anomalies, ['modbus-byte-count-mismatch']);
    assert.equal(ctx.transactions[0]?.status, 'ok');
  });

  it('survives 10k mutated frames: no throw, no hang, consumed within bounds', () => {
    const templates = conversation.map((c) => c.bytes).concat([readHolding(9)]);
    const ctx = new FakeCtx();
    const s = fuzzStream(
      modbusDissector,
      FLOW,
      ctx,
      templates.map((t) => ({ bytes: Uint8Array.from(t) })),
      { seed: 0x2545f491, flips: { min: 1, spread: 4 }, restartEvery: 50 },
    );
    modbusDissector.onEnd?.(s, ctx);
    assert.ok(ctx.out.length > 0);
  });
});
