// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { vendorName } from './bacnet.consts.js';
import { type BacnetState, bacnetDissector, MAX_PENDING } from './bacnet.dissector.js';
import { newFrame, newServiceFields, newTag, parseFrame, parseIAm, readCharString, readTag, TagKind } from './bacnet.parse.js';

const FLOW = testFlow({ transport: 'udp', clientPort: 47808, serverPort: 47808 });

/** BVLC Original-Unicast-NPDU around an NPDU+APDU, with the length filled in. */
function bvlc(fn: number, body: number[]): Uint8Array {
  const len = body.length + 4;
  return Uint8Array.from([0x81, fn, len >> 8, len & 0xff, ...body]);
}
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function run(msgs: { dir: Direction; bytes: Uint8Array; ts?: number }[]): { ctx: FakeContext; s: BacnetState } {
  const ctx = new FakeContext(FLOW);
  const s = bacnetDissector.newState(FLOW);
  let ts = 1_000_000;
  for (const m of msgs) {
    ctx.dir = m.dir;
    ts += 1000;
    ctx.tsUs = m.ts ?? ts;
    // Offset the datagram inside a larger buffer so (buf, off, len) handling is exercised.
    const big = new Uint8Array(m.bytes.length + 7);
    big.set(m.bytes, 3);
    bacnetDissector.parse(s, big, 3, m.bytes.length, ctx);
  }
  bacnetDissector.onEnd?.(s, ctx);
  return { ctx, s };
}

/** I-Am from device 1234, Siemens (vendor 7), broadcast. */
const I_AM = bvlc(0x0b, [
  0x01, 0x00,                   // NPDU version 1, control 0 (no DNET/SNET, APDU follows)
  0x10,                         // APDU: unconfirmed request
  0x00,                         // service: i-Am
  0xc4, 0x02, 0x00, 0x04, 0xd2, // app tag 12 (object id) len 4: device (8) instance 1234
  0x22, 0x05, 0xc4,             // app tag 2 (unsigned) len 2: max APDU 1476
  0x91, 0x00,                   // app tag 9 (enumerated) len 1: segmented-both
  0x21, 0x07,                   // app tag 2 (unsigned) len 1: vendor 7
]);

/** ReadProperty device,1234 model-name, invoke 5. */
const RP_REQ = bvlc(0x0a, [
  0x01, 0x04,                   // NPDU: expecting reply
  0x00,                         // confirmed request, no segmentation
  0x05,                         // max segs 0, max APDU 1476
  0x05,                         // invoke id 5
  0x0c,                         // service: readProperty
  0x0c, 0x02, 0x00, 0x04, 0xd2, // [0] object id: device 1234
  0x19, 0x46,                   // [1] property: model-name (70)
]);

/** ReadProperty-ACK: model-name "PXC36". */
const RP_ACK = bvlc(0x0a, [
  0x01, 0x00,                   // NPDU
  0x30,                         // complex ACK
  0x05,                         // invoke id 5
  0x0c,                         // service: readProperty
  0x0c, 0x02, 0x00, 0x04, 0xd2, // [0] object id: device 1234
  0x19, 0x46,                   // [1] property: model-name
  0x3e,                         // [3] opening tag
  0x75, 0x06, 0x00, ...ascii('PXC36'), // app tag 7 (character string) extended length 6: UTF-8 "PXC36"
  0x3f,                         // [3] closing tag
]);

/** DeviceCommunicationControl: 5 minutes, disable, password "hunter", invoke 9. */
const DCC_REQ = bvlc(0x0a, [
  0x01, 0x04,                   // NPDU
  0x00, 0x05, 0x09,             // confirmed request, max APDU, invoke 9
  0x11,                         // service: deviceCommunicationControl (17)
  0x09, 0x05,                   // [0] time duration 5
  0x19, 0x01,                   // [1] enable-disable: disable
  0x2d, 0x07, 0x00, ...ascii('hunter'), // [2] password: character string, length 7 (charset + 6)
]);

/** Error: services / password-failure for invoke 9. */
const DCC_ERR = bvlc(0x0a, [
  0x01, 0x00,                   // NPDU
  0x50, 0x09, 0x11,             // error PDU, invoke 9, service 17
  0x91, 0x05,                   // app enumerated: error class services (5)
  0x91, 0x1a,                   // app enumerated: error code password-failure (26)
]);

describe('bacnet dissector: annotated datagrams', () => {
  it('I-Am: transaction, identity with vendor name, about the sender', () => {
    const { ctx } = run([{ dir: 0, bytes: I_AM }]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'i_am');
    assert.equal(tx?.op, 'discovery');
    assert.equal(tx?.detail?.instance, 1234);
    assert.equal(tx?.detail?.vendor, 'Siemens Schweiz AG (Formerly: Landis & Staefa Division Europe)');
    assert.equal(tx?.detail?.maxApdu, 1476);
    assert.equal(ctx.identities[0]?.about, 'client');
    assert.deepEqual(ctx.facts, [
      'bacnet_device_instance=1234',
      'vendor_id=7',
      'vendor=Siemens Schweiz AG (Formerly: Landis & Staefa Division Europe)',
    ]);
    assert.deepEqual(ctx.anomalies, []);
  });

  it('ReadProperty request/ACK pair by invoke id; the device property becomes an identity fact', () => {
    const { ctx } = run([
      { dir: 0, bytes: RP_REQ },
      { dir: 1, bytes: RP_ACK },
    ]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'read_property');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.tid, 5);
    assert.equal(tx?.rttUs, 1000);
    assert.equal(tx?.detail?.property, 'model-name');
    assert.equal(tx?.detail?.objectType, 'device');
    assert.deepEqual(ctx.facts, ['model=PXC36']);
    assert.equal(ctx.identities[0]?.about, 'server');
  });

  it('DCC with a password: control op, credential by fingerprint only, failure from the error', () => {
    const { ctx } = run([
      { dir: 0, bytes: DCC_REQ },
      { dir: 1, bytes: DCC_ERR },
    ]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'device_communication_control');
    assert.equal(tx?.op, 'control');
    assert.equal(tx?.status, 'exception');
    assert.equal(tx?.exception, 'password-failure');
    assert.equal(tx?.detail?.state, 'disable');
    assert.equal(tx?.detail?.duration, 5);
    assert.equal(tx?.detail?.errorClass, 'services');
    const [c] = ctx.credentials;
    assert.equal(c?.mechanism, 'device-password');
    assert.equal(c?.outcome, 'failure');
    assert.equal(c?.cleartext, true);
    assert.equal(c?.secretFingerprint, ctx.fingerprint('hunter'));
    assert.ok(!JSON.stringify(ctx.out).includes('hunter'), 'the password never appears');
  });

  it('unanswered requests are flushed as no-response at the end, pending capped', () => {
    const reqs = [];
    for (let i = 0; i < MAX_PENDING + 3; i++) {
      const b = RP_REQ.slice();
      b[8] = i; // invoke id
      reqs.push({ dir: 0 as Direction, bytes: b });
    }
    const { ctx, s } = run(reqs);
    assert.equal(ctx.transactions.length, MAX_PENDING + 3);
    assert.ok(ctx.transactions.every((t) => t.status === 'no-response'));
    assert.equal(s.pending.length, 0);
  });

  it('BVLC control messages and network-layer messages are named', () => {
    const { ctx } = run([
      { dir: 0, bytes: bvlc(0x05, [0x00, 0x3c]) },             // Register-Foreign-Device, TTL 60 s
      { dir: 1, bytes: bvlc(0x00, [0x00, 0x30]) },             // BVLC-Result: Register-Foreign-Device NAK
      { dir: 0, bytes: bvlc(0x0b, [0x01, 0x80, 0x00]) },       // NPDU network message: Who-Is-Router-To-Network
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => `${t.fn}/${t.op}/${t.status}`),
      ['Register_Foreign_Device/write/ok', 'BVLC_Result/other/exception', 'who_is_router_to_network/discovery/ok'],
    );
    assert.equal(ctx.transactions[0]?.detail?.ttl, 60);
    assert.equal(ctx.transactions[1]?.exception, 'Register-Foreign-Device_NAK');
  });

  it('Forwarded-NPDU: identity about the original sender', () => {
    const fwd = bvlc(0x04, [
      10, 1, 2, 3, 0xba, 0xc0, // originator 10.1.2.3:47808
      ...I_AM.subarray(4),     // the NPDU of the I-Am
    ]);
    const { ctx } = run([{ dir: 0, bytes: fwd }]);
    assert.deepEqual(ctx.identities[0]?.about, { ip: '10.1.2.3' });
    assert.equal(ctx.transactions[0]?.detail?.forwardedFrom, '10.1.2.3:47808');
  });
});

describe('bacnet dissector: malformed input', () => {
  it('not BVLC on the first datagram: violation', () => {
    const { ctx } = run([{ dir: 0, bytes: Uint8Array.from([0x45, 0x00, 0x00, 0x04]) }]);
    assert.equal(ctx.violations.length, 1);
    assert.match(ctx.violations[0] as string, /bacnet-bvlc-bad-type/);
  });

  it('BVLC length disagreeing with the datagram: anomaly, still decoded', () => {
    const b = I_AM.slice();
    b[3] = 0x11;
    const { ctx } = run([{ dir: 0, bytes: b }]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['bacnet-bvlc-length-mismatch']);
    assert.equal(ctx.transactions[0]?.fn, 'i_am');
  });

  it('truncated NPDU / APDU, bad NPDU version, bad service data: named anomalies', () => {
    const { ctx } = run([
      { dir: 0, bytes: I_AM },
      { dir: 0, bytes: bvlc(0x0a, [0x01]) },                       // NPDU cut after the version
      { dir: 0, bytes: bvlc(0x0a, [0x02, 0x00, 0x10, 0x08]) },     // NPDU version 2
      { dir: 0, bytes: bvlc(0x0a, [0x01, 0x00, 0x00, 0x05]) },     // confirmed request cut before the invoke id
      { dir: 0, bytes: bvlc(0x0a, [0x01, 0x00, 0x10, 0x00, 0xc4, 0x02]) }, // I-Am with a cut object id
      { dir: 0, bytes: bvlc(0x0a, [0x01, 0x00, 0x90]) },           // APDU type 9
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), [
      'bacnet-npdu-truncated',
      'bacnet-npdu-bad-version',
      'bacnet-apdu-truncated',
      'bacnet-service-malformed',
      'bacnet-apdu-unknown-type',
    ]);
  });

  it('fuzz: random and mutated datagrams never throw and always consume the datagram', () => {
    let seed = 0x5eed;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const seeds = [I_AM, RP_REQ, RP_ACK, DCC_REQ, DCC_ERR];
    const ctx = new FakeContext(FLOW);
    const s = bacnetDissector.newState(FLOW);
    for (let i = 0; i < 20000; i++) {
      const base = seeds[i % seeds.length] as Uint8Array;
      let b: Uint8Array;
      if (i % 3 === 0) {
        b = new Uint8Array(rnd() % 64);
        for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff;
        if (b.length > 0) b[0] = 0x81;
      } else {
        b = base.slice(0, Math.max(0, base.length - (rnd() % 6)));
        for (let k = 0; k < 3; k++) if (b.length > 0) b[rnd() % b.length] = rnd() & 0xff;
      }
      ctx.dir = (i & 1) as Direction;
      s.violated = false;
      const used = bacnetDissector.parse(s, b, 0, b.length, ctx);
      assert.ok(used >= 0 && used <= b.length);
    }
    bacnetDissector.onEnd?.(s, ctx);
  });
});

describe('bacnet parse: tags and strings', () => {
  it('reads application, context, opening/closing and extended-length tags', () => {
    const t = newTag();
    const b = Uint8Array.from([
      0x3e,             // context [3] opening
      0x75, 0x03, 0x00, 0x41, 0x42, // app 7 extended length 3
      0x3f,             // context [3] closing
      0xf9, 0x80, 0x01, // app? no: context (0x08) tag 15 extended -> number 0x80, length 1
    ]);
    assert.ok(readTag(b, 0, b.length, t));
    assert.equal(t.kind, TagKind.OPEN);
    assert.ok(readTag(b, 1, b.length, t));
    assert.deepEqual([t.num, t.context, t.len, t.valOff], [7, false, 3, 3]);
    assert.equal(readCharString(b, t.valOff, t.len), 'AB');
    assert.ok(readTag(b, 6, b.length, t));
    assert.equal(t.kind, TagKind.CLOSE);
    assert.ok(readTag(b, 7, b.length, t));
    assert.deepEqual([t.num, t.context, t.len], [0x80, true, 1]);
    assert.ok(!readTag(b, 7, 9, t), 'value runs past the end');
  });

  it('frame and I-Am parsers fill caller structs', () => {
    const f = newFrame();
    assert.equal(parseFrame(I_AM, 0, I_AM.length, f), null);
    assert.deepEqual([f.bvlcFunction, f.pduType, f.service], [0x0b, 1, 0]);
    const s = newServiceFields();
    assert.equal(parseIAm(I_AM, f.dataOff, f.dataEnd, s), null);
    assert.deepEqual([s.objectType, s.instance, s.maxApdu, s.segmentation, s.vendorId], [8, 1234, 1476, 0, 7]);
  });

  it('names are total', () => {
    assert.equal(vendorName(5), 'Johnson Controls, Inc.');
    assert.equal(vendorName(99999), 'unknown-99999');
  });
});
