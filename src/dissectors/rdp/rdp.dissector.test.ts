// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ascii, type Chunk, feed, fuzz, u16be, u16le, u32le, utf16 } from '../tls/testkit.js';
import { protocolsName } from './rdp.consts.js';
import { rdpDissector } from './rdp.dissector.js';

/** TPKT around an X.224 TPDU. */
const tpkt = (tpdu: number[]): number[] => [0x03, 0x00, ...u16be(tpdu.length + 4), ...tpdu];

const cookie = ascii('Cookie: mstshash=operator\r\n');
const CR = tpkt([
  6 + cookie.length + 8,                                    // LI
  0xe0,                                                     // CR TPDU, CDT 0
  0x00, 0x00, 0x00, 0x00, 0x00,                             // dst-ref, src-ref, class 0
  ...cookie,                                                // routing cookie
  0x01, 0x00, ...u16le(8), ...u32le(0x03),                  // RDP_NEG_REQ: SSL | HYBRID
]);
const CC = (type: number, value: number) => tpkt([
  14,                                                       // LI
  0xd0,                                                     // CC TPDU
  0x00, 0x00, 0x12, 0x34, 0x00,                             // dst-ref, src-ref, class 0
  type, 0x00, ...u16le(8), ...u32le(value),                 // RDP_NEG_RSP / RDP_NEG_FAILURE
]);

const SESSION: Chunk[] = [
  { dir: 0, bytes: CR },
  { dir: 1, bytes: CC(0x02, 0x02) },                        // selected HYBRID (CredSSP / NLA)
  { dir: 0, bytes: [0x16, 0x03, 0x01, 0x00, 0x10, ...Array(16).fill(1)] }, // TLS from here: not parsed
];

describe('rdp dissector', () => {
  it('cookie, requested and selected protocols, one RDP_SESSION', () => {
    for (const step of [0, 1, 5]) {
      const { ctx, held } = feed(rdpDissector, SESSION, step);
      assert.deepEqual(ctx.anomalies, []);
      assert.deepEqual(held, [0, 0]);
      assert.equal(ctx.transactions.length, 1);
      const tx = ctx.transactions[0];
      assert.deepEqual([tx?.fn, tx?.op, tx?.status], ['RDP_SESSION', 'auth', 'ok']);
      assert.deepEqual(tx?.detail, { cookie: 'operator', requested: 'SSL,HYBRID', selected: 'HYBRID' });
      assert.deepEqual(ctx.credentials.map((c) => [c.user, c.mechanism, c.secretFingerprint, c.cleartext]), [['operator', 'rdp-cookie', null, false]]);
      assert.deepEqual(ctx.facts, ['rdp_security=HYBRID']);
    }
  });

  it('negotiation failure: exception', () => {
    const { ctx } = feed(rdpDissector, [{ dir: 0, bytes: CR }, { dir: 1, bytes: CC(0x03, 0x05) }]);
    assert.equal(ctx.transactions[0]?.status, 'exception');
    assert.equal(ctx.transactions[0]?.exception, 'HYBRID_REQUIRED_BY_SERVER');
  });

  it('standard RDP security: client name from the clear Client Core Data', () => {
    const core = [
      ...u16le(0xc001), ...u16le(216),                      // TS_UD_HEADER: CS_CORE, length 216
      ...u32le(0x00080004),                                 // version RDP 5+
      ...u16le(1280), ...u16le(1024),                       // desktopWidth, desktopHeight
      ...u16le(0xca01), ...u16le(0xaa03),                   // colorDepth, SASSequence
      ...u32le(0x409),                                      // keyboardLayout en-US
      ...u32le(2600),                                       // clientBuild
      ...utf16('HMI-LINE2'), ...Array(32 - 18).fill(0),     // clientName (32 bytes)
      ...Array(216 - 56).fill(0),                           // the rest of the block
    ];
    const mcs = tpkt([0x02, 0xf0, 0x80, 0x7f, 0x65, ...Array(20).fill(0), ...core]); // X.224 DT + Connect-Initial
    const { ctx } = feed(rdpDissector, [
      { dir: 0, bytes: tpkt([14, 0xe0, 0, 0, 0, 0, 0, 0x01, 0x00, ...u16le(8), ...u32le(0)]) }, // requests standard RDP
      { dir: 1, bytes: CC(0x02, 0x00) },
      { dir: 0, bytes: mcs },
    ]);
    assert.deepEqual(ctx.anomalies, []);
    assert.equal(ctx.transactions[0]?.detail?.selected, 'RDP');
    assert.ok(ctx.facts.includes('hostname=HMI-LINE2'));
    assert.ok(ctx.facts.includes('rdp_client_build=2600'));
  });

  it('not RDP: violation; bad negotiation: anomaly', () => {
    assert.equal(feed(rdpDissector, [{ dir: 0, bytes: ascii('GET / HTTP/1.1\r\n') }]).ctx.violations.length, 1);
    const bad = feed(rdpDissector, [{ dir: 0, bytes: tpkt([14, 0xe0, 0, 0, 0, 0, 0, 0x07, 0x00, ...u16le(8), ...u32le(0)]) }]);
    assert.deepEqual(bad.ctx.anomalies.map((a) => a.code), ['rdp-bad-negotiation']);
    assert.equal(bad.ctx.transactions[0]?.status, 'no-response');
    assert.equal(protocolsName(0x40), 'unknown-0x40');
  });

  it('probe', () => {
    assert.equal(rdpDissector.probe?.(Uint8Array.from(CR), 0, CR.length, 0), 'match');
    assert.equal(rdpDissector.probe?.(Uint8Array.from(ascii('SSH-2.0')), 0, 7, 0), 'no-match');
  });

  it('fuzz: no throw, no hang, consumption within bounds', () => {
    assert.equal(fuzz(rdpDissector, [SESSION], 300), 300);
  });
});
