import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import { smallPlant } from '../policy/testkit.js';
import { openStore } from '../store/open.js';
import { captureOutput } from '../testing/capture-output.js';
import { registerZonesCommands } from './zones.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-zones-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'plant.db');

before(async () => {
  const store = await openStore(db);
  const { assets, links } = smallPlant();
  await store.mergeSnapshot({
    analysis: {
      id: 'zones-test',
      source: 'test',
      format: 'pcap',
      startedAt: '2024-03-01T08:00:00Z',
      finishedAt: '2024-03-01T09:00:00Z',
      packets: 1,
      bytes: 1,
      firstPacketUs: 0,
      lastPacketUs: 0,
      summary: {},
    },
    assets,
    links,
    anomalies: [],
    credentials: [],
  });
  await store.close();
});

/** Run the commands in-process, capturing standard output and error. */
async function cli(...args: string[]): Promise<{ ok: boolean; out: string; err: string; error: string }> {
  const said: string[] = [];
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeErr: (s) => said.push(s), writeOut: (s) => said.push(s) });
  registerZonesCommands(program);
  const r = await captureOutput(() => program.parseAsync(['node', 'plantwarden', ...args]));
  return { ok: r.error === null, out: r.out, err: r.err + said.join(''), error: r.error?.message ?? '' };
}

test('zones suggest drafts a file that zones check accepts, and zones show places the assets', async () => {
  const draft = join(dir, 'draft.yaml');
  const s = await cli('zones', 'suggest', '--db', db, '--out', draft);
  assert.ok(s.ok, s.error);
  assert.match(s.err, /Draft zone file \(4 zones, 5 conduits\) written to/);
  assert.match(readFileSync(draft, 'utf8'), /^# plantwarden zone file: DRAFT/);

  const c = await cli('zones', 'check', draft);
  assert.ok(c.ok, c.error);
  assert.match(c.out, /draft\.yaml: valid, 4 zones, 5 conduits, 1 engineering stations/);
  assert.match(c.out, /vlan-20 +2 +high +10\.10\.2\.0\/24 +20/);
  assert.match(c.out, /vlan-20 +net-10-10-1 +s7comm +102 +programming +one-way/);
  const j = await cli('zones', 'check', draft, '--json');
  assert.equal(JSON.parse(j.out).zones.length, 4);

  const show = await cli('zones', 'show', '--zones', draft, '--db', db);
  assert.ok(show.ok, show.error);
  assert.match(show.out, /Zone net-10-10-1 \(level 1, critical\): 2 assets/);
  assert.match(show.out, /Zone vlan-20 \(level 2, high\): 2 assets/);
  assert.match(show.out, /In no zone: 1 assets/);
  assert.match(show.out, /Routers \(between zones\): 1/);
  const sj = JSON.parse((await cli('zones', 'show', '--zones', draft, '--db', db, '--json')).out);
  assert.equal(sj.find((z: { zone: string }) => z.zone === 'vlan-20').assets[0].matchedBy, 'vlan');
});

test('zones check lists every error with file:line:col and fails with one line', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'zones:\n  - name: a\n    level: 9\n    criticality: low\n    cidrs: [10.0.0.1/8]\n');
  const r = await cli('zones', 'check', bad);
  assert.equal(r.ok, false);
  assert.match(r.error, /^zone file '.*bad\.yaml' has 2 errors; nothing was loaded$/);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? '', /bad\.yaml:3:12: zone 'a': level must be a Purdue level/);
  assert.match(
    lines[1] ?? '',
    /bad\.yaml:5:13: zone 'a': '10\.0\.0\.1\/8' has host bits set \(did you mean 10\.0\.0\.0\/8\?\)/,
  );
  const missing = await cli('zones', 'check', join(dir, 'none.yaml'));
  assert.match(missing.error, /cannot read '.*none\.yaml': no such file/);
});

test('policy export writes each format with evidence from the store', async () => {
  const zones = join(dir, 'zones.yaml');
  writeFileSync(
    zones,
    `zones:
  - {name: cell, level: 1, criticality: critical, cidrs: [10.10.1.0/24]}
  - {name: control, level: 2, criticality: high, cidrs: [10.10.2.0/24]}
conduits:
  - {name: hmi, from: control, to: cell, protocols: [modbus], operations: read-write}
`,
  );
  const nft = await cli('policy', 'export', '--zones', zones, '--format', 'nftables', '--db', db);
  assert.ok(nft.ok, nft.error);
  assert.match(nft.out, /# {3}evidence: HMI-1 \(10\.10\.2\.5\) -> PLC-1 \(10\.10\.1\.10\) modbus tcp\/502: 3 flows/);
  assert.match(
    nft.out,
    /ip saddr @z_control_v4 ip daddr @z_cell_v4 tcp dport 502 counter accept comment "conduit hmi"/,
  );
  const out = join(dir, 'rules.v4');
  const ipt = await cli('policy', 'export', '--zones', zones, '--format', 'iptables', '--db', db, '--out', out);
  assert.ok(ipt.ok, ipt.error);
  assert.match(readFileSync(out, 'utf8'), /-A PLANTWARDEN -s 10\.10\.2\.0\/24 -d 10\.10\.1\.0\/24 -p tcp --dport 502 /);
  const csv = await cli('policy', 'export', '--zones', zones, '--format', 'csv', '--db', db);
  assert.match(csv.out, /^conduit,direction,/);
  assert.match(csv.out, /\nhmi,forward,control,cell,10\.10\.2\.0\/24,10\.10\.1\.0\/24,modbus,tcp,502,read-write,6,/);
  // No database: rules without evidence, and a note.
  const bare = await cli('policy', 'export', '--zones', zones, '--format', 'nftables', '--db', join(dir, 'absent.db'));
  assert.ok(bare.ok, bare.error);
  assert.match(bare.err, /no database at .*: the rules carry no observed evidence/);
  assert.match(bare.out, /evidence: none observed/);
  const wrong = await cli('policy', 'export', '--zones', zones, '--format', 'pf');
  assert.equal(wrong.ok, false);
  assert.match(wrong.err, /expected one of nftables, iptables, csv/);
});
