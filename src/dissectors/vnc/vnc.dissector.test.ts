// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ascii, type Chunk, feed, fuzz, u16be, u32be } from '../tls/testkit.js';
import { vncDissector } from './vnc.dissector.js';
import { parseVersion } from './vnc.parse.js';

const serverInit = (name: string): number[] => [
  ...u16be(1024), ...u16be(768),                            // framebuffer width, height
  32, 24, 0, 1, ...u16be(255), ...u16be(255), ...u16be(255), 16, 8, 0, 0, 0, 0, // PIXEL_FORMAT (16)
  ...u32be(name.length), ...ascii(name),                    // name-length, name-string
];

const VNC_AUTH: Chunk[] = [
  { dir: 1, bytes: ascii('RFB 003.008\n') },                // server ProtocolVersion
  { dir: 0, bytes: ascii('RFB 003.008\n') },                // client ProtocolVersion
  { dir: 1, bytes: [2, 1, 2] },                             // 2 security types: None, VNC
  { dir: 0, bytes: [2] },                                   // client picks VNC authentication
  { dir: 1, bytes: Array(16).fill(0x42) },                  // challenge
  { dir: 0, bytes: Array(16).fill(0x99) },                  // DES response (never kept)
  { dir: 1, bytes: u32be(0) },                              // SecurityResult OK
  { dir: 0, bytes: [1] },                                   // ClientInit shared-flag
  { dir: 1, bytes: serverInit('Line 3 HMI') },              // ServerInit
  { dir: 0, bytes: [0, 0, 0, 0, 32, 24, 0, 1] },            // SetPixelFormat...: not parsed
];

describe('vnc dissector', () => {
  it('3.8 with VNC auth: versions, types, result, desktop name', () => {
    for (const step of [0, 1, 3]) {
      const { ctx } = feed(vncDissector, VNC_AUTH, step);
      assert.deepEqual(ctx.anomalies, []);
      const tx = ctx.transactions[0];
      assert.equal(ctx.transactions.length, 1);
      assert.deepEqual([tx?.fn, tx?.op, tx?.status], ['VNC_SESSION', 'auth', 'ok']);
      assert.deepEqual(tx?.detail, {
        serverVersion: 'RFB 003.008',
        clientVersion: 'RFB 003.008',
        securityTypes: 'None,VNC',
        security: 'VNC',
        result: 'ok',
        desktopName: 'Line 3 HMI',
      });
      assert.deepEqual(ctx.credentials.map((c) => [c.mechanism, c.user, c.secretFingerprint, c.cleartext, c.outcome]), [['vnc-challenge', '', null, false, 'success']]);
      const server = ctx.identities.find((i) => i.about === 'server');
      assert.deepEqual(server?.facts.map((f) => `${f.field}=${f.value}/${f.precedence ?? 100}`), [
        'vnc_version=RFB 003.008/100',
        'vnc_security_types=None,VNC/100',
        'vnc_auth_none=true/100',
        'device_name=Line 3 HMI/50',
        'vnc_desktop_name=Line 3 HMI/50',
        'vnc_resolution=1024x768/100',
      ]);
      assert.ok(ctx.facts.includes('vnc_client_version=RFB 003.008'));
    }
  });

  it('3.3 with None imposed by the server: no SecurityResult, straight to ServerInit', () => {
    const { ctx } = feed(vncDissector, [
      { dir: 1, bytes: ascii('RFB 003.003\n') },
      { dir: 0, bytes: ascii('RFB 003.003\n') },
      { dir: 1, bytes: u32be(1) },                          // security type None (3.3: a u32)
      { dir: 0, bytes: [1] },                               // ClientInit
      { dir: 1, bytes: serverInit('WinCC') },
    ]);
    assert.deepEqual(ctx.anomalies, []);
    assert.equal(ctx.transactions[0]?.detail?.security, 'None');
    assert.ok(ctx.facts.includes('vnc_auth_none=true'));
    assert.ok(ctx.facts.includes('device_name=WinCC'));
    assert.deepEqual(ctx.credentials, []);
  });

  it('authentication failure: exception and failed credential', () => {
    const { ctx } = feed(vncDissector, [
      ...VNC_AUTH.slice(0, 6),
      { dir: 1, bytes: [...u32be(1), ...u32be(14), ...ascii('Wrong password')] }, // failed + reason
    ]);
    assert.equal(ctx.transactions[0]?.status, 'exception');
    assert.equal(ctx.transactions[0]?.exception, 'AUTH_FAILED');
    assert.equal(ctx.transactions[0]?.detail?.reason, 'Wrong password');
    assert.equal(ctx.credentials[0]?.outcome, 'failure');
  });

  it('not VNC: violation; odd choices: anomalies', () => {
    assert.equal(feed(vncDissector, [{ dir: 1, bytes: ascii('220 ftp ready\r\n') }]).ctx.violations.length, 1);
    const { ctx } = feed(vncDissector, [
      { dir: 1, bytes: ascii('RFB 003.007\n') },
      { dir: 0, bytes: ascii('RFB 003.008\n') },            // higher than the server's
      { dir: 1, bytes: [1, 2] },                            // offers VNC only
      { dir: 0, bytes: [1] },                               // picks None anyway
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['vnc-version-above-server', 'vnc-security-type-not-offered']);
  });

  it('version strings and probe', () => {
    const v = (s: string) => parseVersion(Uint8Array.from(ascii(s)), 0, s.length);
    assert.deepEqual([v('RFB 003.008\n'), v('RFB 003.889\n'), v('RFB 003'), v('RFX 003.008\n')], [8, 889, 0, -1]);
    assert.equal(vncDissector.probe?.(Uint8Array.from(ascii('RFB 003.008\n')), 0, 12, 1), 'match');
    assert.equal(vncDissector.probe?.(Uint8Array.from(ascii('RFB')), 0, 3, 1), 'need-more');
  });

  it('fuzz: no throw, no hang, consumption within bounds', () => {
    assert.equal(fuzz(vncDissector, [VNC_AUTH], 300), 300);
  });
});
