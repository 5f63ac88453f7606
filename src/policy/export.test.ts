import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { conduitEvidence, exportPolicy, zoneAddresses } from './export.js';
import { cidrToString } from './net.js';
import { policyFromText } from './policy.js';
import { smallPlant } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ZONES = `engineering_stations: [10.10.2.20]
zones:
  - name: cell-1
    level: 1
    criticality: critical
    cidrs: [10.10.1.0/24]
  - name: control
    level: 2
    criticality: high
    vlans: [20]
  - name: hist
    level: 3
    criticality: medium
    cidrs: [10.20.0.0/24]
  - name: it
    level: 4
    criticality: low
    cidrs: [10.0.0.0/8, fd00:50::/64]
  - name: safety
    level: 0
    criticality: critical
    assets: [10.10.1.11]
conduits:
  - name: hmi-to-cell
    from: control
    to: cell-1
    protocols: [modbus]
    operations: read-write
  - name: eng
    from: control
    to: cell-1
    protocols: [s7comm, profinet]
    operations: programming
  - name: hist-read
    from: hist
    to: control
    protocols: [opcua]
    operations: read
    bidirectional: true
  - name: it-web
    from: it
    to: hist
    protocols: [http, icmp]
    operations: read
  - name: it-web-alt
    from: it
    to: hist
    protocols: [http]
    ports: [8080, 8443, 9000-9010]
    operations: read
`;

function input() {
  const { assets, links } = smallPlant();
  return { policy: policyFromText(ZONES, 'plant-zones.yaml'), assets, links };
}

test('zone addresses follow zoneOf precedence: tags and VLAN members carved out of CIDRs', () => {
  const { policy, assets } = input();
  const a = zoneAddresses(policy, assets);
  assert.deepEqual(a.get('safety')?.v4.map(cidrToString), ['10.10.1.11/32']);
  assert.deepEqual(a.get('control')?.v4.map(cidrToString), ['10.10.2.5/32', '10.10.2.20/32']);
  const cell = a.get('cell-1')?.v4.map(cidrToString) ?? [];
  assert.deepEqual(cell, [
    '10.10.1.0/29',
    '10.10.1.8/31',
    '10.10.1.10/32',
    '10.10.1.12/30',
    '10.10.1.16/28',
    '10.10.1.32/27',
    '10.10.1.64/26',
    '10.10.1.128/25',
  ]);
  const it = a.get('it')?.v4.map(cidrToString) ?? [];
  assert.ok(it.includes('10.0.0.0/13'));
  assert.ok(
    !it.some((c) => c.startsWith('10.10.1.') || c.startsWith('10.20.0.')),
    'more specific zones are carved out',
  );
  assert.ok(it.includes('10.10.2.4/32') && it.includes('10.10.2.6/31'), 'VLAN members are carved out');
  assert.deepEqual(a.get('it')?.v6.map(cidrToString), ['fd00:50::/64']);
  // Every zoned address is in exactly one zone.
  for (const ip of ['10.10.1.11', '10.10.2.5', '10.10.1.200', '10.99.0.1']) {
    const owners = [...a].filter(([, z]) =>
      z.v4.some((c) => {
        const n = ip.split('.').reduce((x, o) => x * 256n + BigInt(o), 0n);
        return n >= c.net && n < c.net + (1n << BigInt(32 - c.bits));
      }),
    );
    assert.equal(owners.length, 1, ip);
  }
  // Without an inventory a VLAN-only zone has no address.
  assert.deepEqual(zoneAddresses(policy).get('control')?.v4, []);
});

test('evidence: observed links by conduit, and links no conduit allows', () => {
  const { policy, assets, links } = input();
  const ev = conduitEvidence(policy, assets, links);
  assert.equal(ev.byConduit.get('hmi-to-cell')?.[0]?.client, 'HMI-1 (10.10.2.5)');
  assert.equal(ev.byConduit.get('eng')?.[0]?.protocol, 's7comm');
  assert.equal(ev.byConduit.get('hist-read')?.[0]?.reverse, false);
  assert.equal(ev.byConduit.get('it-web')?.length, 1);
  assert.deepEqual(ev.unallowed.map((e) => `${e.from}>${e.to}:${e.protocol}/${e.port}`).sort(), [
    'cell-1>safety:enip/44818',
    'control>safety:modbus/502',
    'it>cell-1:tcp/8000',
  ]);
});

test('nftables: zone sets, one accept per conduit and direction with evidence, final drop', () => {
  const text = exportPolicy('nftables', input());
  assert.match(text, /^#!\/usr\/sbin\/nft -f\n/);
  assert.match(text, /table inet plantwarden\ndelete table inet plantwarden\n\ntable inet plantwarden \{/);
  assert.match(
    text,
    /set z_safety_v4 \{\n {4}type ipv4_addr\n {4}flags interval\n {4}elements = \{ 10\.10\.1\.11\/32 \}/,
  );
  assert.match(text, /set z_it_v6 \{\n {4}type ipv6_addr/);
  assert.match(
    text,
    /# conduit 'hmi-to-cell' \(line 24\): control -> cell-1, modbus, operations read-write\n {4}# {3}evidence: HMI-1 \(10\.10\.2\.5\) -> PLC-1 \(10\.10\.1\.10\) modbus tcp\/502: 3 flows, 2024-03-01T08:00:00Z to 2024-03-01T09:00:00Z\n {4}ip saddr @z_control_v4 ip daddr @z_cell_1_v4 tcp dport 502 counter accept comment "conduit hmi-to-cell"/,
  );
  assert.match(text, /# profinet runs below IP: a firewall between zones cannot see it/);
  assert.match(
    text,
    /# conduit 'hist-read' \(line 34\): control -> hist, opcua/,
    'the reverse direction of a bidirectional conduit',
  );
  assert.match(text, /ip saddr @z_hist_v4 ip daddr @z_control_v4 tcp dport 4840 counter accept/);
  assert.match(text, /ip saddr @z_control_v4 ip daddr @z_hist_v4 tcp dport 4840 counter accept/);
  assert.match(
    text,
    /ip saddr @z_it_v4 ip daddr @z_hist_v4 tcp dport \{ 80, 8080 \} counter accept comment "conduit it-web"/,
  );
  assert.match(text, /ip saddr @z_it_v4 ip daddr @z_hist_v4 meta l4proto \{ icmp, ipv6-icmp \} counter accept/);
  assert.match(text, /tcp dport \{ 8080, 8443, 9000-9010 \} counter accept comment "conduit it-web-alt"/);
  assert.match(text, /# {3}it -> cell-1: 10\.50\.0\.8 -> PLC-1 \(10\.10\.1\.10\) tcp tcp\/8000, 3 flows/);
  assert.match(text, /ip saddr @z_cell_1_v4 ip daddr @z_cell_1_v4 accept/);
  assert.match(
    text,
    /ip saddr @zoned_v4 ip daddr @zoned_v4 counter drop comment "inter-zone traffic without a conduit"\n {4}ip6 saddr @zoned_v6 ip6 daddr @zoned_v6 counter drop/,
  );
  // A device name with a newline stays inside its comment.
  assert.doesNotMatch(text, /^# injected/m);
  assert.ok(text.indexOf('counter drop') > text.lastIndexOf('counter accept'), 'the drop comes last');
  const nft = spawnSync('nft', ['--version']);
  if (nft.error === undefined && nft.status === 0) {
    const file = join(dir, 'policy.nft');
    writeFileSync(file, text);
    const r = spawnSync('nft', ['-c', '-f', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('iptables: FORWARD allow-list in a chain, per-CIDR rules, IPv6 left to nftables', () => {
  const text = exportPolicy('iptables', input());
  assert.match(
    text,
    /\*filter\n:PLANTWARDEN - \[0:0\]\n-A PLANTWARDEN -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n/,
  );
  assert.match(
    text,
    /-A PLANTWARDEN -s 10\.10\.2\.5\/32 -d 10\.10\.1\.0\/29 -p tcp --dport 502 -m comment --comment "conduit hmi-to-cell" -j ACCEPT/,
  );
  assert.match(
    text,
    /-A PLANTWARDEN -s 10\.0\.0\.0\/13 -d 10\.20\.0\.0\/24 -p tcp -m multiport --dports 80,8080 -m comment --comment "conduit it-web" -j ACCEPT/,
  );
  assert.match(text, /-p tcp -m multiport --dports 8080,8443,9000:9010 /);
  assert.match(text, /-A PLANTWARDEN -s 10\.20\.0\.0\/24 -d 10\.10\.2\.20\/32 -p tcp --dport 4840 .* -j ACCEPT/);
  assert.match(text, /-A PLANTWARDEN -s 10\.10\.1\.11\/32 -d 10\.10\.1\.11\/32 -j ACCEPT/);
  assert.match(
    text,
    /-A PLANTWARDEN -s 10\.10\.2\.5\/32 -d 10\.10\.1\.11\/32 -m comment --comment "no conduit control to safety" -j DROP/,
  );
  assert.match(text, /# IPv6 addresses of zones it are not covered here: use the nftables export/);
  assert.match(text, /-A PLANTWARDEN -j RETURN\nCOMMIT\n$/);
  for (const line of text.split('\n'))
    assert.ok(line === '' || /^(#|\*filter|:PLANTWARDEN|-A PLANTWARDEN |COMMIT)/.test(line), line);
});

test('csv: one row per allowed flow with its evidence', () => {
  const text = exportPolicy('csv', input());
  const rows = text.trim().split('\n');
  assert.equal(
    rows[0],
    'conduit,direction,from_zone,to_zone,source,destination,protocol,transport,ports,operations,observed_flows,first_seen,last_seen,observed_assets,zone_file_line',
  );
  assert.ok(
    rows.includes(
      'hmi-to-cell,forward,control,cell-1,10.10.2.5/32,10.10.1.10/32,modbus,tcp,502,read-write,3,2024-03-01T08:00:00Z,2024-03-01T09:00:00Z,HMI-1 (10.10.2.5) -> PLC-1 (10.10.1.10),24',
    ),
    rows.filter((r) => r.startsWith('hmi-to-cell')).join('\n'),
  );
  assert.ok(
    rows.includes('hmi-to-cell,forward,control,cell-1,10.10.2.5/32,10.10.1.0/29,modbus,tcp,502,read-write,0,,,,24'),
  );
  assert.ok(
    rows.some((r) => r.startsWith('hist-read,reverse,control,hist,10.10.2.5/32,10.20.0.0/24,opcua,tcp,4840,read,0')),
  );
  assert.ok(rows.some((r) => r.startsWith('it-web,forward,it,hist,fd00:50::/64') === false));
  assert.ok(rows.some((r) => /^it-web,forward,it,hist,10\.0\.0\.0\/13,10\.20\.0\.0\/24,icmp,icmp,any,read/.test(r)));
  // Without an inventory: no evidence, VLAN-only zones have no rows.
  const bare = exportPolicy('csv', { policy: input().policy });
  assert.ok(!bare.includes('hmi-to-cell'));
  assert.ok(bare.includes('it-web,forward,it,hist'));
});
