import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadPolicy, operationAllowed, policyFromText } from './policy.js';
import { GOOD } from './testkit.js';
import { ZoneFileError } from './zone-file.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PRECEDENCE = `zones:
  - name: wide
    level: 4
    criticality: low
    cidrs: [10.0.0.0/8, fd00::/16]
  - name: narrow
    level: 3
    criticality: medium
    cidrs: [10.10.0.0/16]
  - name: narrowest
    level: 2
    criticality: high
    cidrs: [10.10.1.0/24, fd00:1::/64]
  - name: by-vlan
    level: 1
    criticality: critical
    vlans: [30]
  - name: tagged
    level: 0
    criticality: critical
    assets: [mac:00:1b:1b:00:00:01, 10.10.1.50, 'fd00:1::0050']
`;

test('zoneOf: asset tag beats VLAN beats the most specific CIDR', () => {
  const p = policyFromText(PRECEDENCE, 'p.yaml');
  assert.equal(p.zoneOf('10.200.0.1', 0, null)?.name, 'wide');
  assert.equal(p.zoneOf('10.10.200.1', 0, null)?.name, 'narrow');
  assert.equal(p.zoneOf('10.10.1.7', 0, null)?.name, 'narrowest');
  assert.deepEqual(p.zoneOf('10.10.1.7', 0, null), { name: 'narrowest', level: 2, criticality: 'high' });
  // VLAN beats every CIDR.
  assert.equal(p.zoneOf('10.10.1.7', 30, null)?.name, 'by-vlan');
  assert.equal(p.placeHost('10.10.1.7', 30, null)?.match, 'vlan');
  // Tagged by address, and by asset key (whatever its address and VLAN).
  assert.equal(p.zoneOf('10.10.1.50', 30, null)?.name, 'tagged');
  assert.equal(p.zoneOf('192.168.9.9', 30, 'mac:00:1b:1b:00:00:01')?.name, 'tagged');
  assert.equal(p.placeHost('192.168.9.9', 0, 'mac:00:1b:1b:00:00:01')?.match, 'asset');
  // IPv6: most specific, and tags in any spelling.
  assert.equal(p.zoneOf('fd00:2::1', 0, null)?.name, 'wide');
  assert.equal(p.zoneOf('fd00:1::1', 0, null)?.name, 'narrowest');
  assert.equal(p.zoneOf('fd00:1:0:0::50', 0, null)?.name, 'tagged');
  // Outside every zone, and nonsense.
  assert.equal(p.zoneOf('192.168.1.1', 0, null), null);
  assert.equal(p.zoneOf('not an ip', 0, null), null);
  assert.equal(p.zoneOf('', 0, null), null);
  // Cached answers stay right.
  assert.equal(p.zoneOf('10.10.1.7', 0, null)?.name, 'narrowest');
});

test('conduit: direction, protocol, ports, bidirectional, the broadest operations win', () => {
  const p = policyFromText(
    `${GOOD}  - name: eng-programming
    from: control
    to: cell-1
    protocols: [s7comm]
    operations: programming
  - name: any-ssh
    from: it
    to: control
    protocols: [any]
    ports: [22]
    operations: any
`,
    'g.yaml',
  );
  assert.deepEqual(p.conduit('control', 'cell-1', 'modbus', 502), { name: 'hmi-to-cell', operations: 'read-write' });
  assert.deepEqual(p.conduit('control', 'cell-1', 's7comm', 102), {
    name: 'eng-programming',
    operations: 'programming',
  });
  assert.equal(p.conduit('cell-1', 'control', 'modbus', 502), null, 'one-way conduit');
  assert.equal(p.conduit('control', 'cell-1', 'enip', 44818), null, 'protocol not listed');
  assert.equal(p.conduit('control', 'cell-1', null, 502), null, 'unnamed protocol');
  assert.deepEqual(p.conduit('it', 'dmz', 'tls', 443), { name: 'it-to-dmz', operations: 'read' });
  assert.deepEqual(p.conduit('it', 'dmz', 'http', 8005), { name: 'it-to-dmz', operations: 'read' });
  assert.equal(p.conduit('it', 'dmz', 'http', 80), null, 'port not listed');
  assert.deepEqual(p.conduit('dmz', 'it', 'tls', 443), { name: 'it-to-dmz', operations: 'read' }, 'bidirectional');
  assert.deepEqual(p.conduit('it', 'control', null, 22), { name: 'any-ssh', operations: 'any' });
  assert.equal(p.conduit('it', 'control', 'ssh', 2222), null);
  assert.equal(p.engineeringStations.has('10.10.2.20'), true);
  assert.equal(p.zone('dmz')?.level, 3.5);
});

test('operation classes against conduit operations', () => {
  assert.equal(operationAllowed('read', 'read'), true);
  assert.equal(operationAllowed('read', 'diagnostic'), true);
  assert.equal(operationAllowed('read', 'write'), false);
  assert.equal(operationAllowed('read-write', 'write'), true);
  assert.equal(operationAllowed('read-write', 'program'), false);
  assert.equal(operationAllowed('read-write', 'control'), false);
  assert.equal(operationAllowed('programming', 'firmware'), true);
  assert.equal(operationAllowed('any', 'control'), true);
});

test('loadPolicy reads a file; a missing or bad file is one clear error', async () => {
  const good = join(dir, 'zones.yaml');
  writeFileSync(good, GOOD);
  const p = await loadPolicy(good);
  assert.equal(p.file, good);
  assert.equal(p.zones.length, 4);
  await assert.rejects(loadPolicy(join(dir, 'nope.yaml')), /cannot read '.*nope\.yaml': no such file/);
  await assert.rejects(loadPolicy(dir), /is a directory/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, GOOD.replace('level: 2', 'level: two'));
  await assert.rejects(
    loadPolicy(bad),
    (e) => e instanceof ZoneFileError && /bad\.yaml:13: zone 'control': level/.test(e.message),
  );
});
