import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AssetRecord, FactRecord, RoleRecord } from '../../inventory/model.js';
import { testAsset as asset, plantRow as row } from '../../testing/records.js';
import type { CheckContext, PlantAssetRow } from '../check.js';
import type { FindingDraft } from '../model.js';
import { plantDisagreementCheck, sameModel, sameVendor, sameVersion, versionNumbers } from './plant-disagreement.js';

function fact(field: string, value: string, protocol = 's7comm', precedence = 100): FactRecord {
  return { field, value, protocol, source: `${protocol}.field`, precedence, firstSeenUs: 10, lastSeenUs: 20, count: 3 };
}

function role(protocol: string, r: 'server' | 'client' = 'server'): RoleRecord {
  return { protocol, role: r, transport: 'tcp', port: 102, peers: 1, flows: 1, firstSeenUs: 1, lastSeenUs: 2 };
}

function run(assets: AssetRecord[], plantInventory: PlantAssetRow[]): FindingDraft[] {
  const ctx: CheckContext = {
    assets,
    links: [],
    credentials: [],
    anomalies: [],
    advisories: [],
    kev: new Map(),
    defaultCredentials: [],
    plantInventory,
    fingerprint: () => '',
    now: '2024-06-01T00:00:00Z',
  };
  return plantDisagreementCheck.run(ctx);
}

function rules(f: FindingDraft[]): string[] {
  return f.map((x) => `${x.ruleId} ${x.scope} ${x.severity}`);
}

const PLC_KEY = 'mac:00:1b:1b:01:02:03';
function s7plc(extra: FactRecord[] = []): AssetRecord {
  return asset(PLC_KEY, {
    ips: ['10.0.0.10'],
    roles: [role('s7comm')],
    classification: { role: 'plc', confidence: 0.9, reasons: [] },
    facts: [
      fact('vendor', 'Siemens AG', 'oui', 10),
      fact('vendor', 'Siemens'),
      fact('order_number', '6ES7 315-2EH14-0AB0'),
      fact('model', 'CPU 315-2 PN/DP'),
      fact('firmware', 'V3.2.6'),
      ...extra,
    ],
  });
}
const PLC_ROW = row({
  row: 2,
  name: 'PLC-1',
  ip: '10.0.0.10',
  vendor: 'SIEMENS',
  model: '6ES7315-2EH14-0AB0',
  firmware: '3.2.6',
});

describe('comparisons', () => {
  test('versions in vendor spellings', () => {
    assert.deepEqual(versionNumbers('V2.09.04'), [2, 9, 4]);
    assert.ok(sameVersion('V2.9.4', '2.9.4'));
    assert.ok(sameVersion('FW 2.09.04', 'v2.9.4'));
    assert.ok(sameVersion('4.003', 'Rev 4.3'));
    assert.ok(sameVersion('V2', '2.9.4'), 'a less precise spelling agrees');
    assert.ok(sameVersion('2.9.0', '2.9'));
    assert.ok(!sameVersion('V2.9.4', 'V2.9.5'));
    assert.ok(!sameVersion('20.11', '20.12'));
  });
  test('vendors and brands', () => {
    assert.ok(sameVendor('Siemens AG', 'SIEMENS'));
    assert.ok(sameVendor('Allen-Bradley', 'Rockwell Automation/Allen-Bradley'));
    assert.ok(sameVendor('Rockwell Automation', 'Allen Bradley'));
    assert.ok(sameVendor('Schneider Electric', 'Modicon'));
    assert.ok(!sameVendor('Siemens', 'Rockwell Automation'));
    assert.ok(!sameVendor('Phoenix Contact', 'WAGO Kontakttechnik GmbH'));
  });
  test('models', () => {
    assert.ok(sameModel('1756-ENBT', '1756-ENBT/A'));
    assert.ok(sameModel('6ES7315-2EH14-0AB0', '6ES7 315-2EH14-0AB0'));
    assert.ok(!sameModel('1756-EN2T', '1756-ENBT/A'));
    assert.ok(!sameModel('S7', 'S7-1500'), 'too short to count as contained');
  });
});

describe('plant disagreement check', () => {
  test('nothing without a plant inventory', () => {
    assert.deepEqual(run([s7plc()], []), []);
  });

  test('must not fire when the sheet and the wire agree (other spellings, OUI vendor ignored)', () => {
    assert.deepEqual(run([s7plc()], [PLC_ROW]), []);
    // The plant's own values overlaid as facts are not wire evidence.
    const overlaid = s7plc([fact('firmware', '9.9', 'plant-inventory', 90)]);
    assert.deepEqual(run([overlaid], [PLC_ROW]), []);
  });

  test('firmware mismatch: the wire older than the sheet is medium, with the protocol evidence and the row', () => {
    const f = run([s7plc()], [{ ...PLC_ROW, firmware: 'V3.3.1' }]);
    assert.deepEqual(rules(f), [`plant.firmware-mismatch ${PLC_KEY} medium`]);
    const [x] = f;
    assert.match(x?.title ?? '', /Firmware of 'PLC-1'|Firmware of 10\.0\.0\.10/);
    assert.match(x?.title ?? '', /V3\.2\.6 on the wire, V3\.3\.1 in the plant inventory/);
    assert.deepEqual(x?.assetKeys, [PLC_KEY]);
    assert.equal(x?.evidence[0]?.protocol, 's7comm');
    assert.equal(x?.evidence[0]?.source, 's7comm.field');
    assert.equal(x?.evidence[0]?.count, 3);
    assert.equal(x?.evidence.at(-1)?.source, 'plant inventory row 2');
    assert.ok(x?.references.some((r) => r.kind === 'iec62443' && r.id === 'SR 7.8'));
  });

  test('firmware mismatch: the wire newer than the sheet is low (the sheet is out of date)', () => {
    assert.deepEqual(rules(run([s7plc()], [{ ...PLC_ROW, firmware: '3.1' }])), [
      `plant.firmware-mismatch ${PLC_KEY} low`,
    ]);
  });

  test('firmware: one of several reported versions agreeing is enough; none reported is no finding', () => {
    const modules = s7plc([fact('firmware', 'V2.0.1', 'enip')]);
    assert.deepEqual(run([modules], [{ ...PLC_ROW, firmware: '2.0.1' }]), []);
    const silent = asset('ip:10.0.0.10', { ips: ['10.0.0.10'], roles: [role('s7comm')] });
    assert.deepEqual(run([silent], [{ ...PLC_ROW, firmware: '1.0' }]), []);
  });

  test('vendor mismatch from the device identity only, never from the OUI', () => {
    const f = run([s7plc()], [{ ...PLC_ROW, vendor: 'Rockwell Automation' }]);
    assert.deepEqual(rules(f), [`plant.vendor-mismatch ${PLC_KEY} low`]);
    const ouiOnly = asset(PLC_KEY, {
      ips: ['10.0.0.10'],
      roles: [role('s7comm')],
      facts: [fact('vendor', 'Hilscher', 'oui', 10)],
    });
    assert.deepEqual(run([ouiOnly], [{ ...PLC_ROW, vendor: 'Siemens' }]), []);
  });

  test('model mismatch; an order number is compared only with an order number', () => {
    const f = run([s7plc()], [{ ...PLC_ROW, model: '6ES7 317-2EK14-0AB0' }]);
    assert.deepEqual(rules(f), [`plant.model-mismatch ${PLC_KEY} low`]);
    assert.match(f[0]?.evidence[0]?.text ?? '', /order number '6ES7 315-2EH14-0AB0'/);
    assert.deepEqual(run([s7plc()], [{ ...PLC_ROW, model: 'CPU 315-2 PN/DP' }]), []);
    const noOrder = asset(PLC_KEY, {
      ips: ['10.0.0.10'],
      roles: [role('s7comm')],
      facts: [fact('model', 'CPU 315-2 PN/DP')],
    });
    assert.deepEqual(
      run([noOrder], [{ ...PLC_ROW, model: '6ES7 317-2EK14-0AB0' }]),
      [],
      'MLFB vs product name: no verdict',
    );
    const enip = asset('ip:10.0.2.5', {
      ips: ['10.0.2.5'],
      roles: [role('enip')],
      facts: [fact('product_name', '1756-ENBT/A', 'enip')],
    });
    assert.deepEqual(rules(run([enip], [row({ ip: '10.0.2.5', model: '1756-EN2T' })])), [
      'plant.model-mismatch ip:10.0.2.5 low',
    ]);
    assert.deepEqual(run([enip], [row({ ip: '10.0.2.5', model: '1756-ENBT' })]), []);
  });

  test('not seen: low on a monitored network, info when its network never appeared; none with no assets at all', () => {
    const f = run(
      [s7plc()],
      [
        PLC_ROW,
        row({ row: 3, name: 'Drive 7', ip: '10.0.0.77' }),
        row({ row: 4, name: 'RTU', ip: '10.9.9.9' }),
        row({ row: 5, name: 'Spare', serial: 'X1' }),
      ],
    );
    assert.deepEqual(rules(f), [
      'plant.not-seen ip:10.0.0.77 low',
      'plant.not-seen ip:10.9.9.9 info',
      'plant.not-seen serial:X1 low',
    ]);
    assert.equal(f[0]?.evidence[0]?.source, 'plant inventory row 3');
    assert.match(f[1]?.description ?? '', /10\.9\.9\.0\/24: .*not in the captures/);
    assert.deepEqual(run([], [PLC_ROW]), []);
  });

  test('a device seen after the import is matched again: no longer not-seen', () => {
    const stale = { ...PLC_ROW, assetKey: null };
    assert.deepEqual(run([s7plc()], [stale]), []);
  });

  test('not listed: one finding per OT asset, IT hosts grouped as info; public addresses left out', () => {
    const hmi = asset('ip:10.0.1.20', {
      ips: ['10.0.1.20'],
      classification: { role: 'hmi', confidence: 0.6, reasons: [] },
    });
    const modbusClient = asset('ip:10.0.1.30', { ips: ['10.0.1.30'], roles: [role('modbus', 'client')] });
    const ews = asset('ip:10.0.1.40', {
      ips: ['10.0.1.40'],
      classification: { role: 'engineering-workstation', confidence: 0.6, reasons: [] },
    });
    const pc = asset('ip:10.0.5.1', {
      ips: ['10.0.5.1'],
      classification: { role: 'it-host', confidence: 0.3, reasons: [] },
    });
    const sw = asset('mac:00:11:22:33:44:55', {
      classification: { role: 'network-device', confidence: 0.5, reasons: [] },
    });
    const web = asset('ip:93.184.216.34', { ips: ['93.184.216.34'] });
    const f = run([s7plc(), hmi, modbusClient, ews, pc, sw, web], [row({ name: 'Spare', ip: '10.0.0.10' })]);
    assert.deepEqual(rules(f), [
      'plant.not-listed ip:10.0.1.20 low',
      'plant.not-listed ip:10.0.1.30 low',
      'plant.not-listed ip:10.0.1.40 medium',
      'plant.not-listed it-hosts info',
    ]);
    assert.match(f[0]?.title ?? '', /^HMI 10\.0\.1\.20 is on the network but not in the plant inventory/);
    assert.match(f[1]?.description ?? '', /uses modbus/);
    assert.deepEqual(f[3]?.assetKeys, ['ip:10.0.5.1', 'mac:00:11:22:33:44:55']);
    const plcUnlisted = run([s7plc(), pc], [row({ name: 'PC', ip: '10.0.5.1' })]);
    assert.deepEqual(rules(plcUnlisted), [`plant.not-listed ${PLC_KEY} medium`]);
  });

  test('scopes are stable across imports (row numbers move), titles carry no control characters', () => {
    const a = run(
      [s7plc()],
      [{ ...PLC_ROW, row: 2, firmware: '1.0' }, row({ row: 3, ip: '10.0.0.99', name: 'x\u001b[2Jy' })],
    );
    const b = run(
      [s7plc()],
      [row({ row: 1, ip: '10.0.0.99', name: 'x\u001b[2Jy' }), { ...PLC_ROW, row: 7, firmware: '1.0' }],
    );
    assert.deepEqual(a.map((x) => `${x.ruleId} ${x.scope}`).sort(), b.map((x) => `${x.ruleId} ${x.scope}`).sort());
    for (const x of a) assert.doesNotMatch(x.title, /[\u0000-\u001f]/);
  });
});
