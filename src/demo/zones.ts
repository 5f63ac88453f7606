import { writeFileSync } from 'node:fs';
import { MGMT_VLAN, plantDevices } from './plant.js';

/**
 * The demo plant's zone file (YAML, the format of src/policy/README.md): the zones along the
 * Purdue levels and the conduits its normal traffic needs, so that day 2's behaviour problems
 * (`plantedBehaviours`) stand out as violations while day 1's normal traffic raises none.
 *
 *   zones:                       name, description, level (Purdue 0-5), criticality, cidrs
 *     cell-controllers  L1       the PLCs and the remote I/O (host /32s inside VLAN 10)
 *     cell-supervisory  L2       the rest of VLAN 10: HMI, engineering station, building controller
 *     site-operations   L3       VLAN 30: historian, domain controller/DNS, NTP
 *     network-management L3      VLAN 99: the switches' management addresses
 *     office-it         L4       VLAN 100: office PCs and the intranet server
 *   engineering_stations         the engineering workstation
 *   conduits:                    name, description, from, to, protocols, ports, operations
 *
 * Zones are given by CIDR only: the cell VLAN holds two levels, and the policy picks the most
 * specific CIDR (a VLAN would take precedence over the controllers' /32s).
 */

/** One zone as the file states it. */
export interface DemoZone {
  name: string;
  level: number;
  criticality: 'low' | 'medium' | 'high' | 'critical';
  cidrs: string[];
  why: string;
}

/** One conduit as the file states it. */
export interface DemoConduit {
  name: string;
  from: string;
  to: string;
  protocols: string[];
  ports: number[];
  operations: 'read' | 'read-write' | 'programming' | 'any';
  why: string;
}

const ip = (name: string): string => {
  const d = plantDevices.find((x) => x.name === name);
  if (!d) throw new Error(`unknown demo device ${name}`);
  return d.ip;
};

const CONTROLLERS = ['plc-s7-1500', 'plc-controllogix', 'plc-m340', 'rio-wago-750'];

export const demoZones: readonly DemoZone[] = [
  {
    name: 'cell-controllers',
    level: 1,
    criticality: 'critical',
    cidrs: CONTROLLERS.map((n) => `${ip(n)}/32`),
    why: 'Line 1 controllers and remote I/O (S7-1500, ControlLogix, M340, WAGO coupler)',
  },
  {
    name: 'cell-supervisory',
    level: 2,
    criticality: 'high',
    cidrs: ['10.10.10.0/24'],
    why: 'cell VLAN 10: HMI, engineering workstation, building controller',
  },
  {
    name: 'site-operations',
    level: 3,
    criticality: 'high',
    cidrs: ['10.10.30.0/24'],
    why: 'site VLAN 30: historian, domain controller and DNS, NTP server',
  },
  {
    name: 'network-management',
    level: 3,
    criticality: 'high',
    cidrs: ['10.10.99.0/24'],
    why: `switch management VLAN ${MGMT_VLAN}`,
  },
  {
    name: 'office-it',
    level: 4,
    criticality: 'medium',
    cidrs: ['10.20.100.0/24'],
    why: 'office VLAN 100: PCs and the intranet server',
  },
];

export const demoConduits: readonly DemoConduit[] = [
  {
    name: 'hmi-to-controllers',
    from: 'cell-supervisory',
    to: 'cell-controllers',
    protocols: ['s7comm', 'enip', 'modbus'],
    ports: [102, 44818, 502],
    operations: 'read-write',
    why: 'the HMI polls the controllers and writes setpoints',
  },
  {
    name: 'engineering-to-controllers',
    from: 'cell-supervisory',
    to: 'cell-controllers',
    protocols: ['s7comm', 'enip', 'modbus', 'http'],
    ports: [102, 44818, 502, 80],
    operations: 'programming',
    why: 'TIA Portal, Studio 5000 and Unity Pro sessions from the engineering workstation (listed below)',
  },
  {
    name: 'controller-discovery',
    from: 'cell-controllers',
    to: 'cell-supervisory',
    protocols: ['enip'],
    ports: [44818],
    operations: 'read',
    why: "the ControlLogix answers the engineering workstation's ListIdentity broadcasts",
  },
  {
    name: 'historian-to-controllers',
    from: 'site-operations',
    to: 'cell-controllers',
    protocols: ['modbus', 'opcua'],
    ports: [502, 4840],
    operations: 'read',
    why: 'the historian reads process values (Modbus from the M340, OPC UA from the S7-1500)',
  },
  {
    name: 'controllers-time',
    from: 'cell-controllers',
    to: 'site-operations',
    protocols: ['ntp'],
    ports: [123],
    operations: 'any',
    why: 'the S7-1500 takes its time from ntp-01',
  },
  {
    name: 'cell-name-service',
    from: 'cell-supervisory',
    to: 'site-operations',
    protocols: ['dns'],
    ports: [53],
    operations: 'any',
    why: 'HMI and engineering workstation resolve names at dc-01',
  },
  {
    name: 'office-name-service',
    from: 'office-it',
    to: 'site-operations',
    protocols: ['dns'],
    ports: [53],
    operations: 'any',
    why: 'office PCs resolve names at dc-01',
  },
  {
    name: 'office-to-historian-web',
    from: 'office-it',
    to: 'site-operations',
    protocols: ['tls'],
    ports: [443],
    operations: 'read',
    why: "office users read reports on the historian's web UI",
  },
  {
    name: 'remote-support',
    from: 'office-it',
    to: 'cell-supervisory',
    protocols: ['rdp'],
    ports: [3389],
    operations: 'any',
    why: 'RDP from an office PC to the engineering workstation (review: a jump host in a DMZ is better)',
  },
];

const yamlString = (s: string): string => JSON.stringify(s);
const list = (xs: readonly (string | number)[]): string =>
  `[${xs.map((x) => (typeof x === 'number' ? String(x) : yamlString(x))).join(', ')}]`;

/** The zone file's text: commented YAML a person can read and edit. */
export function demoZoneFile(): string {
  const lines = [
    "# plantwarden zone file for the demo plant (written by 'plantwarden demo').",
    '# Zones along the Purdue levels, and the conduits the normal traffic of the plant needs.',
    '# Anything else between zones is a violation: see `plantwarden alerts`.',
    '',
    'engineering_stations:',
    `  - ${yamlString(ip('ews-eng01'))} # ews-eng01`,
    '',
    'zones:',
  ];
  for (const z of demoZones) {
    lines.push(`  - name: ${z.name}`);
    lines.push(`    description: ${yamlString(z.why)}`);
    lines.push(`    level: ${z.level}`);
    lines.push(`    criticality: ${z.criticality}`);
    lines.push(`    cidrs: ${list(z.cidrs)}`);
  }
  lines.push('', 'conduits:');
  for (const c of demoConduits) {
    lines.push(`  - name: ${c.name}`);
    lines.push(`    description: ${yamlString(c.why)}`);
    lines.push(`    from: ${c.from}`);
    lines.push(`    to: ${c.to}`);
    lines.push(`    protocols: ${list(c.protocols)}`);
    lines.push(`    ports: ${list(c.ports)}`);
    lines.push(`    operations: ${c.operations}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the demo zone file to `path`. */
export function writeDemoZones(path: string): void {
  writeFileSync(path, demoZoneFile());
}
