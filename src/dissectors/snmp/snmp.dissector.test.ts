// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { fuzzStream } from '../../testing/fuzz.js';
import { snmpDissector } from './snmp.dissector.js';

/** BER builders, so each message below reads field by field. */
function tlv(tag: number, ...parts: number[][]): number[] {
  const body = parts.flat();
  const n = body.length;
  const len = n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
  return [tag, ...len, ...body];
}
const seq = (...p: number[][]) => tlv(0x30, ...p);
const str = (s: string) => tlv(0x04, [...Buffer.from(s, 'latin1')]);
function int(v: number): number[] {
  const b: number[] = [];
  let x = v;
  do {
    b.unshift(x & 255);
    x = Math.floor(x / 256);
  } while (x > 0);
  if ((b[0] as number) & 0x80) b.unshift(0);
  return tlv(0x02, b);
}
function oid(s: string): number[] {
  const a = s.split('.').map(Number);
  const out = [(a[0] as number) * 40 + (a[1] as number)];
  for (const v of a.slice(2)) {
    const enc = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) enc.unshift((x & 0x7f) | 0x80);
    out.push(...enc);
  }
  return tlv(0x06, out);
}
const NULL = [0x05, 0x00];
const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const SYS_LOCATION = '1.3.6.1.2.1.1.6.0';

function v2c(community: string, pduTag: number, requestId: number, errorStatus: number, varbinds: number[][]): number[] {
  return seq(
    int(1),                              // version 1 = v2c
    str(community),                      // community
    tlv(pduTag,                          // PDU
      int(requestId),                    //   request-id
      int(errorStatus),                  //   error-status
      int(0),                            //   error-index
      seq(...varbinds)),                 //   variable-bindings
  );
}
function v3(user: string, flags: number, pduTag: number, requestId: number, varbinds: number[][]): number[] {
  return seq(
    int(3),                              // msgVersion 3
    seq(int(requestId), int(1500), tlv(0x04, [flags]), int(3)), // msgGlobalData: id, max size, flags, USM
    tlv(0x04, seq(                       // msgSecurityParameters
      tlv(0x04, [0x80, 0x00, 0x00, 0x09, 0x03, 1, 2, 3, 4, 5, 6]), // engine id: Cisco (9), MAC format
      int(1), int(100),                  //   boots, time
      str(user),                         //   msgUserName
      tlv(0x04, []), tlv(0x04, []))),    //   auth / priv parameters
    seq(str(''), str(''),                // ScopedPDU: context engine id, context name
      tlv(pduTag, int(requestId), int(0), int(0), seq(...varbinds))),
  );
}

const udpFlow = testFlow({ transport: 'udp', serverPort: 161 });

function run(msgs: { dir: Direction; bytes: number[] }[], flow = udpFlow): FakeContext {
  const ctx = new FakeContext(flow);
  const s = snmpDissector.newState(flow);
  let ts = 1_000_000;
  for (const m of msgs) {
    ctx.dir = m.dir;
    ctx.tsUs = ts += 1000;
    const buf = new Uint8Array(m.bytes.length + 4);
    buf.set(m.bytes, 2);
    snmpDissector.parse(s, buf, 2, m.bytes.length, ctx);
  }
  snmpDissector.onEnd?.(s, ctx);
  return ctx;
}

describe('snmp dissector', () => {
  it('pairs a v2c get with its response, fingerprints the community, reads the system group', () => {
    const ctx = run([
      { dir: 0, bytes: v2c('s3cret-community', 0xa0, 42, 0, [seq(oid(SYS_DESCR), NULL), seq(oid(SYS_NAME), NULL)]) },
      {
        dir: 1,
        bytes: v2c('s3cret-community', 0xa2, 42, 0, [
          seq(oid(SYS_DESCR), str('Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA10-2AA3, HW: 4, FW: V4.0.0')),
          seq(oid(SYS_NAME), str('switch-cell-3')),
          seq(oid(SYS_LOCATION), str('Hall 2')),
          seq(oid(SYS_OBJECT_ID), oid('1.3.6.1.4.1.4329.6.1.2')),
        ]),
      },
    ]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'GET_REQUEST');
    assert.equal(tx?.op, 'read');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.tid, 42);
    assert.equal(tx?.rttUs, 1000);
    assert.deepEqual(tx?.detail, { version: '2c', varbinds: 2, oid: SYS_DESCR });
    const [c] = ctx.credentials;
    assert.equal(c?.mechanism, 'community');
    assert.equal(c?.user, '');
    assert.equal(c?.secretFingerprint, ctx.fingerprint('s3cret-community'));
    assert.equal(c?.outcome, 'success');
    assert.equal(c?.cleartext, true);
    assert.equal(ctx.credentials.length, 1);
    assert.deepEqual(ctx.facts, [
      'description=Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA10-2AA3, HW: 4, FW: V4.0.0',
      'vendor=Siemens',
      'product_name=SCALANCE X208',
      'order_number=6GK5 208-0BA10-2AA3',
      'firmware=4.0.0',
      'hostname=switch-cell-3',
      'location=Hall 2',
      'snmp_sys_object_id=1.3.6.1.4.1.4329.6.1.2',
      'vendor=Siemens',
    ]);
    assert.equal(ctx.identities[0]?.about, 'server');
    assert.ok(!JSON.stringify(ctx.out).includes('s3cret-community'));
  });

  it('a community nobody answers fails at the end of the flow; authorizationError fails at once', () => {
    const silent = run([{ dir: 0, bytes: v2c('guess1', 0xa1, 1, 0, [seq(oid(SYS_NAME), NULL)]) }]);
    assert.equal(silent.transactions[0]?.status, 'no-response');
    assert.equal(silent.credentials[0]?.outcome, 'failure');
    const denied = run([
      { dir: 0, bytes: v2c('ro', 0xa3, 2, 0, [seq(oid(SYS_NAME), str('x'))]) },
      { dir: 1, bytes: v2c('ro', 0xa2, 2, 16, [seq(oid(SYS_NAME), str('x'))]) },
    ]);
    assert.equal(denied.transactions[0]?.op, 'write');
    assert.equal(denied.transactions[0]?.status, 'exception');
    assert.equal(denied.transactions[0]?.exception, 'AUTHORIZATION_ERROR');
    assert.equal(denied.credentials[0]?.outcome, 'failure');
  });

  it('a trap is a transaction of its own; its community outcome stays unknown', () => {
    const trap = tlv(0xa4, oid('1.3.6.1.4.1.9.1'), tlv(0x40, [10, 0, 0, 2]), int(6), int(1), tlv(0x43, [0]), seq());
    const ctx = run([{ dir: 0, bytes: seq(int(0), str('public'), trap) }], testFlow({ transport: 'udp', serverPort: 162 }));
    assert.equal(ctx.transactions[0]?.fn, 'TRAP');
    assert.equal(ctx.transactions[0]?.detail?.enterprise, '1.3.6.1.4.1.9.1');
    assert.equal(ctx.credentials[0]?.outcome, 'unknown');
  });

  it('v3: USM user as credential without secret, refused by a usmStatsUnknownUserNames report', () => {
    const ctx = run([
      { dir: 0, bytes: v3('operator', 0x04, 0xa0, 5, [seq(oid(SYS_NAME), NULL)]) },
      { dir: 1, bytes: v3('operator', 0x00, 0xa8, 5, [seq(oid('1.3.6.1.6.3.15.1.1.3.0'), tlv(0x41, [1]))]) },
    ]);
    const [c] = ctx.credentials;
    assert.equal(c?.mechanism, 'usm');
    assert.equal(c?.user, 'operator');
    assert.equal(c?.secretFingerprint, null);
    assert.equal(c?.cleartext, true);
    assert.equal(c?.outcome, 'failure');
    assert.equal(c?.source, 'snmp.v3.usm.noAuthNoPriv');
    assert.equal(ctx.transactions[0]?.exception, 'REPORT');
    assert.equal(ctx.transactions[0]?.detail?.report, 'usmStatsUnknownUserNames');
    assert.deepEqual(ctx.facts, ['snmp_engine_id=80000009030102030405 06'.replace(' ', ''), 'vendor=Cisco']);
  });

  it('v3 authPriv: encrypted PDUs paired by msgID; the user answered is a success', () => {
    const enc = (id: number, user: string) =>
      seq(int(3), seq(int(id), int(1500), tlv(0x04, [0x07]), int(3)),
        tlv(0x04, seq(tlv(0x04, [0x04, 1, 2, 3, 4]), int(1), int(1), str(user), tlv(0x04, [9, 9]), tlv(0x04, [8]))),
        tlv(0x04, [0xde, 0xad, 0xbe, 0xef]));
    const ctx = run([{ dir: 0, bytes: enc(77, 'admin') }, { dir: 1, bytes: enc(77, 'admin') }]);
    assert.equal(ctx.transactions[0]?.fn, 'ENCRYPTED_PDU');
    assert.equal(ctx.transactions[0]?.status, 'ok');
    assert.equal(ctx.credentials[0]?.cleartext, false);
    assert.equal(ctx.credentials[0]?.outcome, 'success');
  });

  it('not SNMP first -> violation; malformed later -> anomaly', () => {
    const ctx = run([{ dir: 0, bytes: [0x47, 0x45, 0x54, 0x20] }]);
    assert.equal(ctx.violations.length, 1);
    const later = run([
      { dir: 0, bytes: v2c('public', 0xa0, 1, 0, []) },
      { dir: 1, bytes: v2c('public', 0xa2, 1, 0, []).slice(0, 12) },
      { dir: 1, bytes: [0x01, 0x02] },
    ]);
    assert.deepEqual(later.anomalies.map((a) => a.code), ['snmp-truncated', 'snmp-not-sequence']);
    assert.equal(later.violations.length, 0);
  });

  it('survives 10k mutated datagrams: no throw, no hang', () => {
    const templates = [
      v2c('public', 0xa0, 1, 0, [seq(oid(SYS_DESCR), NULL)]),
      v2c('public', 0xa2, 1, 0, [seq(oid(SYS_DESCR), str('Linux x 5.10 #1')), seq(oid(SYS_OBJECT_ID), oid('1.3.6.1.4.1.9.1'))]),
      v3('u', 0x04, 0xa1, 3, [seq(oid(SYS_NAME), NULL)]),
    ];
    const ctx = new FakeContext(udpFlow);
    fuzzStream(
      snmpDissector,
      udpFlow,
      ctx,
      templates.map((t) => ({ bytes: Uint8Array.from(t) })),
      { seed: 0x9e3779b9, flips: { min: 1, spread: 4 }, restartEvery: 50 },
    );
    assert.ok(ctx.out.length > 0);
  });
});
