import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testAsset as asset, plantRow as row } from '../testing/records.js';
import type { FactRecord } from './model.js';
import {
  matchHeader,
  matchPlantRows,
  normaliseIp,
  normaliseSerial,
  overlayPlantFacts,
  PLANT_PRECEDENCE,
  PlantFileError,
  parseCsv,
  parsePlantInventory,
  plantFacts,
} from './plant-import.js';

function fact(field: string, value: string, protocol = 's7comm', precedence = 100): FactRecord {
  return { field, value, protocol, source: `${protocol}.x`, precedence, firstSeenUs: 1, lastSeenUs: 2, count: 1 };
}

describe('header matching', () => {
  test('the spellings plants use', () => {
    const cases: [string, string | null][] = [
      ['IP Address', 'ip'],
      ['ip', 'ip'],
      ['IPv4', 'ip'],
      ['MAC address', 'mac'],
      ['MAC-Adresse', 'mac'],
      ['Order No.', 'model'],
      ['Model or order number', 'model'],
      ['MLFB', 'model'],
      ['FW', 'firmware'],
      ['Firmware version', 'firmware'],
      ['FW Rev.', 'firmware'],
      ['Serial No.', 'serial'],
      ['S/N', 'serial'],
      ['Device Name', 'name'],
      ['Hostname', 'name'],
      ['Manufacturer', 'vendor'],
      ['Vendor name', 'vendor'],
      ['Security Zone', 'zone'],
      ['Location', 'location'],
      ['Criticality', 'criticality'],
      ['Asset Owner', 'owner'],
      // by its words
      ['Controller MAC', 'mac'],
      ['PLC firmware rev', 'firmware'],
      ['deviceIp', 'ip'],
      ['  Serial Number (label)  ', 'serial'],
      // about something else
      ['source_ip', null],
      ['source_name', null],
      ['Firmware date', null],
      ['Gateway IP', null],
      ['asset_key', null],
      ['Notes', null],
      ['role', null],
      ['Sort order', null],
    ];
    for (const [h, f] of cases) assert.equal(matchHeader(h), f, h);
  });
});

describe('CSV', () => {
  test('RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    const recs = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\nlines"\nlast,,\n');
    assert.deepEqual(
      recs.map((r) => [r.cells, r.line]),
      [
        [['a', 'b', 'c'], 1],
        [['x, y', 'say "hi"', 'two\nlines'], 2],
        [['last', '', ''], 4],
      ],
    );
  });

  test('a file with loose headers, a title row, quoting and blank lines', () => {
    const csv = [
      'Plant Hall 3 - asset list,,,,,,',
      'Device Name,IP Address,MAC address,Manufacturer,Order No.,FW,Serial No.,Notes',
      'PLC-1,10.0.0.10,00-1B-1B-01-02-03,Siemens,6ES7 315-2EH14-0AB0,V3.2.6,S C-X4U421302009,"main line, cell 1"',
      ',,,,,,,',
      '"HMI ""north""",010.000.000.020,,Siemens,TP1200,15.1,,',
    ].join('\n');
    const r = parsePlantInventory(Buffer.from(csv), 'plant.csv');
    assert.equal(r.format, 'csv');
    assert.deepEqual(r.errors, []);
    assert.equal(r.rows.length, 2);
    assert.deepEqual(r.rows[0], {
      row: 1,
      name: 'PLC-1',
      ip: '10.0.0.10',
      mac: '00:1b:1b:01:02:03',
      vendor: 'Siemens',
      model: '6ES7 315-2EH14-0AB0',
      firmware: 'V3.2.6',
      serial: 'S C-X4U421302009',
      location: null,
      zone: null,
      criticality: null,
      owner: null,
      assetKey: null,
    });
    assert.equal(r.rows[1]?.name, 'HMI "north"');
    assert.equal(r.rows[1]?.ip, '10.0.0.20', 'leading zeros of a padded IPv4 are dropped');
    assert.equal(r.rows[1]?.row, 3, 'row numbers count records under the header, blank ones included');
    assert.ok(r.warnings.some((w) => w.place === 'line 2' && /1 line\(s\) above it skipped/.test(w.message)));
    assert.ok(r.warnings.some((w) => /columns ignored: 'Notes'/.test(w.message)));
  });

  test('semicolons, tabs, Excel sep= line, UTF-16 and Windows-1252 files', () => {
    const semi = parsePlantInventory('Name;IP;Firmware\nPLC-1;10.0.0.1;2,1\n', 's.csv');
    assert.equal(semi.rows[0]?.firmware, '2,1');
    const tab = parsePlantInventory('Name\tIP\nPLC-1\t10.0.0.1\n', 't.csv');
    assert.equal(tab.rows[0]?.ip, '10.0.0.1');
    const sep = parsePlantInventory('sep=|\nName|IP\nPLC-1|10.0.0.1\nPLC-2|zz\n', 'p.csv');
    assert.equal(sep.rows[0]?.name, 'PLC-1');
    assert.equal(sep.errors[0]?.place, 'line 4', 'line numbers count the sep= line');
    const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name\tIP\nPumpe Süd\t10.0.0.2\n', 'utf16le')]);
    assert.equal(parsePlantInventory(u16, 'u.txt').rows[0]?.name, 'Pumpe Süd');
    const cp1252 = Buffer.from([...Buffer.from('Name,Location\nPLC-1,Geb'), 0xe4, ...Buffer.from('ude 3\n')]);
    assert.equal(parsePlantInventory(cp1252, 'w.csv').rows[0]?.location, 'Gebäude 3');
  });

  test('bad rows are reported with their line and skipped; the rest imports', () => {
    const csv = [
      'name,ip,mac,firmware',
      'ok-1,10.0.0.1,,1.0',
      'bad-ip,10.0.0.256,,',
      'bad-mac,,zz:zz:zz:zz:zz:zz,',
      ',,,3.0',
      'shifted,10.0.0.5,,1,0,extra',
      `long,10.0.0.6,,${'x'.repeat(1001)}`,
      '"multi',
      'line",10.0.0.7,,',
      'ok-2,10.0.0.8,,',
      '"never closed,10.0.0.9',
    ].join('\n');
    const r = parsePlantInventory(csv, 'bad.csv');
    assert.deepEqual(
      r.rows.map((x) => x.name),
      ['ok-1', 'multi\nline', 'ok-2'],
    );
    assert.deepEqual(
      r.errors.map((e) => e.place),
      ['line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 11'],
    );
    assert.match(r.errors[0]?.message ?? '', /invalid IP address '10\.0\.0\.256'/);
    assert.match(r.errors[1]?.message ?? '', /invalid MAC address/);
    assert.match(r.errors[2]?.message ?? '', /nothing to identify the device by/);
    assert.match(r.errors[3]?.message ?? '', /6 values but the header has 4 columns .*quoted/);
    assert.match(r.errors[4]?.message ?? '', /1001 characters/);
    assert.match(r.errors[5]?.message ?? '', /never closed/);
  });

  test('"-", "n/a" and friends are empty; an apostrophe protecting a formula-like value is removed', () => {
    const r = parsePlantInventory("name,ip,firmware,owner\nPLC,10.0.0.1,n/a,'-ops\n", 'x.csv');
    assert.equal(r.rows[0]?.firmware, null);
    assert.equal(r.rows[0]?.owner, '-ops');
  });

  test('several columns for one field: the first non-empty wins', () => {
    const r = parsePlantInventory('Name,Model,Order No.\nA,,6ES7 315-2EH14-0AB0\nB,S7-315,6ES7\n', 'm.csv');
    assert.deepEqual(
      r.rows.map((x) => x.model),
      ['6ES7 315-2EH14-0AB0', 'S7-315'],
    );
  });

  test('files that are no inventory get one clear error naming the file', () => {
    assert.throws(
      () => parsePlantInventory('', 'e.csv'),
      (e: unknown) => e instanceof PlantFileError && /e\.csv: .*empty/.test(e.message),
    );
    assert.throws(
      () => parsePlantInventory('just,some,words\n1,2,3\n', 'w.csv'),
      /w\.csv: no header row .*'just', 'some', 'words'/,
    );
    assert.throws(
      () => parsePlantInventory(Buffer.from([0x50, 0x4b, 3, 4, 0, 0]), 'x.xlsx'),
      /x\.xlsx: .*Excel workbook.*save the sheet as CSV/,
    );
    assert.throws(() => parsePlantInventory('[{"ip": 1', 'j.json'), /j\.json: not valid JSON/);
    assert.throws(() => parsePlantInventory('{"devices": 3}', 'o.json'), /o\.json: expected a JSON array/);
    assert.throws(() => parsePlantInventory('name,ip\n\0\0', 'b.csv'), /binary data/);
    assert.throws(
      () => parsePlantInventory('\u001b[2J,x\n1,2\n', 'c.csv'),
      (e: unknown) => e instanceof Error && e.message.includes("'.[2J'") && !/[\u0000-\u001f]/.test(e.message),
    );
    const r = parsePlantInventory('name,ip\nA,\u001b[31mpwned\u0007\n', 'h.csv');
    assert.match(r.errors[0]?.message ?? '', /^invalid IP address '\.\[31mpwned\.'$/);
    assert.throws(
      () => parsePlantInventory('[{"ip": \u001b', 'j.json'),
      (e: unknown) => e instanceof Error && !/[\u0000-\u001f]/.test(e.message),
    );
  });
});

describe('JSON', () => {
  test('an array of objects with loose keys; bad items by JSON pointer', () => {
    const doc = [
      { 'Device Name': 'PLC-1', 'IP Address': '10.0.0.1', FW: 2.1, 'Serial No.': 12345, comment: 'x' },
      'not an object',
      { name: 'PLC-2', ip: { v: 1 } },
      { name: 'PLC-3', mac: '001b.1b01.0203', firmware: null },
      { name: 'PLC/4', ip: '10.0.0.999' },
    ];
    const r = parsePlantInventory(JSON.stringify(doc), 'p.json');
    assert.equal(r.format, 'json');
    assert.deepEqual(
      r.rows.map((x) => [x.row, x.name, x.ip, x.mac, x.firmware, x.serial]),
      [
        [1, 'PLC-1', '10.0.0.1', null, '2.1', '12345'],
        [4, 'PLC-3', null, '00:1b:1b:01:02:03', null, null],
      ],
    );
    assert.deepEqual(
      r.errors.map((e) => e.place),
      ['/1', '/2/ip', '/4'],
    );
    assert.match(r.errors[1]?.message ?? '', /expected text or a number, found object/);
    assert.ok(r.warnings.some((w) => /keys ignored: 'comment'/.test(w.message)));
  });

  test('{ "assets": [...] } is accepted, pointers include the key', () => {
    const r = parsePlantInventory('{"assets":[{"name":"A"},{"ip":"x"}]}', 'a.json');
    assert.equal(r.rows.length, 1);
    assert.equal(r.errors[0]?.place, '/assets/1');
  });
});

describe('matching', () => {
  const plc = asset('mac:00:1b:1b:01:02:03', {
    ips: ['10.0.0.10'],
    facts: [fact('serial', 'S C-X4U421302009'), fact('device_name', 'plc-1')],
  });
  const hmi = asset('ip:10.0.1.20', {
    ips: ['10.0.1.20'],
    facts: [fact('hostname', 'hmi-north.plant.local', 'dhcp', 50)],
  });
  const enip = asset('mac:00:00:bc:01:02:03', { ips: ['10.0.2.5'], facts: [fact('serial', '0x0012abcd', 'enip')] });
  const twins = [
    asset('ip:10.0.3.1', { ips: ['10.0.3.1'], facts: [fact('hostname', 'station', 'dns', 50)] }),
    asset('ip:10.0.3.2', { ips: ['10.0.3.2'], facts: [fact('hostname', 'station', 'dns', 50)] }),
  ];
  const assets = [plc, hmi, enip, ...twins];

  test('by MAC, then IP, then serial, then name (also the short host name)', () => {
    const m = matchPlantRows(
      [
        row({ row: 1, mac: '00:1b:1b:01:02:03', ip: '10.9.9.9' }),
        row({ row: 2, ip: '10.0.1.20' }),
        row({ row: 3, serial: 'SC-X4U421302009' }),
        row({ row: 4, serial: '0012ABCD' }),
        row({ row: 5, name: 'HMI-North' }),
        row({ row: 6, name: 'plc-1' }),
        row({ row: 7, name: 'nowhere', ip: '10.7.7.7' }),
      ],
      assets,
    );
    assert.deepEqual(
      m.map((x) => [x.row.row, x.by, x.row.assetKey]),
      [
        [1, 'mac', plc.key],
        [2, 'ip', hmi.key],
        [3, 'serial', plc.key],
        [4, 'serial', enip.key],
        [5, 'name', hmi.key],
        [6, 'name', plc.key],
        [7, null, null],
      ],
    );
  });

  test('precision: an IP now held by another MAC, a name several devices carry, a name at another IP', () => {
    const m = matchPlantRows(
      [
        row({ row: 1, mac: '00:1b:1b:99:99:99', ip: '10.0.0.10' }),
        row({ row: 2, name: 'station' }),
        row({ row: 3, name: 'plc-1', ip: '10.0.5.5' }),
      ],
      assets,
    );
    assert.deepEqual(
      m.map((x) => x.row.assetKey),
      [null, null, null],
    );
    assert.match(m[0]?.note ?? '', /another MAC/);
    assert.match(m[1]?.note ?? '', /carried by 2 devices/);
  });

  test('an IP on a router and on the device: the device', () => {
    const router = asset('mac:00:00:5e:00:01:01', { ips: ['10.0.0.1', '10.0.4.4'], isRouter: true, lastSeenUs: 9 });
    const dev = asset('ip:10.0.4.4', { ips: ['10.0.4.4'] });
    const [m] = matchPlantRows([row({ ip: '10.0.4.4' })], [router, dev]);
    assert.equal(m?.row.assetKey, dev.key);
  });

  test('normalisation helpers', () => {
    assert.equal(normaliseIp('192.168.001.010/24'), '192.168.1.10');
    assert.equal(normaliseIp('FE80:0:0:0::1'), 'fe80::1');
    assert.equal(normaliseIp('10.0.0'), null);
    assert.equal(normaliseSerial('0x0012abcd'), normaliseSerial('0012ABCD'));
  });
});

describe('plant values as facts', () => {
  test('precedence 90, protocol plant-inventory; an MLFB model is an order number', () => {
    const f = plantFacts(
      row({ row: 4, name: 'PLC-1', model: '6ES7 315-2EH14-0AB0', firmware: 'V3.2', zone: 'Cell 1' }),
    );
    assert.deepEqual(
      f.map((x) => [x.field, x.value, x.precedence, x.source]),
      [
        ['device_name', 'PLC-1', PLANT_PRECEDENCE, 'plant inventory row 4'],
        ['order_number', '6ES7 315-2EH14-0AB0', 90, 'plant inventory row 4'],
        ['firmware', 'V3.2', 90, 'plant inventory row 4'],
        ['zone', 'Cell 1', 90, 'plant inventory row 4'],
      ],
    );
  });

  test('overlay adds them to the matched asset only, leaving the input alone', () => {
    const a = asset('ip:10.0.0.1', { ips: ['10.0.0.1'], facts: [fact('firmware', '3.3')] });
    const b = asset('ip:10.0.0.2', { ips: ['10.0.0.2'] });
    const out = overlayPlantFacts([a, b], [row({ ip: '10.0.0.1', firmware: '3.2', owner: 'ops' })]);
    assert.equal(a.facts.length, 1);
    assert.deepEqual(
      out[0]?.facts.map((f) => `${f.field}=${f.value}@${f.precedence}`),
      ['firmware=3.3@100', 'firmware=3.2@90', 'owner=ops@90'],
    );
    assert.equal(out[1], b);
  });
});
