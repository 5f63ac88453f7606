import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { internetExposureCheck, internetNamesCheck, remoteAccessCheck } from './exposure.js';
import { isPublicIp } from './support.js';
import { asset, context, link } from './testkit.js';

const plc = asset('ip:10.0.0.5', { role: 'plc', vlans: [10], roles: [['modbus', 'server', 502]] });
const hmi = asset('ip:10.0.0.30', { role: 'hmi', vlans: [10], facts: [['hostname', 'HMI-1']] });
const meter = asset('ip:10.0.0.31', { vlans: [10], roles: [['modbus', 'server', 502]] });
const laptop = asset('ip:10.9.0.7', { role: 'it-host', vlans: [20] });
const dnsServer = asset('ip:10.0.0.1', { role: 'network-device' });
const cloud = asset('ip:203.0.113.10', { facts: [['hostname', 'update.vendor.example', 'dns']] });
const scanner = asset('ip:198.51.100.7');
const google = asset('ip:8.8.8.8');

describe('isPublicIp', () => {
  it('treats documentation ranges as public and RFC 1918 as private', () => {
    for (const ip of ['8.8.8.8', '192.0.2.1', '198.51.100.200', '203.0.113.5', '2001:db8::1', '2a00:1450::1'])
      assert.ok(isPublicIp(ip), ip);
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.1.1',
      '255.255.255.255',
      'fe80::1',
      'fd00::1',
      'x',
    ])
      assert.ok(!isPublicIp(ip), ip);
  });
});

describe('exp.internet', () => {
  it('inbound to a controller is critical, outbound from an HMI is high', () => {
    const ctx = context({
      assets: [plc, hmi, cloud, scanner],
      links: [link(scanner.key, plc.key, 'modbus', 502), link(hmi.key, cloud.key, 'tls', 443)],
    });
    const f = internetExposureCheck.run(ctx);
    assert.deepEqual(f.map((x) => `${x.scope} ${x.severity}`).sort(), [
      `${hmi.key}|outbound high`,
      `${plc.key}|inbound critical`,
    ]);
    const out = f.find((x) => x.scope.endsWith('outbound'));
    assert.match(
      out?.title ?? '',
      /^HMI HMI-1 \(10\.0\.0\.30\) talks to the internet \(update\.vendor\.example \(203\.0\.113\.10\)\)/,
    );
    assert.ok(out?.references.some((r) => r.id === 'SR 5.2'));
  });

  it('does not fire for IT hosts, private peers, or DNS alone', () => {
    const ctx = context({
      assets: [plc, hmi, laptop, cloud, dnsServer, google],
      links: [
        link(laptop.key, cloud.key, 'tls', 443),
        link(hmi.key, plc.key, 'modbus', 502),
        link(hmi.key, google.key, 'dns', 53, 'udp'),
      ],
    });
    assert.deepEqual(internetExposureCheck.run(ctx), []);
  });

  it('an asset serving an OT protocol counts as OT without a role', () => {
    const f = internetExposureCheck.run(
      context({ assets: [meter, scanner], links: [link(scanner.key, meter.key, 'modbus', 502)] }),
    );
    assert.equal(f[0]?.severity, 'critical');
  });
});

describe('exp.internet-names', () => {
  it('DNS plus a named public peer fires; DNS to a public resolver is one level up', () => {
    const ctx = context({
      assets: [hmi, dnsServer, cloud, plc, google],
      links: [
        link(hmi.key, dnsServer.key, 'dns', 53, 'udp'),
        link(hmi.key, cloud.key, 'tls', 443),
        link(plc.key, google.key, 'dns', 53, 'udp'),
      ],
    });
    const f = internetNamesCheck.run(ctx);
    assert.deepEqual(f.map((x) => `${x.scope} ${x.severity}`).sort(), [`${hmi.key} medium`, `${plc.key} high`]);
    assert.match(
      f.find((x) => x.scope === hmi.key)?.title ?? '',
      /resolves internet names \(update\.vendor\.example\)/,
    );
  });

  it('no DNS, or only private peers: nothing', () => {
    const ctx = context({
      assets: [hmi, dnsServer, cloud, plc],
      links: [
        link(hmi.key, cloud.key, 'tls', 443),
        link(plc.key, dnsServer.key, 'dns', 53, 'udp'),
        link(plc.key, hmi.key, 'modbus', 502),
      ],
    });
    assert.deepEqual(internetNamesCheck.run(ctx), []);
  });
});

describe('exp.remote-access', () => {
  it('RDP to an HMI, TeamViewer from an EWS, VNC into the OT VLAN, VNC from the internet', () => {
    const ews = asset('ip:10.0.0.20', { role: 'engineering-workstation', vlans: [10] });
    const jump = asset('ip:10.0.0.99', { role: 'it-host', vlans: [10] });
    const tv = asset('ip:203.0.113.50');
    const ctx = context({
      assets: [hmi, ews, jump, laptop, tv, plc, scanner],
      links: [
        link(laptop.key, hmi.key, 'rdp', 3389),
        link(ews.key, tv.key, 'tcp/5938', 5938),
        link(laptop.key, jump.key, 'vnc', 5900),
        link(scanner.key, plc.key, 'tcp/5900', 5900),
      ],
    });
    const f = remoteAccessCheck.run(ctx);
    const by = new Map(f.map((x) => [x.title.split(' ')[0], x]));
    assert.equal(f.length, 4);
    assert.equal(by.get('RDP')?.severity, 'high');
    assert.equal(by.get('TeamViewer')?.severity, 'high');
    assert.match(by.get('TeamViewer')?.title ?? '', /used by engineering workstation .* to the internet/);
    assert.ok(f.some((x) => x.title.startsWith('VNC into the OT network') && x.severity === 'medium'));
    assert.ok(f.some((x) => x.severity === 'critical' && /VNC to controller .* from the internet/.test(x.title)));
  });

  it('remote access between IT hosts, and SSH, are not findings', () => {
    const other = asset('ip:10.9.0.8', { role: 'it-host', vlans: [20] });
    const ctx = context({
      assets: [laptop, other, hmi],
      links: [link(laptop.key, other.key, 'rdp', 3389), link(laptop.key, hmi.key, 'ssh', 22)],
    });
    assert.deepEqual(remoteAccessCheck.run(ctx), []);
  });
});
