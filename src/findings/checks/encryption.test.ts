import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  certificateCheck,
  cleartextManagementCheck,
  oldTlsCheck,
  otCleartextShareCheck,
  otWithoutSecurityCheck,
  weakCipherCheck,
  weakCipherReason,
} from './encryption.js';
import { asset, context, cred, link } from './testkit.js';

const plc = asset('ip:10.0.0.5', { role: 'plc', vlans: [10], roles: [['modbus', 'server', 502]] });
const sw = asset('ip:10.0.0.2', { role: 'network-device', vlans: [10] });
const ews = asset('ip:10.0.0.20', { role: 'engineering-workstation', vlans: [10] });
const web = asset('ip:10.9.0.80', { role: 'it-host' });
const laptop = asset('ip:10.9.0.7', { role: 'it-host' });

describe('enc.cleartext-management', () => {
  it('fires per link for Telnet and FTP, high to infrastructure and OT', () => {
    const ctx = context({
      assets: [plc, sw, ews, web, laptop],
      links: [
        link(ews.key, sw.key, 'telnet', 23),
        link(ews.key, plc.key, 'ftp', 21),
        link(laptop.key, web.key, 'ftp', 21),
      ],
    });
    const f = cleartextManagementCheck.run(ctx);
    assert.equal(f.length, 3);
    const telnet = f.find((x) => x.title.startsWith('Telnet'));
    assert.equal(telnet?.severity, 'high');
    assert.match(telnet?.title ?? '', /Telnet in the clear from 10\.0\.0\.20 to network device \(10\.0\.0\.2\)/);
    assert.match(telnet?.remediation ?? '', /SSH/);
    assert.equal(f.find((x) => x.assetKeys[0] === web.key)?.severity, 'medium');
    for (const x of f) assert.equal(x.ruleId, cleartextManagementCheck.id);
  });

  it('HTTP only with a login or to OT/infrastructure; SNMP only when v1/v2c communities were seen', () => {
    const ctx = context({
      assets: [plc, sw, ews, web, laptop],
      links: [
        link(laptop.key, web.key, 'http', 80),
        link(ews.key, plc.key, 'http', 80),
        link(ews.key, sw.key, 'snmp', 161, 'udp'),
        link(ews.key, plc.key, 'snmp', 161, 'udp'),
      ],
      credentials: [
        cred(ews.key, sw.key, 'snmp', '', 'c', { mechanism: 'community' }),
        cred(ews.key, plc.key, 'snmp', 'v3user', null, { mechanism: 'usm', cleartext: false }),
      ],
    });
    const f = cleartextManagementCheck.run(ctx);
    assert.deepEqual(
      f.map((x) => `${x.assetKeys[0]} ${x.title.split(' ')[0]}`).sort(),
      [`${sw.key} SNMPv1/v2c`, `${plc.key} HTTP`].sort(),
    );
    const withLogin = cleartextManagementCheck.run(
      context({
        assets: [web, laptop],
        links: [link(laptop.key, web.key, 'http', 80)],
        credentials: [cred(laptop.key, web.key, 'http', 'u', 'p')],
      }),
    );
    assert.equal(withLogin.length, 1);
  });
});

describe('enc.ot-without-security', () => {
  it('OPC UA SecurityPolicy None fires, SignAndEncrypt does not', () => {
    const ua = asset('ip:10.0.0.40', { role: 'plc', facts: [['opcua_security', 'None/None', 'opcua']] });
    const ua2 = asset('ip:10.0.0.41', { facts: [['opcua_security', 'Basic256Sha256/SignAndEncrypt', 'opcua']] });
    const ctx = context({
      assets: [ua, ua2, ews],
      links: [link(ews.key, ua.key, 'opcua', 4840), link(ews.key, ua2.key, 'opcua', 4840)],
    });
    const f = otWithoutSecurityCheck.run(ctx);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.severity, 'high');
    assert.match(f[0]?.title ?? '', /OPC UA without security/);
    assert.ok(f[0]?.assetKeys.includes(ews.key));
  });

  it('MQTT on 1883 with a login fires; without a login or on 8883 it does not', () => {
    const broker = asset('ip:10.0.0.50');
    const ctx = context({
      assets: [broker, ews, laptop],
      links: [
        link(ews.key, broker.key, 'mqtt', 1883),
        link(laptop.key, broker.key, 'mqtt', 1883),
        link(ews.key, broker.key, 'mqtt', 8883),
      ],
      credentials: [cred(ews.key, broker.key, 'mqtt', 'sensor', 'pw')],
    });
    const f = otWithoutSecurityCheck.run(ctx);
    assert.equal(f.length, 1);
    assert.match(f[0]?.title ?? '', /MQTT login without TLS from 10\.0\.0\.20/);
    assert.ok(!JSON.stringify(f).includes("'pw'"));
  });
});

describe('TLS checks', () => {
  it('old versions fire, TLS 1.2 does not', () => {
    const a = asset('ip:10.0.0.60', { facts: [['tls_version_max', 'TLSv10', 'tls']] });
    const b = asset('ip:10.0.0.61', { facts: [['tls_version_max', 'SSLv3', 'tls']] });
    const c = asset('ip:10.0.0.62', { facts: [['tls_version_max', 'TLSv12', 'tls']] });
    const f = oldTlsCheck.run(context({ assets: [a, b, c] }));
    assert.deepEqual(f.map((x) => `${x.scope} ${x.severity}`).sort(), [
      `${a.key}|TLSv10 medium`,
      `${b.key}|SSLv3 high`,
    ]);
  });

  it('weak ciphers by name; CBC only with TLS 1.0', () => {
    assert.equal(weakCipherReason('TLS_RSA_WITH_RC4_128_SHA', false), 'RC4, broken');
    assert.match(weakCipherReason('TLS_RSA_WITH_3DES_EDE_CBC_SHA', false) ?? '', /3DES/);
    assert.match(weakCipherReason('TLS_RSA_EXPORT_WITH_RC4_40_MD5', false) ?? '', /export/);
    assert.match(weakCipherReason('TLS_RSA_WITH_NULL_SHA256', false) ?? '', /NULL/);
    assert.equal(weakCipherReason('TLS_RSA_WITH_AES_128_CBC_SHA', false), null);
    assert.match(weakCipherReason('TLS_RSA_WITH_AES_128_CBC_SHA', true) ?? '', /CBC/);
    assert.equal(weakCipherReason('TLS_AES_128_GCM_SHA256', true), null);
    const a = asset('ip:10.0.0.63', {
      facts: [
        ['tls_version_max', 'TLSv10', 'tls'],
        ['tls_cipher', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'tls'],
      ],
    });
    const b = asset('ip:10.0.0.64', {
      facts: [
        ['tls_version_max', 'TLSv12', 'tls'],
        ['tls_cipher', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'tls'],
      ],
    });
    assert.deepEqual(
      weakCipherCheck.run(context({ assets: [a, b] })).map((x) => x.assetKeys[0]),
      [a.key],
    );
  });

  it('expired and self-signed certificates', () => {
    const a = asset('ip:10.0.0.70', {
      facts: [
        ['tls_cert_not_after', '2023-01-01T00:00:00Z', 'tls'],
        ['tls_cert_self_signed', 'true', 'tls'],
        ['tls_cert_subject', 'CN=plc', 'tls'],
      ],
    });
    const b = asset('ip:10.0.0.71', {
      facts: [
        ['tls_cert_not_after', '2030-01-01T00:00:00Z', 'tls'],
        ['tls_cert_self_signed', 'false', 'tls'],
        ['tls_cert_not_after', 'garbage', 'tls'],
      ],
    });
    const f = certificateCheck.run(context({ assets: [a, b] }));
    assert.deepEqual(f.map((x) => `${x.scope} ${x.severity}`).sort(), [
      `${a.key}|expired|2023-01-01T00:00:00Z medium`,
      `${a.key}|self-signed low`,
    ]);
  });
});

describe('enc.ot-cleartext-share', () => {
  it('gives the share per VLAN and for the site', () => {
    const ua = asset('ip:10.0.0.40', {
      vlans: [10],
      facts: [['opcua_security', 'Basic256Sha256/SignAndEncrypt', 'opcua']],
    });
    const far = asset('ip:10.1.0.5');
    const ctx = context({
      assets: [plc, ews, ua, far, laptop],
      links: [
        link(ews.key, plc.key, 'modbus', 502),
        link(ews.key, plc.key, 's7comm', 102),
        link(ews.key, ua.key, 'opcua', 4840),
        link(laptop.key, far.key, 'enip', 44818),
        link(laptop.key, far.key, 'http', 80),
      ],
    });
    const f = otCleartextShareCheck.run(ctx);
    assert.deepEqual(
      f.map((x) => `${x.scope}: ${x.title}`),
      [
        'site: Site: 1 of 1 OT conversation in the clear (100%)',
        'vlan:10: VLAN 10: 2 of 3 OT conversations in the clear (67%)',
      ],
    );
    assert.ok(f.every((x) => x.severity === 'info' && x.score === 0));
  });

  it('says nothing without OT links', () => {
    assert.deepEqual(
      otCleartextShareCheck.run(context({ assets: [web, laptop], links: [link(laptop.key, web.key, 'http', 80)] })),
      [],
    );
  });
});
