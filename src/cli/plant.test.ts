import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import type { Kysely } from 'kysely';
import type { AssetRecord, InventorySnapshot } from '../inventory/model.js';
import { KyselyPlantRepository } from '../store/kysely-plant-repository.js';
import { defaultDbPath, openStore } from '../store/open.js';
import type { PlantDatabase } from '../store/schema-plant.js';
import { captureOutput } from '../testing/capture-output.js';
import { registerPlantCommands } from './plant.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-plant-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const DB = join(dir, 'plant.db');

function asset(key: string, p: Partial<AssetRecord>): AssetRecord {
  return {
    key,
    mac: key.startsWith('mac:') ? key.slice(4) : null,
    ips: [],
    vlans: [],
    isRouter: false,
    firstSeenUs: 1_000_000,
    lastSeenUs: 2_000_000,
    packetsSent: 5,
    packetsReceived: 5,
    bytesSent: 600,
    bytesReceived: 600,
    facts: [],
    roles: [],
    classification: { role: 'unknown', confidence: 0, reasons: [] },
    ...p,
  };
}

const f = (field: string, value: string, protocol: string, precedence = 100) => ({
  field,
  value,
  protocol,
  source: `${protocol}.x`,
  precedence,
  firstSeenUs: 1_000_000,
  lastSeenUs: 2_000_000,
  count: 1,
});

before(async () => {
  const store = await openStore(DB);
  const snapshot: InventorySnapshot = {
    analysis: {
      id: 'an-1',
      source: 'plant.pcap',
      format: 'pcap',
      startedAt: '2024-05-01T10:00:00Z',
      finishedAt: '2024-05-01T10:00:09Z',
      packets: 10,
      bytes: 1000,
      firstPacketUs: 1_000_000,
      lastPacketUs: 2_000_000,
      summary: {},
    },
    assets: [
      asset('mac:00:1b:1b:01:02:03', {
        ips: ['10.0.0.10'],
        facts: [f('vendor', 'Siemens', 's7comm'), f('firmware', 'V3.2.6', 's7comm'), f('serial', 'S C-1', 's7comm')],
        classification: { role: 'plc', confidence: 0.9, reasons: [] },
      }),
      asset('ip:10.0.1.20', {
        ips: ['10.0.1.20'],
        facts: [f('hostname', 'hmi-north', 'dhcp', 50)],
        classification: { role: 'hmi', confidence: 0.5, reasons: [] },
      }),
      asset('mac:00:00:bc:01:02:03', {
        ips: ['10.0.2.5'],
        facts: [f('serial', '0x0012abcd', 'enip'), f('product_name', '1756-ENBT/A', 'enip')],
        classification: { role: 'plc', confidence: 0.8, reasons: [] },
      }),
    ],
    links: [],
    anomalies: [],
    credentials: [],
  };
  await store.mergeSnapshot(snapshot);
  await store.close();
});

/** A program shaped like main.ts: an `assets` command with its own --db/--json, then ours. */
function program(): Command {
  const p = new Command().exitOverride();
  p.command('assets')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .option('--json')
    .option('--csv')
    .action(() => {});
  registerPlantCommands(p);
  return p;
}

async function cli(...args: string[]): Promise<{ out: string; err: string; error: Error | null }> {
  const r = await captureOutput(() => program().parseAsync(['node', 'plantwarden', ...args]));
  return { out: r.out, err: r.err, error: r.error };
}

async function stored() {
  const store = await openStore(DB);
  try {
    return await new KyselyPlantRepository(store.db as unknown as Kysely<PlantDatabase>).listPlantInventory();
  } finally {
    await store.close();
  }
}

const SHEET = [
  'Asset list Hall 3;;;;;',
  'Device Name;IP Address;MAC address;FW;Serial No.;Zone',
  'PLC-1;10.0.0.10;00-1B-1B-01-02-03;3.2.6;;Cell 1',
  'HMI-North;;;;;Cell 1',
  'ENBT;;;;0012ABCD;Cell 2',
  'Drive 7;10.0.0.77;;;;Cell 1',
  'Broken;10.0.0.300;;;;',
].join('\r\n');

test('assets import: matches by MAC, name and serial, reports bad rows with their line, stores the rows', async () => {
  const file = join(dir, 'sheet.csv');
  writeFileSync(file, SHEET);
  const r = await cli('assets', 'import', file, '--db', DB);
  assert.equal(r.error, null, r.err);
  assert.match(r.err, /^plantwarden: sheet\.csv line 7: invalid IP address '10\.0\.0\.300'\n$/);
  assert.match(r.out, /'Device Name' -> name, 'IP Address' -> ip, 'MAC address' -> mac, 'FW' -> firmware/);
  assert.match(r.out, /note: line 2: header found here; 1 line\(s\) above it skipped/);
  assert.match(
    r.out,
    /Imported 4 rows \(1 bad row skipped\); 3 matched to observed assets \(1 by MAC, 1 by serial, 1 by name\), 1 not seen\./,
  );
  assert.match(r.out, /not seen: row 4 'Drive 7' 10\.0\.0\.77/);
  assert.match(r.out, /sheet\.csv sha256:[0-9a-f]{64}/);
  const rows = await stored();
  assert.deepEqual(
    rows.map((x) => [x.row, x.name, x.assetKey]),
    [
      [1, 'PLC-1', 'mac:00:1b:1b:01:02:03'],
      [2, 'HMI-North', 'ip:10.0.1.20'],
      [3, 'ENBT', 'mac:00:00:bc:01:02:03'],
      [4, 'Drive 7', null],
    ],
  );
});

test('assets export: CSV to a file and back gives the same plant rows; JSON to standard output', async () => {
  const csvOut = join(dir, 'export.csv');
  const e = await cli('assets', 'export', '--out', csvOut, '--db', DB);
  assert.equal(e.error, null, e.err);
  assert.match(e.out, /Wrote 4 rows \(csv\) to .*export\.csv/);
  const text = readFileSync(csvOut, 'utf8');
  const lines = text.trim().split('\r\n');
  assert.equal(
    lines[0],
    'name,ip,mac,vendor,model,firmware,serial,location,zone,criticality,owner,source_name,source_ip,source_mac,source_vendor,source_model,source_firmware,source_serial,source_location,source_zone,source_criticality,source_owner,asset_key,role',
  );
  assert.match(
    lines[1] ?? '',
    /^PLC-1,10\.0\.0\.10,00:1b:1b:01:02:03,Siemens,,3\.2\.6,S C-1,,Cell 1,,,plant-inventory,plant-inventory,plant-inventory,s7comm,,plant-inventory,s7comm,,plant-inventory,,,mac:00:1b:1b:01:02:03,plc$/,
  );
  assert.match(lines[2] ?? '', /^HMI-North,10\.0\.1\.20,,.*,plant-inventory,observed,/);
  assert.match(lines[3] ?? '', /^ENBT,10\.0\.2\.5,00:00:bc:01:02:03,,1756-ENBT\/A,,0012ABCD,.*,enip,/);
  assert.equal(lines.length, 5);

  const before = await stored();
  const again = await cli('assets', '--db', DB, 'import', csvOut);
  assert.equal(again.error, null, again.err);
  const after = await stored();
  // The plant's values come back unchanged; where it was silent the observed value fills in.
  assert.equal(after.length, before.length);
  for (const [i, b] of before.entries()) {
    for (const k of ['name', 'ip', 'mac', 'firmware', 'serial', 'zone', 'assetKey'] as const) {
      if (b[k] !== null) assert.equal(after[i]?.[k], b[k], `${k} row ${i + 1}`);
    }
  }
  assert.equal(after[1]?.ip, '10.0.1.20');
  assert.equal(after[2]?.mac, '00:00:bc:01:02:03');

  const j = await cli('assets', 'export', '--format', 'json', '--db', DB);
  assert.equal(j.error, null, j.err);
  const records = JSON.parse(j.out) as Record<string, string | null>[];
  assert.equal(records.length, 4);
  assert.equal(records[0]?.source_firmware, 'plant-inventory');
  assert.equal(records[3]?.name, 'Drive 7');
  assert.equal(records[3]?.asset_key, null);
});

test('import --json prints the result as JSON', async () => {
  const file = join(dir, 'small.json');
  writeFileSync(file, JSON.stringify([{ name: 'PLC-1', ip: '10.0.0.10' }]));
  const r = await cli('assets', 'import', file, '--json', '--db', DB);
  assert.equal(r.error, null, r.err);
  const s = JSON.parse(r.out) as { format: string; imported: number; matched: { ip: number } };
  assert.equal(s.format, 'json');
  assert.equal(s.imported, 1);
  assert.equal(s.matched.ip, 1);
});

test('failures are one clear line, and leave the stored inventory alone', async () => {
  const before = await stored();
  const missing = await cli('assets', 'import', join(dir, 'nope.csv'), '--db', DB);
  assert.match(missing.error?.message ?? '', /^cannot read '.*nope\.csv': no such file$/);

  const allBad = join(dir, 'bad.csv');
  writeFileSync(allBad, 'name,ip\nA,1.2.3\nB,x\n');
  const bad = await cli('assets', 'import', allBad, '--db', DB);
  assert.match(
    bad.error?.message ?? '',
    /^bad\.csv: no row could be imported \(2 bad rows\); the stored plant inventory is unchanged$/,
  );
  assert.match(bad.err, /bad\.csv line 2: invalid IP/);

  const strictFile = join(dir, 'strict.csv');
  writeFileSync(strictFile, 'name,ip\nA,10.0.0.1\nB,x\n');
  const strict = await cli('assets', 'import', strictFile, '--strict', '--db', DB);
  assert.match(strict.error?.message ?? '', /strict\.csv: 1 bad row and --strict: nothing imported/);

  const xlsx = join(dir, 'sheet.xlsx');
  writeFileSync(xlsx, Buffer.from([0x50, 0x4b, 3, 4, 1, 2, 3]));
  const x = await cli('assets', 'import', xlsx, '--db', DB);
  assert.match(x.error?.message ?? '', /sheet\.xlsx: .*save the sheet as CSV/);
  assert.equal(x.error?.message.includes('\n'), false);

  const fmt = await cli('assets', 'export', '--format', 'xml', '--db', DB);
  assert.match(fmt.error?.message ?? '', /expected 'csv' or 'json'/);
  const noDir = await cli('assets', 'export', '--out', join(dir, 'no', 'such', 'x.csv'), '--db', DB);
  assert.match(noDir.error?.message ?? '', /cannot write '.*x\.csv': directory does not exist/);

  assert.deepEqual(await stored(), before);
});

test('registers under a program without an `assets` command too', () => {
  const p = new Command();
  registerPlantCommands(p);
  const assets = p.commands.find((c) => c.name() === 'assets');
  assert.deepEqual(
    assets?.commands.map((c) => c.name()),
    ['import', 'export'],
  );
});
