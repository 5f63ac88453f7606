import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cidrToString } from './net.js';
import { GOOD } from './testkit.js';
import { parseZoneFile, ZoneFileError, type ZoneFileIssue } from './zone-file.js';

function issues(text: string): ZoneFileIssue[] {
  try {
    parseZoneFile(text, 'z.yaml');
  } catch (e) {
    assert.ok(e instanceof ZoneFileError, String(e));
    return [...e.issues];
  }
  assert.fail('expected the file to be refused');
}

/** The one issue on `line`, matching `re`. */
function hasIssue(list: ZoneFileIssue[], line: number, re: RegExp): void {
  assert.ok(
    list.some((i) => i.line === line && re.test(i.message)),
    `no issue at line ${line} matching ${re}; got:\n${list.map((i) => `${i.line}: ${i.message}`).join('\n')}`,
  );
}

test('a good zone file parses into zones, conduits and engineering stations', () => {
  const zf = parseZoneFile(GOOD, 'z.yaml');
  assert.deepEqual(
    zf.zones.map((z) => [z.name, z.level, z.criticality]),
    [
      ['cell-1', 1, 'critical'],
      ['control', 2, 'high'],
      ['dmz', 3.5, 'medium'],
      ['it', 4, 'low'],
    ],
  );
  assert.equal(zf.zones[0]?.description, 'line 1 controllers');
  assert.equal(zf.zones[0]?.line, 7);
  assert.deepEqual(zf.zones[2]?.cidrs.map(cidrToString), ['10.30.0.0/24', 'fd00:30::/64']);
  assert.deepEqual(zf.zones[1]?.vlans, [20]);
  assert.deepEqual(zf.zones[3]?.assetIps, ['10.10.1.99', '10.10.1.98']);
  assert.deepEqual(zf.zones[3]?.assetKeys, ['ip:10.10.1.98']);
  assert.deepEqual(zf.engineeringStations, ['10.10.2.20', 'mac:00:1b:1b:aa:bb:cc']);
  const [a, b] = zf.conduits;
  assert.equal(a?.ports, null);
  assert.equal(a?.bidirectional, false);
  assert.deepEqual(a?.protocols, ['modbus', 's7comm']);
  assert.deepEqual(b?.ports, [
    { from: 443, to: 443 },
    { from: 8000, to: 8010 },
  ]);
  assert.equal(b?.bidirectional, true);
  assert.equal(b?.operations, 'read');
});

test('YAML syntax errors carry their line', () => {
  const list = issues('zones:\n  - name: a\n    level: [1\n');
  assert.ok(list.length >= 1);
  assert.match(list[0]?.message ?? '', /^YAML: /);
  assert.ok((list[0]?.line ?? 0) >= 3);
  hasIssue(issues('zones:\n  - name: a\n  - name: a\n    level: 1\n    level: 2\n'), 5, /YAML: .*unique/i);
});

test('every kind of error, each at its line, all reported at once', () => {
  const bad = `version: 2
colour: red
zones:
  - name: cell 1
    level: 7
    criticality: extreme
    cidrs: [10.10.1.5/24, 300.1.1.0/24]
  - name: control
    level: 2
    criticality: high
    cidrs: [10.10.2.0/24]
    vlans: [20, 5000]
    assets: [not-an-ip]
    zone_tag: x
  - name: control
    level: 2
    criticality: high
    vlans: [20]
  - name: empty
    level: 3
    criticality: low
  - name: other
    level: 3
    criticality: low
    cidrs: [10.10.2.0/24]
    vlans: [20]
conduits:
  - from: control
    to: cel-1
    protocols: [modbsu, https]
    ports: [0, 5-3, 70000]
    operations: write
    bidirectional: maybe
  - from: control
    to: control
    protocols: [modbus]
    operations: read
  - name: x
    from: control
    operations: read
`;
  const list = issues(bad);
  hasIssue(list, 1, /version must be 1/);
  hasIssue(list, 2, /unknown key 'colour'/);
  hasIssue(list, 4, /a name is letters/);
  hasIssue(list, 5, /level must be a Purdue level: 0, 1, 2, 3, 3\.5, 4, 5.*'7'/);
  hasIssue(list, 6, /criticality must be one of low, medium, high, critical, not 'extreme'/);
  hasIssue(list, 7, /host bits set \(did you mean 10\.10\.1\.0\/24\?\)/);
  hasIssue(list, 7, /'300\.1\.1\.0\/24' is not an IPv4 or IPv6 network/);
  hasIssue(list, 12, /VLAN '5000' must be a number from 1 to 4094/);
  hasIssue(list, 13, /asset 'not-an-ip' is not an IP address/);
  hasIssue(list, 14, /unknown key 'zone_tag'/);
  hasIssue(list, 15, /zone 'control': defined twice \(first at line 8\)/);
  hasIssue(list, 26, /VLAN 20 is already in zone 'control'/);
  hasIssue(list, 19, /zone 'empty': give at least one of cidrs, vlans or assets/);
  hasIssue(list, 25, /10\.10\.2\.0\/24 is already in zone 'control'/);
  hasIssue(list, 29, /no zone named 'cel-1'/);
  hasIssue(list, 30, /unknown protocol 'modbsu' \(did you mean 'modbus'/);
  hasIssue(list, 30, /unknown protocol 'https' \(did you mean 'tls'/);
  hasIssue(list, 31, /'0' is not a port/);
  hasIssue(list, 31, /'5-3' is not a port/);
  hasIssue(list, 31, /'70000' is not a port/);
  hasIssue(list, 32, /operations must be one of read, read-write, programming, any, not 'write'/);
  hasIssue(list, 33, /bidirectional must be true or false/);
  hasIssue(list, 35, /from and to are the same zone/);
  hasIssue(list, 38, /'to' is missing/);
  hasIssue(list, 38, /'protocols' is missing/);
  const sorted = [...list].sort((a, b) => a.line - b.line || a.col - b.col);
  assert.deepEqual(list, sorted, 'issues come in file order');
});

test('the error message names the file, the line and how many more', () => {
  try {
    parseZoneFile('zones:\n  - name: a\n    level: 9\n    criticality: low\n    cidrs: [1.2.3.4/40]\n', 'plant.yaml');
    assert.fail('refused');
  } catch (e) {
    assert.ok(e instanceof ZoneFileError);
    assert.equal(
      e.message,
      "plant.yaml:3: zone 'a': level must be a Purdue level: 0, 1, 2, 3, 3.5, 4, 5 (3.5 is the DMZ), not '9' (and 1 more)",
    );
    assert.match(e.lines()[1] ?? '', /^plant\.yaml:5:\d+: zone 'a': '1\.2\.3\.4\/40': prefix length must be 0 to 32$/);
  }
});

test('empty, non-mapping and hostile files are refused with a clear message', () => {
  hasIssue(issues(''), 1, /empty/);
  hasIssue(issues('- a\n- b\n'), 1, /zone file must be a mapping/);
  hasIssue(issues('conduits: []\n'), 1, /'zones' is missing/);
  hasIssue(issues('zones: []\n'), 1, /non-empty list/);
  // Control characters in a key are shown defused.
  const list = issues(
    'zones:\n  - name: a\n    level: 1\n    criticality: low\n    cidrs: [10.0.0.0/8]\n    "\\u001b[31mevil": 1\n',
  );
  hasIssue(list, 6, /unknown key '\.\[31mevil'/);
  assert.ok(!list.some((i) => i.message.includes('\u001b')));
  assert.throws(() => parseZoneFile(`# ${'x'.repeat(1024 * 1024)}\nzones: []\n`, 'big.yaml'), /larger than/);
});

test('a single value is accepted where a list is expected, and YAML aliases are not', () => {
  const zf = parseZoneFile(
    'zones:\n  - name: a\n    level: 0\n    criticality: low\n    cidrs: 10.0.0.0/8\n',
    'z.yaml',
  );
  assert.deepEqual(zf.zones[0]?.cidrs.map(cidrToString), ['10.0.0.0/8']);
  assert.deepEqual(zf.conduits, []);
  const list = issues('x: &n [10.0.0.0/8]\nzones:\n  - name: a\n    level: 0\n    criticality: low\n    cidrs: *n\n');
  hasIssue(list, 1, /unknown key 'x'/);
  hasIssue(list, 6, /cidrs must be a list/);
});

test('the example in README.md is a valid zone file', (t) => {
  const readme = fileURLToPath(new URL('../../../src/policy/README.md', import.meta.url));
  if (!existsSync(readme)) return t.skip('README.md not next to the build');
  const m = /```yaml\n([\s\S]*?)```/.exec(readFileSync(readme, 'utf8'));
  assert.ok(m, 'README has a yaml example');
  const zf = parseZoneFile(m[1] as string, 'README.md');
  assert.equal(zf.zones.length, 4);
  assert.equal(zf.conduits[0]?.name, 'hmi-to-cell');
});
