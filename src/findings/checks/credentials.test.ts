import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleartextCredentialsCheck,
  defaultCredentialsCheck,
  normaliseName,
  passwordReuseCheck,
} from './credentials.js';
import { asset, context, cred, defaultCred } from './testkit.js';

const plc = asset('mac:00:1b:1b:01:02:03', {
  ip: '10.0.0.5',
  role: 'plc',
  facts: [
    ['vendor', 'Siemens AG'],
    ['vendor', 'Siemens', 'oui'],
    ['model', 'SIMATIC S7-1200'],
    ['device_name', 'Line1-PLC'],
  ],
});
const ews = asset('ip:10.0.0.20', { role: 'engineering-workstation' });
const printer = asset('ip:10.0.9.9', { role: 'it-host', facts: [['vendor', 'Rockwell Automation']] });
const hmi = asset('ip:10.0.0.30', { role: 'hmi' });
const SECRETS = ['plc-secret', 'Sup3r$ecret', 'admin', 'public'];

function noSecretIn(findings: unknown, secrets: string[]): void {
  const text = JSON.stringify(findings);
  for (const s of secrets) {
    // 'admin' and 'public' are also user names / words: check the quoted-value forms a leak would take.
    assert.ok(!text.includes(`'${s}'`) && !text.includes(`"${s}"`), `secret ${s} leaked`);
  }
}

describe('cred.cleartext', () => {
  it('fires per (client, server, protocol, user), high on an OT server', () => {
    const ctx = context({
      assets: [plc, ews],
      credentials: [
        cred(ews.key, plc.key, 'ftp', 'operator', 'Sup3r$ecret'),
        cred(ews.key, plc.key, 'ftp', 'operator', 'Sup3r$ecret', { source: 'ftp.USER/PASS.retry', successes: 0 }),
        cred(ews.key, plc.key, 'ftp', 'maint', 'plc-secret'),
      ],
    });
    const f = cleartextCredentialsCheck.run(ctx);
    assert.equal(f.length, 2);
    const op = f.find((x) => x.scope.endsWith('|operator'));
    assert.ok(op);
    assert.equal(op.ruleId, cleartextCredentialsCheck.id);
    assert.equal(op.severity, 'high');
    assert.equal(op.evidence.length, 2);
    assert.match(op.title, /FTP password for user 'operator' sent in the clear .* controller Line1-PLC \(10\.0\.0\.5/);
    assert.match(op.remediation, /SFTP/);
    assert.deepEqual(op.assetKeys.sort(), [ews.key, plc.key].sort());
    assert.ok(op.references.some((r) => r.kind === 'nist-csf' && r.id === 'PR.AA-01'));
    noSecretIn(f, SECRETS);
  });

  it('does not fire for encrypted logins or logins without a secret', () => {
    const ctx = context({
      assets: [plc, ews],
      credentials: [
        cred(ews.key, plc.key, 'opcua', 'operator', 'x', { cleartext: false }),
        cred(ews.key, plc.key, 'rdp', 'bob', null, { mechanism: 'rdp-cookie' }),
      ],
    });
    assert.deepEqual(cleartextCredentialsCheck.run(ctx), []);
  });

  it('reports anonymous FTP as low', () => {
    const ctx = context({
      assets: [printer, ews],
      credentials: [cred(ews.key, printer.key, 'ftp', 'anonymous', 'me@x', { source: 'ftp.USER/PASS.anonymous' })],
    });
    const [f] = cleartextCredentialsCheck.run(ctx);
    assert.equal(f?.severity, 'low');
    assert.match(f?.title ?? '', /Anonymous FTP/);
  });
});

describe('cred.default', () => {
  const siemensList = [
    defaultCred('SIEMENS', 'SIMATIC S7', 'admin', 'plc-secret', 'scadapass'),
    defaultCred('Rockwell', 'ControlLogix', 'admin', 'rockwell-pw', 'iti-ics-default-passwords'),
  ];

  it('matches a vendor default by fingerprint, critical on a controller, without the password', () => {
    const ctx = context({
      assets: [plc, ews],
      defaultCredentials: siemensList,
      credentials: [cred(ews.key, plc.key, 'http', 'operator', 'plc-secret', { source: 'http.authorization.basic' })],
    });
    const f = defaultCredentialsCheck.run(ctx);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.severity, 'critical');
    assert.match(f[0]?.description ?? '', /default password of SIEMENS SIMATIC S7 from scadapass/);
    assert.ok(!JSON.stringify(f).includes('plc-secret'));
  });

  it('does not match another vendor’s default, nor a rejected one', () => {
    const ctx = context({
      assets: [plc, ews, printer],
      defaultCredentials: siemensList,
      credentials: [
        cred(ews.key, plc.key, 'http', 'admin', 'rockwell-pw'),
        cred(ews.key, printer.key, 'http', 'admin', 'plc-secret'),
        cred(ews.key, plc.key, 'telnet', 'admin', 'plc-secret', { successes: 0, failures: 3 }),
      ],
    });
    assert.deepEqual(defaultCredentialsCheck.run(ctx), []);
  });

  it('matches universal default pairs on any device, only with their user', () => {
    const ctx = context({
      assets: [hmi, ews],
      credentials: [
        cred(ews.key, hmi.key, 'http', 'Admin', 'admin'),
        cred(ews.key, hmi.key, 'ftp', 'bob', 'admin'),
        cred(ews.key, hmi.key, 'telnet', 'root', 'root', { successes: 0, failures: 0 }),
      ],
    });
    const f = defaultCredentialsCheck.run(ctx);
    assert.deepEqual(f.map((x) => x.scope).sort(), [`${hmi.key}|http|Admin`, `${hmi.key}|telnet|root`]);
    assert.ok(f.every((x) => x.severity === 'high'));
    assert.match(f[0]?.description ?? '', /well-known default login/);
  });

  it('flags SNMP public/private communities always, other communities never', () => {
    const sw = asset('ip:10.0.0.2', { role: 'network-device' });
    const ctx = context({
      assets: [sw, ews],
      credentials: [
        cred(ews.key, sw.key, 'snmp', '', 'public', { mechanism: 'community', source: 'snmp.v2c.community' }),
        cred(ews.key, hmi.key, 'snmp', '', 'n0t-default', { mechanism: 'community' }),
      ],
    });
    const f = defaultCredentialsCheck.run(ctx);
    assert.equal(f.length, 1);
    assert.match(f[0]?.title ?? '', /Default SNMP community in use on network device/);
    noSecretIn(f, ['public']);
  });

  it('normalises vendor names to their first word', () => {
    assert.equal(normaliseName('Siemens AG'), 'siemens');
    assert.equal(normaliseName('SIEMENS'), 'siemens');
    assert.equal(normaliseName('Rockwell Automation/Allen-Bradley'), 'rockwell');
    assert.equal(normaliseName(''), '');
  });
});

describe('cred.reuse', () => {
  it('lists the devices that accept one password', () => {
    const ctx = context({
      assets: [plc, hmi, ews],
      credentials: [
        cred(ews.key, plc.key, 'ftp', 'maint', 'Sup3r$ecret'),
        cred(ews.key, hmi.key, 'telnet', 'maint', 'Sup3r$ecret'),
        cred(ews.key, hmi.key, 'telnet', 'other', 'different'),
      ],
    });
    const f = passwordReuseCheck.run(ctx);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.severity, 'high');
    assert.deepEqual(f[0]?.assetKeys, [plc.key, hmi.key].sort());
    assert.match(f[0]?.title ?? '', /same password is used on 2 devices: /);
    assert.match(f[0]?.title ?? '', /Line1-PLC \(10\.0\.0\.5\)/);
    assert.match(f[0]?.title ?? '', /10\.0\.0\.30/);
    noSecretIn(f, ['Sup3r$ecret']);
  });

  it('fires for several users sharing one password on one device', () => {
    const ctx = context({
      assets: [printer, ews],
      credentials: [
        cred(ews.key, printer.key, 'ftp', 'alice', 'same'),
        cred(ews.key, printer.key, 'ftp', 'bob', 'same'),
      ],
    });
    const f = passwordReuseCheck.run(ctx);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.severity, 'medium');
    assert.match(f[0]?.title ?? '', /used by 2 users/);
  });

  it('does not fire for one user on one device, nor for challenge responses', () => {
    const ctx = context({
      assets: [plc, hmi, ews],
      credentials: [
        cred(ews.key, plc.key, 'ftp', 'maint', 'x'),
        cred(ews.key, plc.key, 'ftp', 'maint', 'x', { source: 'ftp.other' }),
        cred(ews.key, plc.key, 'vnc', '', 'resp', { mechanism: 'vnc-challenge' }),
        cred(ews.key, hmi.key, 'vnc', '', 'resp', { mechanism: 'vnc-challenge' }),
      ],
    });
    assert.deepEqual(passwordReuseCheck.run(ctx), []);
  });
});
