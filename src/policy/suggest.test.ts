import assert from 'node:assert/strict';
import { test } from 'node:test';
import { policyFromText } from './policy.js';
import { suggestZones } from './suggest.js';
import { asset, link, smallPlant } from './testkit.js';
import { parseZoneFile } from './zone-file.js';

test('suggest: zones from /24s and VLANs, levels from roles, conduits from links', () => {
  const { assets, links } = smallPlant();
  const s = suggestZones(assets, links, 'test.db');
  assert.deepEqual(
    s.zones.map((z) => [z.name, z.level, z.criticality, z.cidrs.join(' '), z.vlans.join(',')]),
    [
      ['net-10-10-1', 1, 'critical', '10.10.1.0/24', ''],
      ['net-10-20-0', 3, 'medium', '10.20.0.0/24', ''],
      ['net-10-50-0', 4, 'low', '10.50.0.0/24', ''],
      ['vlan-20', 2, 'high', '10.10.2.0/24', '20'],
    ],
  );
  assert.deepEqual(
    s.conduits.map((c) => [c.from, c.to, c.protocol, c.ports.join(','), c.operations]),
    [
      ['net-10-20-0', 'vlan-20', 'opcua', '4840', 'read'],
      ['net-10-50-0', 'net-10-10-1', 'tcp', '8000', 'read'],
      ['net-10-50-0', 'net-10-20-0', 'http', '80', 'read'],
      ['vlan-20', 'net-10-10-1', 'modbus', '502', 'read-write'],
      ['vlan-20', 'net-10-10-1', 's7comm', '102', 'programming'],
    ],
  );
  assert.deepEqual(s.engineeringStations, ['10.10.2.20']);
  // Every proposal says why.
  assert.match(s.text, /# members: 2 plc\n/);
  assert.match(s.text, /# seen: 2 flows|# seen: 6 flows/);
  assert.match(s.text, /programming because program operations were seen/);
  assert.match(s.text, /set level 5 if it is the enterprise network/);
  assert.match(
    s.text,
    /WARNING: an IT zone reaching level 0-1 directly.*\n {2}- from: net-10-50-0\n {4}to: net-10-10-1/,
  );
  assert.match(s.text, /asset .*10\.10\.1\.1.*: router/);
  assert.match(s.text, /traffic with a host in no zone: net-10-20-0 -> 203\.0\.113\.7 tls/);
});

test('suggest: the draft is a valid zone file, and network names cannot inject YAML', () => {
  const { assets, links } = smallPlant();
  const s = suggestZones(assets, links);
  const zf = parseZoneFile(s.text, 'draft.yaml');
  assert.equal(zf.zones.length, 4);
  assert.equal(zf.conduits.length, 5);
  assert.doesNotMatch(s.text, /^# injected/m);
  assert.match(s.text, /PLC-2\.# injected: true/);
  // The draft's own policy allows what was seen.
  const p = policyFromText(s.text, 'draft.yaml');
  assert.equal(p.conduit('vlan-20', 'net-10-10-1', 'modbus', 502)?.operations, 'read-write');
  assert.equal(p.zoneOf('10.10.2.5', 20, null)?.name, 'vlan-20');
  assert.equal(p.zoneOf('10.10.2.5', 0, null)?.name, 'vlan-20');
});

test('suggest: a /24 used on two VLANs is left out with a note; mixed zones say so', () => {
  const assets = [
    asset('mac:00:00:00:00:00:01', ['10.1.1.1'], 'plc', { vlans: [10] }),
    asset('mac:00:00:00:00:00:02', ['10.1.1.2'], 'hmi', { vlans: [11] }),
    asset('mac:00:00:00:00:00:03', ['10.2.2.3'], 'plc'),
    asset('mac:00:00:00:00:00:04', ['10.2.2.4'], 'it-host'),
    asset('mac:00:00:00:00:00:05', ['10.3.3.5'], 'unknown'),
  ];
  const s = suggestZones(assets, [
    link('mac:00:00:00:00:00:02', 'mac:00:00:00:00:00:01', 'tcp/9999', 9999, { ops: { 'write:x': 1 } }),
  ]);
  const zf = parseZoneFile(s.text, 'd.yaml');
  assert.deepEqual(
    zf.zones.map((z) => [z.name, z.level, z.cidrs.length]),
    [
      ['net-10-2-2', 1, 1],
      ['net-10-3-3', 3, 1],
      ['vlan-10', 1, 0],
      ['vlan-11', 2, 0],
    ],
  );
  assert.match(s.text, /10\.1\.1\.0\/24 is used on VLANs 10, 11: left out/);
  assert.match(s.text, /mixed levels in one zone: consider splitting it/);
  assert.match(s.text, /level 3 is a guess/);
  assert.equal(zf.conduits[0]?.operations, 'read-write');
  assert.deepEqual(zf.conduits[0]?.protocols, ['tcp']);
});
