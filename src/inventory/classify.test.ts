import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestFact, classifyAssets } from './classify.js';
import type { AssetRecord, LinkRecord, RoleRecord } from './model.js';

function asset(key: string, roles: Partial<RoleRecord>[] = [], extra: Partial<AssetRecord> = {}): AssetRecord {
  return {
    key,
    mac: null,
    ips: [key.replace(/^ip:/, '')],
    vlans: [],
    isRouter: false,
    firstSeenUs: 1,
    lastSeenUs: 2,
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    facts: [],
    roles: roles.map((r) => ({
      protocol: 'modbus',
      role: 'server',
      transport: 'tcp',
      port: 502,
      peers: 1,
      flows: 1,
      firstSeenUs: 1,
      lastSeenUs: 2,
      ...r,
    })),
    classification: { role: 'unknown', confidence: 0, reasons: [] },
    ...extra,
  };
}

function link(client: string, server: string, protocol: string, ops: Record<string, number>): LinkRecord {
  return {
    clientKey: client,
    serverKey: server,
    protocol,
    transport: 'tcp',
    port: 502,
    flows: 1,
    packets: 10,
    bytes: 1000,
    firstSeenUs: 1,
    lastSeenUs: 2,
    ops,
  };
}

test('serving an industrial protocol makes a controller; programming it makes an engineering workstation', () => {
  const plc1 = asset('ip:10.0.0.1', [{ protocol: 'modbus', role: 'server' }]);
  const plc2 = asset('ip:10.0.0.2', [{ protocol: 's7comm', role: 'server', port: 102, peers: 2 }]);
  const hmi = asset('ip:10.0.0.10', [{ protocol: 'modbus', role: 'client' }]);
  const ews = asset('ip:10.0.0.11', [{ protocol: 's7comm', role: 'client', port: 102 }]);
  const links = [
    link(hmi.key, plc1.key, 'modbus', { 'read:READ_HOLDING_REGISTERS': 500, 'write:WRITE_SINGLE_REGISTER': 3 }),
    link(hmi.key, plc2.key, 's7comm', {}),
    link(ews.key, plc2.key, 's7comm', { 'program:DOWNLOAD_BLOCK': 4, 'read:READ_VAR': 10 }),
  ];
  const c = classifyAssets([plc1, plc2, hmi, ews], links);
  assert.equal(c.get(plc1.key)?.role, 'plc');
  assert.match(c.get(plc1.key)!.reasons[0]!, /serves Modbus\/TCP on tcp\/502 to 1 client$/);
  assert.equal(c.get(plc2.key)?.role, 'plc');
  assert.equal(c.get(hmi.key)?.role, 'hmi');
  assert.match(c.get(hmi.key)!.reasons.join(' '), /polls 2 controllers/);
  assert.equal(c.get(ews.key)?.role, 'engineering-workstation');
  assert.match(c.get(ews.key)!.reasons[0]!, /programming or mode-change operations \(4\)/);
});

test('a controller client that serves a historian database is a historian', () => {
  const plc = asset('ip:10.0.0.1', [{ protocol: 'modbus', role: 'server' }]);
  const hist = asset('ip:10.0.3.5', [
    { protocol: 'modbus', role: 'client' },
    { protocol: 'mssql', role: 'server', port: 1433, peers: 3 },
  ]);
  const c = classifyAssets([plc, hist], [link(hist.key, plc.key, 'modbus', { 'read:READ_INPUT_REGISTERS': 100 })]);
  assert.equal(c.get(hist.key)?.role, 'historian');
});

test('routers, switches, IT hosts and the unknown', () => {
  const router = asset('mac:00:00:00:00:00:01', [], { isRouter: true, ips: ['10.0.0.1'] });
  const sw = asset('mac:00:00:00:00:00:02', [{ protocol: 'stp', role: 'server', transport: 'l2', port: 0 }], {
    ips: [],
  });
  const pc = asset('ip:10.9.0.5', [
    { protocol: 'http', role: 'client', port: 80 },
    { protocol: 'dns', role: 'client', transport: 'udp', port: 53 },
  ]);
  const quiet = asset('ip:10.9.0.6');
  const c = classifyAssets([router, sw, pc, quiet], []);
  assert.equal(c.get(router.key)?.role, 'network-device');
  assert.equal(c.get(sw.key)?.role, 'network-device');
  assert.equal(c.get(pc.key)?.role, 'it-host');
  assert.equal(c.get(quiet.key)?.role, 'unknown');
  for (const v of c.values()) assert.ok(v.reasons.length > 0, 'every classification explains itself');
});

test('bestFact prefers precedence, then count', () => {
  const a = asset('ip:10.0.0.1', [], {
    facts: [
      {
        field: 'vendor',
        value: 'TELEMECANIQUE ELECTRIQUE',
        protocol: 'oui',
        source: 'ieee-oui',
        precedence: 10,
        firstSeenUs: 1,
        lastSeenUs: 1,
        count: 9,
      },
      {
        field: 'vendor',
        value: 'Schneider Electric',
        protocol: 'modbus',
        source: 'modbus.43/14.VendorName',
        precedence: 100,
        firstSeenUs: 1,
        lastSeenUs: 1,
        count: 1,
      },
    ],
  });
  assert.equal(bestFact(a, 'vendor'), 'Schneider Electric');
  assert.equal(bestFact(a, 'firmware'), null);
});

test('identity alone can tell a controller or a switch', () => {
  const fact = (field: string, value: string, protocol: string) => ({
    field,
    value,
    protocol,
    source: `${protocol}.x`,
    precedence: 100,
    firstSeenUs: 1,
    lastSeenUs: 1,
    count: 1,
  });
  const cip = asset('ip:10.0.0.1', [], { facts: [fact('device_type', 'Programmable Logic Controller', 'enip')] });
  const s7 = asset('ip:10.0.0.2', [], { facts: [fact('order_number', '6ES7 515-2AM01-0AB0', 's7comm')] });
  const sw = asset('mac:00:00:00:00:00:09', [], { facts: [fact('lldp_capabilities', 'bridge, router', 'lldp')] });
  const adapter = asset('ip:10.0.0.3', [], { facts: [fact('device_type', 'Communications Adapter', 'enip')] });
  const c = classifyAssets([cip, s7, sw, adapter], []);
  assert.equal(c.get(cip.key)?.role, 'plc');
  assert.match(c.get(cip.key)!.reasons[0]!, /Programmable Logic Controller/);
  assert.equal(c.get(s7.key)?.role, 'plc');
  assert.equal(c.get(sw.key)?.role, 'network-device');
  assert.notEqual(c.get(adapter.key)?.role, 'plc');
});

test('a host that writes to controllers without polling them is an engineering station; a Cisco box serving Telnet is a network device', () => {
  const plc1 = asset('ip:10.0.0.1', [{ protocol: 'modbus', role: 'server' }]);
  const plc2 = asset('ip:10.0.0.2', [{ protocol: 's7comm', role: 'server', port: 102 }]);
  const ews = asset('ip:10.0.0.60', [{ protocol: 'modbus', role: 'client' }]);
  const links = [
    link(ews.key, plc1.key, 'modbus', {
      'discovery:ENCAP_INTERFACE_TRANSPORT': 1,
      'write:WRITE_MULTIPLE_REGISTERS': 2,
      'read:READ_HOLDING_REGISTERS': 3,
    }),
    link(ews.key, plc2.key, 's7comm', { 'discovery:Read SZL': 1, 'read:Read Variable': 4 }),
  ];
  const vendorFact = {
    field: 'vendor',
    value: 'Cisco Systems, Inc',
    protocol: 'oui',
    source: 'ieee-oui',
    precedence: 10,
    firstSeenUs: 1,
    lastSeenUs: 1,
    count: 1,
  };
  const sw = asset('mac:10:57:25:c0:00:01', [{ protocol: 'telnet', role: 'server', port: 23 }], {
    facts: [vendorFact],
  });
  const c = classifyAssets([plc1, plc2, ews, sw], links);
  assert.equal(c.get(ews.key)?.role, 'engineering-workstation');
  assert.match(c.get(ews.key)!.reasons[0]!, /without polling them/);
  assert.equal(c.get(sw.key)?.role, 'network-device');
});
