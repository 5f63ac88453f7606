/** Fixtures shared by the policy tests. */
import type { AssetRecord, AssetRole, LinkRecord } from '../inventory/model.js';

/** A valid zone file: four zones (one a DMZ with IPv6), two conduits (one bidirectional). */
export const GOOD = `# a small plant
version: 1
engineering_stations:
  - 10.10.2.20
  - mac:00-1B-1B-AA-BB-CC
zones:
  - name: cell-1
    description: line 1 controllers
    level: 1
    criticality: critical
    cidrs: [10.10.1.0/24]
  - name: control
    level: 2
    criticality: high
    cidrs: [10.10.2.0/24]
    vlans: [20]
  - name: dmz
    level: 3.5
    criticality: medium
    cidrs: [10.30.0.0/24, fd00:30::/64]
  - name: it
    level: 4
    criticality: low
    cidrs: [10.0.0.0/8]
    assets: [10.10.1.99, ip:10.10.1.98]
conduits:
  - name: hmi-to-cell
    from: control
    to: cell-1
    protocols: [modbus, s7comm]
    operations: read-write
  - name: it-to-dmz
    from: it
    to: dmz
    protocols: [tls, http]
    ports: [443, 8000-8010]
    operations: read
    bidirectional: true
`;

const T0 = Date.UTC(2024, 2, 1, 8, 0, 0) * 1000;

/** A stored asset with the fields the policy code reads. */
export function asset(
  key: string,
  ips: string[],
  role: AssetRole,
  opts: { vlans?: number[]; name?: string; router?: boolean } = {},
): AssetRecord {
  return {
    key,
    mac: key.startsWith('mac:') ? key.slice(4) : null,
    ips,
    vlans: opts.vlans ?? [],
    isRouter: opts.router ?? false,
    firstSeenUs: T0,
    lastSeenUs: T0 + 3_600_000_000,
    packetsSent: 10,
    packetsReceived: 10,
    bytesSent: 1000,
    bytesReceived: 1000,
    facts: opts.name
      ? [
          {
            field: 'device_name',
            value: opts.name,
            protocol: 'test',
            source: 'test',
            precedence: 100,
            firstSeenUs: T0,
            lastSeenUs: T0,
            count: 1,
          },
        ]
      : [],
    roles: [],
    classification: { role, confidence: 0.9, reasons: [] },
  };
}

/** A stored link; `ops` as the pipeline keys them ('write:WRITE_SINGLE_REGISTER' -> n). */
export function link(
  clientKey: string,
  serverKey: string,
  protocol: string,
  port: number,
  opts: { ops?: Record<string, number>; flows?: number; transport?: LinkRecord['transport'] } = {},
): LinkRecord {
  return {
    clientKey,
    serverKey,
    protocol,
    transport: opts.transport ?? 'tcp',
    port,
    flows: opts.flows ?? 3,
    packets: 100,
    bytes: 10_000,
    firstSeenUs: T0,
    lastSeenUs: T0 + 3_600_000_000,
    ops: opts.ops ?? {},
  };
}

/**
 * A small plant: controllers on 10.10.1.0/24, HMI and engineering workstation on VLAN 20
 * (10.10.2.0/24), a historian on 10.20.0.0/24, an IT host on 10.50.0.0/24, a router, a public
 * peer. The HMI reads and writes Modbus, the EWS programs over S7, the historian reads OPC UA,
 * the IT host browses the historian and (a violation) reaches a PLC.
 */
export function smallPlant(): { assets: AssetRecord[]; links: LinkRecord[] } {
  const assets = [
    asset('mac:00:1b:1b:00:00:01', ['10.10.1.10'], 'plc', { name: 'PLC-1' }),
    asset('mac:00:1b:1b:00:00:02', ['10.10.1.11'], 'plc', { name: 'PLC-2\n# injected: true' }),
    asset('mac:00:0c:29:00:00:10', ['10.10.2.5'], 'hmi', { vlans: [20], name: 'HMI-1' }),
    asset('mac:00:0c:29:00:00:11', ['10.10.2.20'], 'engineering-workstation', { vlans: [20], name: 'EWS' }),
    asset('mac:00:0c:29:00:00:20', ['10.20.0.5'], 'historian'),
    asset('mac:00:0c:29:00:00:30', ['10.50.0.8'], 'it-host'),
    asset(
      'mac:00:0c:29:00:00:99',
      ['10.10.1.1', '10.10.2.1', '10.20.0.1', '10.50.0.1', '10.60.0.1'],
      'network-device',
      { router: true },
    ),
    asset('ip:203.0.113.7', ['203.0.113.7'], 'unknown'),
  ];
  const plc1 = 'mac:00:1b:1b:00:00:01';
  const plc2 = 'mac:00:1b:1b:00:00:02';
  const links = [
    link('mac:00:0c:29:00:00:10', plc1, 'modbus', 502, {
      ops: { 'read:READ_HOLDING_REGISTERS': 500, 'write:WRITE_SINGLE_REGISTER': 4 },
    }),
    link('mac:00:0c:29:00:00:10', plc2, 'modbus', 502, { ops: { 'read:READ_HOLDING_REGISTERS': 300 } }),
    link('mac:00:0c:29:00:00:11', plc1, 's7comm', 102, { ops: { 'program:Download block': 2, 'read:Read Var': 40 } }),
    link('mac:00:0c:29:00:00:20', 'mac:00:0c:29:00:00:10', 'opcua', 4840, { ops: { 'read:Read': 90 } }),
    link('mac:00:0c:29:00:00:30', 'mac:00:0c:29:00:00:20', 'http', 80),
    link('mac:00:0c:29:00:00:30', plc1, 'tcp/8000', 8000),
    link('mac:00:0c:29:00:00:20', 'ip:203.0.113.7', 'tls', 443),
    link(plc1, plc2, 'enip', 44818),
  ];
  return { assets, links };
}
