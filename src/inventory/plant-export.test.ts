import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvRow } from '../cli/format.js';
import type { PlantAssetRow } from '../findings/check.js';
import { testAsset as asset } from '../testing/records.js';
import type { FactRecord } from './model.js';
import { buildPlantExport, PLANT_EXPORT_COLUMNS, plantExportRecord } from './plant-export.js';
import { parsePlantInventory } from './plant-import.js';

function fact(field: string, value: string, protocol: string, precedence: number): FactRecord {
  return { field, value, protocol, source: `${protocol}.x`, precedence, firstSeenUs: 1, lastSeenUs: 2, count: 1 };
}

const PLC = asset('mac:00:1b:1b:01:02:03', {
  ips: ['10.0.0.10'],
  classification: { role: 'plc', confidence: 0.9, reasons: [] },
  facts: [
    fact('vendor', 'Siemens AG', 'oui', 10),
    fact('vendor', 'Siemens', 's7comm', 100),
    fact('order_number', '6ES7 315-2EH14-0AB0', 's7comm', 100),
    fact('firmware', 'V3.2.6', 's7comm', 100),
    fact('firmware', '9.9', 'plant-inventory', 90),
    fact('serial', 'S C-X4U421302009', 's7comm', 100),
  ],
});
const PC = asset('mac:00:0c:29:aa:bb:cc', {
  ips: ['10.0.0.2'],
  classification: { role: 'it-host', confidence: 0.3, reasons: [] },
  facts: [fact('vendor', 'VMware, Inc.', 'oui', 10), fact('hostname', 'eng-pc', 'dhcp', 50)],
});
const HMI = asset('ip:10.0.1.20', {
  ips: ['10.0.1.20'],
  classification: { role: 'hmi', confidence: 0.5, reasons: [] },
});

const CSV = [
  'Device Name,IP Address,MAC,Manufacturer,Order No.,Firmware,Serial,Location,Zone,Criticality,Owner',
  'PLC-1,10.0.0.10,,,,3.2.6,,Hall 3,Cell 1,high,"Maintenance, line 1"',
  'HMI north,10.0.1.20,,Siemens,TP1200 Comfort,,,Hall 3,Cell 1,medium,=cmd|calc',
  'Spare drive,10.0.0.77,,ABB,ACS880,,,,,low,',
].join('\n');

function imported(): PlantAssetRow[] {
  const r = parsePlantInventory(CSV, 'p.csv');
  assert.deepEqual(r.errors, []);
  return r.rows;
}

describe('plant export', () => {
  test('plant rows first with the plant values, observed values where the sheet is silent, then unlisted assets', () => {
    const out = buildPlantExport([PC, HMI, PLC], imported());
    assert.deepEqual(
      out.map((r) => [r.values.name, r.assetKey, r.plantRow]),
      [
        ['PLC-1', PLC.key, 1],
        ['HMI north', HMI.key, 2],
        ['Spare drive', null, 3],
        ['eng-pc', PC.key, null],
      ],
    );
    const plc = out[0];
    assert.equal(plc?.values.firmware, '3.2.6');
    assert.equal(plc?.sources.firmware, 'plant-inventory');
    assert.equal(plc?.values.vendor, 'Siemens', 'the device answer beats the OUI');
    assert.equal(plc?.sources.vendor, 's7comm');
    assert.equal(plc?.values.model, '6ES7 315-2EH14-0AB0');
    assert.equal(plc?.values.mac, '00:1b:1b:01:02:03');
    assert.equal(plc?.sources.mac, 'observed');
    assert.equal(plc?.sources.serial, 's7comm');
    assert.equal(plc?.values.zone, 'Cell 1');
    const pc = out[3];
    assert.equal(pc?.sources.vendor, 'oui');
    assert.equal(pc?.sources.name, 'dhcp');
    assert.equal(pc?.values.zone, null);
    assert.equal(pc?.sources.zone, null);
    assert.equal(out[2]?.role, null);
  });

  test('an overlaid plant fact never passes for an observed value', () => {
    const [plc] = buildPlantExport([PLC], []);
    assert.equal(plc?.values.firmware, 'V3.2.6');
    assert.equal(plc?.sources.firmware, 's7comm');
  });

  test('round trip: the CSV export imports back to the same plant rows', () => {
    const rows = imported();
    const records = buildPlantExport([PC, HMI, PLC], rows).map(plantExportRecord);
    const csv = [
      csvRow([...PLANT_EXPORT_COLUMNS]),
      ...records.map((r) => csvRow(PLANT_EXPORT_COLUMNS.map((c) => r[c]))),
    ].join('\r\n');
    assert.match(csv, /'=cmd\|calc/, 'a formula-like value is protected in the CSV');
    const back = parsePlantInventory(csv, 'export.csv');
    assert.deepEqual(back.errors, []);
    assert.ok(back.warnings.some((w) => /columns ignored: 'source_name'.*'asset_key', 'role'/.test(w.message)));
    // The first three rows are the plant's, with the observed values filled in where it was silent.
    for (const [i, want] of rows.entries()) {
      const got = back.rows[i];
      for (const f of ['name', 'ip', 'firmware', 'location', 'zone', 'criticality', 'owner'] as const) {
        assert.equal(got?.[f], want[f], `${f} of row ${i + 1}`);
      }
    }
    assert.equal(back.rows[0]?.mac, '00:1b:1b:01:02:03');
    // Exporting the re-import gives the same values and sources again: a fixed point.
    const again = buildPlantExport([PC, HMI, PLC], back.rows.slice(0, 3)).map(plantExportRecord);
    assert.deepEqual(
      again.map((r) => PLANT_EXPORT_COLUMNS.filter((c) => !c.startsWith('source_')).map((c) => r[c])),
      records.map((r) => PLANT_EXPORT_COLUMNS.filter((c) => !c.startsWith('source_')).map((c) => r[c])),
    );
  });

  test('JSON records import back too', () => {
    const records = buildPlantExport([PLC], imported()).map(plantExportRecord);
    const back = parsePlantInventory(JSON.stringify(records), 'export.json');
    assert.deepEqual(back.errors, []);
    assert.deepEqual(
      back.rows.map((r) => r.name),
      ['PLC-1', 'HMI north', 'Spare drive'],
    );
    assert.equal(back.rows[0]?.owner, 'Maintenance, line 1');
  });
});
