import { closeSync, openSync } from 'node:fs';
import type { AssetRole } from '../inventory/model.js';
import { fdSink, PcapWriter } from './pcap-writer.js';
import * as bac from './protocols/bacnet.js';
import { ByteBuilder, ipBytes, macBytes } from './protocols/bytes.js';
import * as enip from './protocols/enip.js';
import { EtherType, ethernet, llcFrame, udpFrame } from './protocols/ip.js';
import * as it from './protocols/it.js';
import { arp, lldpdu, rstpBpdu } from './protocols/l2.js';
import * as mb from './protocols/modbus.js';
import * as ua from './protocols/opcua.js';
import * as s7 from './protocols/s7comm.js';
import { Actor, Conversation, type CounterSpec, type Endpoint, type Leg, Prng, play } from './script.js';

/**
 * The demo factory: a small plant along the Purdue levels plus office IT, captured on a trunk
 * that carries VLAN 10 (cell: PLCs, remote I/O, HMI, engineering station, building controller),
 * VLAN 30 (site operations: historian, domain controller/DNS, NTP) and VLAN 100 (office IT).
 * Bridge protocols (LLDP, RSTP) travel untagged. Traffic between VLANs crosses the firewall
 * fw-01 and is seen once, on the client's VLAN, so fw-01's MAC carries the IPs of every
 * off-VLAN server. The switches are managed on VLAN 99. Four security problems are planted on
 * purpose (`plantedProblems`) for `plantwarden demo` to find, and with `behaviourAtUs` three
 * behaviour problems (`plantedBehaviours`) for its alerts. Everything is deterministic: same
 * options, same bytes.
 */

export interface PlantDevice {
  name: string;
  /** The role an analysis should find. */
  role: AssetRole;
  /** Free-text kind, finer than role ('remote-io', 'building-controller', 'domain-controller'...). */
  kind: string;
  /** Purdue level: 0-3 for OT, 4 for office IT; network devices carry the level of the zone they serve. */
  level: number;
  /** 802.1Q VLAN of the device's traffic; 0 = untagged (switch management frames). */
  vlan: number;
  mac: string;
  ip: string;
  /** Further IPs (router interfaces). */
  otherIps: readonly string[];
  vendor: string;
  model: string;
  /** Protocols the device speaks in the capture (as the analysis names them). */
  protocols: readonly string[];
}

export interface PlantOptions {
  packets: number;
  seed?: number;
  startUs?: number;
  /**
   * Play the planted behaviour problems (`plantedBehaviours`: the laptop's PLC stop, then the
   * ControlLogix's bulk upload) this long after the capture start (µs); absent = a normal day.
   * Their packets (`behaviourPackets()`) count against `packets`.
   */
  behaviourAtUs?: number;
}

export interface PlantResult {
  packets: number;
  bytes: number;
  firstUs: number;
  lastUs: number;
}

/** 2026-03-02T06:00:00Z: a Monday morning shift start. */
export const PLANT_START_US = Date.UTC(2026, 2, 2, 6, 0, 0) * 1000;

/** The S7-1500's order number, as its SZL 0x0011 answer gives it (and the demo advisory names). */
export const DEMO_S7_ORDER_NUMBER = '6ES7 515-2AM01-0AB0';
/** The S7-1500's firmware in SZL 0x0011 index 7: older than the fix of the demo advisory (V2.9.4). */
export const DEMO_S7_FIRMWARE = 'V2.8.3';
/** The public-looking address (RFC 5737 documentation range) the HMI fetches updates from. */
export const DEMO_HMI_CLOUD_IP = '203.0.113.80';
/** The name the HMI resolves and sends as TLS SNI (under example.com, reserved by RFC 2606). */
export const DEMO_HMI_CLOUD_NAME = 'updates.hmi-vendor.example.com';
/** The switches' management VLAN: sw-core answers Telnet on 10.10.99.2 there. */
export const MGMT_VLAN = 99;

/**
 * A security problem planted in the demo plant on purpose, for `plantwarden demo` to find.
 * Each starts in the first seconds of the capture (a 20,000-packet demo holds all of them)
 * and comes back at a low rate.
 */
export interface PlantedProblem {
  id: 'default-web-password' | 'telnet-to-switch' | 'outdated-firmware' | 'hmi-to-internet';
  /** Device (name in `plantDevices`) the problem is about. */
  device: string;
  /** One line for people; never a password (the demo prints it). */
  what: string;
}

export const plantedProblems: readonly PlantedProblem[] = [
  {
    id: 'default-web-password',
    device: 'plc-m340',
    what: "Default password on the M340's web page (HTTP Basic login from the engineering workstation)",
  },
  {
    id: 'telnet-to-switch',
    device: 'sw-core',
    what: 'Telnet login from the engineering workstation to the core switch (management VLAN 99)',
  },
  {
    id: 'outdated-firmware',
    device: 'plc-s7-1500',
    what: `S7-1500 ${DEMO_S7_ORDER_NUMBER} reports firmware ${DEMO_S7_FIRMWARE}, older than the fix in the demo advisory`,
  },
  {
    id: 'hmi-to-internet',
    device: 'hmi-line1',
    what: `The HMI resolves ${DEMO_HMI_CLOUD_NAME} and opens TLS to ${DEMO_HMI_CLOUD_IP} on the internet`,
  },
];

/** One day of packet time (µs): the demo's second capture starts a day after the first. */
export const PLANT_DAY_US = 86_400 * 1_000_000;

/** The outside address (RFC 5737 documentation range) the ControlLogix uploads to in the volume anomaly. */
export const DEMO_EXFIL_IP = '198.51.100.23';
/** The name the upload's TLS ClientHello carries (under example.net, reserved by RFC 2606). */
export const DEMO_EXFIL_NAME = 'files.example.net';
/** Bytes of TLS records the ControlLogix sends in the volume anomaly. */
export const DEMO_EXFIL_BYTES = 6_000_000;

/**
 * A behaviour problem, played only when `PlantOptions.behaviourAtUs` is set (day 2 of the demo),
 * for the detection rules (zones, operations, baseline) to raise alerts about.
 */
export interface PlantedBehaviour {
  id: 'zone-violation' | 'plc-stop-from-laptop' | 'volume-anomaly';
  /** Device (name in `plantDevices`, or `DEMO_LAPTOP`) that misbehaves. */
  device: string;
  /** Its peer (device name), or an IP outside the plant. */
  peer: string;
  what: string;
}

const d = (
  name: string,
  role: AssetRole,
  kind: string,
  level: number,
  vlan: number,
  mac: string,
  ip: string,
  vendor: string,
  model: string,
  protocols: string[],
  otherIps: string[] = [],
): PlantDevice => ({ name, role, kind, level, vlan, mac, ip, otherIps, vendor, model, protocols });

export const plantDevices: readonly PlantDevice[] = [
  d(
    'plc-s7-1500',
    'plc',
    'plc',
    1,
    10,
    '28:63:36:5a:15:01',
    '10.10.10.11',
    'Siemens',
    'CPU 1515-2 PN 6ES7 515-2AM01-0AB0',
    ['s7comm', 'opcua', 'ntp', 'arp'],
  ),
  d('plc-controllogix', 'plc', 'plc', 1, 10, '00:00:bc:3e:83:01', '10.10.10.12', 'Rockwell Automation', '1756-L83E/B', [
    'enip',
    'arp',
  ]),
  d('plc-m340', 'plc', 'plc', 1, 10, '00:80:f4:34:20:01', '10.10.10.13', 'Schneider Electric', 'BMX P34 2020', [
    'modbus',
    'http',
    'arp',
  ]),
  d('rio-wago-750', 'plc', 'remote-io', 1, 10, '00:30:de:07:35:02', '10.10.10.21', 'WAGO', '750-352 fieldbus coupler', [
    'modbus',
    'arp',
  ]),
  d('hmi-line1', 'hmi', 'hmi', 2, 10, '00:d0:c9:a1:b2:01', '10.10.10.50', 'Advantech', 'panel PC (HMI runtime)', [
    's7comm',
    'enip',
    'modbus',
    'dns',
    'tls',
    'arp',
  ]),
  d(
    'ews-eng01',
    'engineering-workstation',
    'engineering-workstation',
    2,
    10,
    '00:14:22:e5:0a:01',
    '10.10.10.60',
    'Dell',
    'Precision workstation (Windows 10)',
    ['s7comm', 'enip', 'modbus', 'bacnet', 'rdp', 'dns', 'http', 'telnet', 'arp'],
  ),
  d(
    'bms-ctrl01',
    'plc',
    'building-controller',
    2,
    10,
    '00:40:ae:0b:ac:01',
    '10.10.10.70',
    'Delta Controls',
    'eBCON building controller',
    ['bacnet', 'arp'],
  ),
  d(
    'historian',
    'historian',
    'historian',
    3,
    30,
    '94:57:a5:30:10:01',
    '10.10.30.10',
    'Hewlett Packard',
    'ProLiant server (process historian)',
    ['modbus', 'opcua', 'ntp', 'tls', 'arp'],
  ),
  d(
    'dc-01',
    'it-host',
    'domain-controller',
    3,
    30,
    '00:15:5d:30:05:01',
    '10.10.30.5',
    'Microsoft',
    'Hyper-V VM (Windows Server, AD/DNS)',
    ['dns', 'ntp', 'arp'],
  ),
  d(
    'ntp-01',
    'network-device',
    'time-server',
    3,
    30,
    'ec:46:70:30:06:01',
    '10.10.30.6',
    'Meinberg',
    'LANTIME M300 (GPS)',
    ['ntp', 'arp'],
  ),
  d(
    'fw-01',
    'network-device',
    'router-firewall',
    3,
    10,
    '00:09:0f:09:00:01',
    '10.10.10.1',
    'Fortinet',
    'FortiGate 60F',
    ['arp', 'dhcp'],
    ['10.10.30.1', '10.20.100.1', '10.10.99.1'],
  ),
  d('sw-core', 'network-device', 'switch', 3, 0, '10:57:25:c0:00:01', '10.10.99.2', 'Cisco', 'IE-4000-8GT4G4E', [
    'lldp',
    'stp',
    'telnet',
    'arp',
  ]),
  d('sw-cell', 'network-device', 'switch', 2, 0, '00:80:63:10:00:01', '10.10.99.3', 'Hirschmann', 'RSP35', [
    'lldp',
    'stp',
  ]),
  d(
    'web-intranet',
    'it-host',
    'web-server',
    4,
    100,
    '00:0c:29:64:14:01',
    '10.20.100.20',
    'VMware',
    'Linux VM (intranet web)',
    ['http', 'arp'],
  ),
  d(
    'pc-office-01',
    'it-host',
    'workstation',
    4,
    100,
    '3c:2c:30:64:01:01',
    '10.20.100.101',
    'Dell',
    'OptiPlex (Windows 11)',
    ['dhcp', 'dns', 'http', 'tls', 'rdp', 'arp'],
  ),
  d(
    'pc-office-02',
    'it-host',
    'workstation',
    4,
    100,
    '50:81:40:64:01:02',
    '10.20.100.102',
    'HP',
    'EliteDesk (Windows 11)',
    ['dhcp', 'dns', 'http', 'tls', 'arp'],
  ),
  d(
    'pc-office-03',
    'it-host',
    'workstation',
    4,
    100,
    '3c:2c:30:64:01:03',
    '10.20.100.103',
    'Dell',
    'Latitude (Windows 11)',
    ['dhcp', 'dns', 'http', 'tls', 'arp'],
  ),
];

/**
 * An unknown Windows laptop on the office VLAN (not in `plantDevices`: it is not part of the
 * plant). On day 2 it connects straight to the S7-1500 and puts it into STOP.
 */
export const DEMO_LAPTOP: PlantDevice = d(
  'laptop-unknown',
  'it-host',
  'laptop',
  4,
  100,
  '8c:16:45:64:00:77',
  '10.20.100.77',
  'LCFC(Hefei) Electronics Technology',
  'laptop (Windows 11)',
  ['s7comm', 'arp'],
);

export const plantedBehaviours: readonly PlantedBehaviour[] = [
  {
    id: 'zone-violation',
    device: DEMO_LAPTOP.name,
    peer: 'plc-s7-1500',
    what: `An unknown laptop on the office VLAN (${DEMO_LAPTOP.ip}) opens S7comm straight to the S7-1500: IT reaching level 1`,
  },
  {
    id: 'plc-stop-from-laptop',
    device: DEMO_LAPTOP.name,
    peer: 'plc-s7-1500',
    what: `The same laptop sends S7 PLC Stop (P_PROGRAM): the S7-1500 is stopped from a host that is no engineering workstation`,
  },
  {
    id: 'volume-anomaly',
    device: 'plc-controllogix',
    peer: DEMO_EXFIL_IP,
    what: `The ControlLogix uploads ${(DEMO_EXFIL_BYTES / 1e6).toFixed(0)} MB over TLS to ${DEMO_EXFIL_IP}, far more than it sends in a normal hour`,
  },
];

/** A public-looking service (RFC 5737 documentation range) reached through the firewall. */
const EXTERNAL: Endpoint = { mac: '00:00:00:00:00:00', ip: '203.0.113.50', vlan: -1 };
const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

const TTL: Record<string, number> = {
  'plc-s7-1500': 30,
  'sw-core': 255,
  'ews-eng01': 128,
  'dc-01': 128,
  'pc-office-01': 128,
  'pc-office-02': 128,
  'pc-office-03': 128,
  'hmi-line1': 128,
  historian: 128,
  [DEMO_LAPTOP.name]: 128,
};

function dev(name: string): PlantDevice {
  const x = plantDevices.find((p) => p.name === name);
  if (!x) throw new Error(`unknown device ${name}`);
  return x;
}

const fw = (): PlantDevice => dev('fw-01');
const ttlOf = (e: Endpoint): number =>
  TTL[(e.ip === DEMO_LAPTOP.ip ? DEMO_LAPTOP : plantDevices.find((p) => p.ip === e.ip))?.name ?? ''] ?? 64;

/** How a client/server conversation appears on the trunk: direct on a shared VLAN, else via fw-01 on the client's VLAN. */
function leg(c: Endpoint, s: Endpoint): Leg {
  if (c.vlan === s.vlan)
    return { vlan: c.vlan, clientMac: c.mac, serverMac: s.mac, clientTtl: ttlOf(c), serverTtl: ttlOf(s) };
  return { vlan: c.vlan, clientMac: c.mac, serverMac: fw().mac, clientTtl: ttlOf(c), serverTtl: ttlOf(s) - 1 };
}

function ep(name: string): Endpoint {
  const x = dev(name);
  return { mac: x.mac, ip: x.ip, vlan: x.vlan };
}

function tcpConv(client: string | Endpoint, server: string | Endpoint, port: number): Conversation {
  const c = typeof client === 'string' ? ep(client) : client;
  const s = typeof server === 'string' ? ep(server) : server;
  return new Conversation(c, s, leg(c, s), 49152, port, true);
}

function udpConv(
  client: string,
  server: string | Endpoint,
  cport: number,
  sport: number,
  ephemeral: boolean,
): Conversation {
  const c = ep(client);
  const s = typeof server === 'string' ? ep(server) : server;
  return new Conversation(c, s, leg(c, s), cport, sport, ephemeral);
}

const MS = 1000;
const SEC = 1_000_000;
const RTT = 300; // µs on the plant LAN

// ---- protocol message sets ----

const MB_TX: CounterSpec = { off: 0, base: 1, fmt: 0 };
const S7_REF: CounterSpec = { off: s7.S7_PDUREF_OFFSET, base: 0x0100, fmt: 0 };
const ENIP_CTX: CounterSpec = { off: enip.ENIP_CONTEXT_OFFSET, base: 1, fmt: 1 };
const UA_SEQ: CounterSpec = { off: ua.UA_MSG_SEQ_OFFSET, base: 2, off2: ua.UA_MSG_REQID_OFFSET, base2: 2, fmt: 2 };
const DNS_ID: CounterSpec = { off: 0, base: 0x1a2b, fmt: 0 };
const HMI_DNS_ID: CounterSpec = { off: 0, base: 0x5e01, fmt: 0 };

const mbReq = (unit: number, pdu: Uint8Array) => mb.mbap(0, unit, pdu);

const S7_IDENT: s7.SzlIdentRecord[] = [
  { index: 0x0001, orderNumber: DEMO_S7_ORDER_NUMBER, bgType: 0, ausbg: 0x0000, ausbe: 0x0001 },
  { index: 0x0006, orderNumber: DEMO_S7_ORDER_NUMBER, bgType: 0, ausbg: 0x0000, ausbe: 0x0001 },
  // Firmware 'V' 2.8.3: Ausbg = 'V' + major, Ausbe = minor, patch (must match DEMO_S7_FIRMWARE).
  { index: 0x0007, orderNumber: DEMO_S7_ORDER_NUMBER, bgType: 0, ausbg: 0x5602, ausbe: 0x0803 },
];

const CLX_IDENTITY: enip.CipIdentity = {
  vendorId: 1,
  deviceType: 14,
  productCode: 166,
  revMajor: 33,
  revMinor: 11,
  status: 0x3160,
  serial: 0x60a1b2c3,
  productName: '1756-L83E/B',
};

const M340_BASIC: [number, string][] = [
  [0, 'Schneider Electric'],
  [1, 'BMX P34 2020'],
  [2, 'v3.10'],
];
const M340_REGULAR: [number, string][] = [
  [3, 'www.schneider-electric.com'],
  [4, 'Modicon M340'],
  [5, 'BMX P34 2020'],
  [6, 'LINE1_PACKAGING'],
];

const s7Job = (param: Uint8Array, data: Uint8Array = new Uint8Array(0)) => s7.s7Segment(s7.s7Pdu(1, 0, param, data));
const s7AckData = (param: Uint8Array, data: Uint8Array = new Uint8Array(0)) =>
  s7.s7Segment(s7.s7Pdu(3, 0, param, data));

/** COTP connect + S7 setup + SZL 0x0011 (module identification): what an HMI or TIA Portal does first. */
function s7Connect(c: Conversation): Conversation {
  return c
    .data(0, s7.tpkt(s7.cotpConnect(0xe0, 0, 0x0001, 0x0100, 0x0101)), 1 * MS)
    .data(1, s7.tpkt(s7.cotpConnect(0xd0, 0x0001, 0x4401, 0x0100, 0x0101)), 2 * MS)
    .data(0, s7Job(s7.s7SetupParam(480)), 1 * MS, 0, S7_REF)
    .data(1, s7AckData(s7.s7SetupParam(480)), 2 * MS, 0, S7_REF)
    .data(0, s7.s7Segment(s7.s7Pdu(7, 0, s7.s7SzlReqParam(), s7.s7SzlReqData(0x0011, 0x0000))), 1 * MS, 0, S7_REF)
    .data(
      1,
      s7.s7Segment(s7.s7Pdu(7, 0, s7.s7SzlRespParam(), s7.s7SzlRespData(0x0011, 0x0000, S7_IDENT))),
      3 * MS,
      0,
      S7_REF,
    );
}

function enipSession(c: Conversation, session: number): Conversation {
  const getAll = enip.sendRRData(enip.cipRequest(0x01, 0x01, 1));
  const getAllResp = enip.sendRRData(enip.cipResponse(0x01, enip.identityAttributes(CLX_IDENTITY)));
  return c
    .data(0, enip.encap(enip.EnipCommand.REGISTER_SESSION, 0, 0, enip.registerSessionData()), 1 * MS)
    .data(1, enip.encap(enip.EnipCommand.REGISTER_SESSION, session, 0, enip.registerSessionData()), 1 * MS)
    .data(0, enip.encap(enip.EnipCommand.SEND_RR_DATA, session, 0, getAll), 1 * MS, 0, ENIP_CTX)
    .data(1, enip.encap(enip.EnipCommand.SEND_RR_DATA, session, 0, getAllResp), 2 * MS, 0, ENIP_CTX);
}

const enipRR = (session: number, cip: Uint8Array) =>
  enip.encap(enip.EnipCommand.SEND_RR_DATA, session, 0, enip.sendRRData(cip));
const regs = (n: number, seed: number) => Array.from({ length: n }, (_, i) => (seed * 31 + i * 257) & 0xffff);

function dhcpFrames(pc: PlantDevice, index: number): Uint8Array[] {
  const router = fw();
  const gw = router.otherIps[1] as string;
  const xid = 0x3c5a0000 + index * 0x101;
  const cid = new ByteBuilder().u8(1).bytes(macBytes(pc.mac)).done();
  const host = it.asciiBytes(pc.name.toUpperCase());
  const vendor = it.asciiBytes('MSFT 5.0');
  const prl = Uint8Array.from([1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252]);
  const srvOpts = (type: number): [number, Uint8Array][] => [
    [53, Uint8Array.from([type])],
    [54, ipBytes(gw)],
    [51, new ByteBuilder().u32(86400).done()],
    [1, ipBytes('255.255.255.0')],
    [3, ipBytes(gw)],
    [6, ipBytes(dev('dc-01').ip)],
    [15, it.asciiBytes('plant.local')],
  ];
  const fromClient = (payload: Uint8Array) =>
    udpFrame(BROADCAST_MAC, pc.mac, pc.vlan, '0.0.0.0', '255.255.255.255', 68, 67, payload, 128);
  const fromServer = (payload: Uint8Array) =>
    udpFrame(BROADCAST_MAC, router.mac, pc.vlan, gw, '255.255.255.255', 67, 68, payload, 64);
  return [
    fromClient(
      it.dhcp(1, xid, pc.mac, '0.0.0.0', '0.0.0.0', [
        [53, Uint8Array.from([1])],
        [61, cid],
        [12, host],
        [60, vendor],
        [55, prl],
      ]),
    ),
    fromServer(it.dhcp(2, xid, pc.mac, pc.ip, gw, srvOpts(2))),
    fromClient(
      it.dhcp(1, xid, pc.mac, '0.0.0.0', '0.0.0.0', [
        [53, Uint8Array.from([3])],
        [61, cid],
        [50, ipBytes(pc.ip)],
        [54, ipBytes(gw)],
        [12, host],
        [60, vendor],
        [55, prl],
      ]),
    ),
    fromServer(it.dhcp(2, xid, pc.mac, pc.ip, gw, srvOpts(5))),
  ];
}

function httpResponse(body: string): Uint8Array {
  return it.asciiBytes(
    `HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Builds every conversation of the plant. Cheap (a few hundred templates), done once per generation. */
export function buildActors(): Actor[] {
  const actors: Actor[] = [];
  const add = (c: Conversation, firstUs: number, periodUs = 0, jitterUs = 0) =>
    actors.push(new Actor(c, firstUs, periodUs, jitterUs));

  // ---- network: RSTP every 2 s, LLDP every 30 s, untagged ----
  const core = dev('sw-core');
  const cell = dev('sw-cell');
  const stpDst = '01:80:c2:00:00:00';
  const lldpDst = '01:80:c2:00:00:0e';
  const none = ep('sw-core');
  const l2 = (): Conversation =>
    new Conversation(
      none,
      none,
      { vlan: 0, clientMac: none.mac, serverMac: none.mac, clientTtl: 0, serverTtl: 0 },
      0,
      0,
      false,
    );
  add(
    l2().raw(
      0,
      llcFrame(stpDst, '10:57:25:c0:00:11', 0x42, 0x42, rstpBpdu(0x6000, core.mac, 0, 0x6000, core.mac, 0x8001)),
      0,
    ),
    1 * MS,
    2 * SEC,
  );
  add(
    l2().raw(
      0,
      llcFrame(stpDst, '00:80:63:10:00:12', 0x42, 0x42, rstpBpdu(0x6000, core.mac, 20000, 0x8000, cell.mac, 0x8002)),
      0,
    ),
    3 * MS,
    2 * SEC,
  );
  const lldp = (sw: PlantDevice, portMac: string, port: string, desc: string, sysDesc: string) =>
    l2().raw(
      0,
      ethernet(
        lldpDst,
        portMac,
        0,
        EtherType.LLDP,
        lldpdu({
          chassisMac: sw.mac,
          portId: port,
          ttl: 120,
          portDesc: desc,
          sysName: sw.name,
          sysDesc,
          caps: 0x0014,
          mgmtIp: sw.ip,
        }),
      ),
      0,
    );
  add(
    lldp(
      core,
      '10:57:25:c0:00:11',
      'Gi1/1',
      'trunk to sw-cell',
      'Cisco IOS Software, IE4000 Software (IE4000-UNIVERSALK9-M), Version 15.2(7)E8',
    ),
    5 * MS,
    30 * SEC,
  );
  add(
    lldp(
      cell,
      '00:80:63:10:00:12',
      '1/1',
      'uplink to sw-core',
      'Hirschmann Rail Switch Power Enhanced RSPE35 HiOS-3S-09.1.00',
    ),
    12 * MS,
    30 * SEC,
  );

  // ---- ARP: every device resolves its gateway and peers, then every 2 min ----
  let k = 0;
  for (const x of plantDevices) {
    if (x.vlan === 0 || x.name === 'fw-01') continue;
    const gwIp = x.vlan === 10 ? fw().ip : x.vlan === 30 ? (fw().otherIps[0] as string) : (fw().otherIps[1] as string);
    const me = ep(x.name);
    const c = new Conversation(me, me, leg(me, me), 0, 0, false)
      .raw(0, ethernet(BROADCAST_MAC, x.mac, x.vlan, EtherType.ARP, arp(1, x.mac, x.ip, '00:00:00:00:00:00', gwIp)), 0)
      .raw(1, ethernet(x.mac, fw().mac, x.vlan, EtherType.ARP, arp(2, fw().mac, gwIp, x.mac, x.ip)), 200);
    add(c, 20 * MS + k * 7 * MS, 120 * SEC, 5 * SEC);
    k++;
  }
  const arpPeer = (a: string, b: string, first: number) => {
    const x = dev(a);
    const y = dev(b);
    const me = ep(a);
    const c = new Conversation(me, me, leg(me, me), 0, 0, false)
      .raw(0, ethernet(BROADCAST_MAC, x.mac, x.vlan, EtherType.ARP, arp(1, x.mac, x.ip, '00:00:00:00:00:00', y.ip)), 0)
      .raw(1, ethernet(x.mac, y.mac, y.vlan, EtherType.ARP, arp(2, y.mac, y.ip, x.mac, x.ip)), 150);
    add(c, first, 300 * SEC, 10 * SEC);
  };
  arpPeer('hmi-line1', 'plc-s7-1500', 60 * MS);
  arpPeer('hmi-line1', 'plc-controllogix', 62 * MS);
  arpPeer('hmi-line1', 'plc-m340', 64 * MS);
  arpPeer('plc-m340', 'rio-wago-750', 66 * MS);
  arpPeer('ews-eng01', 'bms-ctrl01', 68 * MS);
  arpPeer('pc-office-01', 'web-intranet', 70 * MS);

  // ---- DHCP: the office PCs lease their addresses from fw-01 at start, then hourly ----
  ['pc-office-01', 'pc-office-02', 'pc-office-03'].forEach((name, i) => {
    const me = ep(name);
    const c = new Conversation(me, me, leg(me, me), 68, 67, false);
    const [disc, offer, req, ack] = dhcpFrames(dev(name), i);
    c.raw(0, disc!, 0).raw(1, offer!, 800).raw(0, req!, 1200).raw(1, ack!, 900);
    add(c, 30 * MS + i * 40 * MS, 3600 * SEC, 60 * SEC);
  });

  // ---- OT polling: the bulk of the traffic ----
  // HMI -> S7-1500, S7comm: connect, identify, then read DB10/DB20 and markers every 25 ms.
  const dbItems: s7.S7Item[] = [
    { area: 0x84, db: 10, start: 0, count: 64 },
    { area: 0x84, db: 20, start: 0, count: 16 },
  ];
  const mItems: s7.S7Item[] = [{ area: 0x83, db: 0, start: 100, count: 24 }];
  const hmiS7 = s7Connect(tcpConv('hmi-line1', 'plc-s7-1500', 102).handshake(RTT))
    .beginLoop()
    .data(0, s7Job(s7.s7VarParam(0x04, dbItems)), 12 * MS, 2 * MS, S7_REF)
    .data(
      1,
      s7AckData(
        s7.s7VarAckParam(0x04, 2),
        s7.s7DataItems(0xff, [new Uint8Array(64).fill(0x11), new Uint8Array(16).fill(0x22)]),
      ),
      1500,
      500,
      S7_REF,
    )
    .data(0, s7Job(s7.s7VarParam(0x04, mItems)), 800, 200, S7_REF)
    .data(
      1,
      s7AckData(
        s7.s7VarAckParam(0x04, 1),
        s7.s7DataItems(0xff, [Uint8Array.from({ length: 24 }, (_, i) => (i * 37) & 0xff)]),
      ),
      1200,
      400,
      S7_REF,
    )
    .ack(0, 10 * MS)
    .endLoop();
  add(hmiS7, 100 * MS);

  // HMI -> ControlLogix, EtherNet/IP: register, identify, then read tags every 25 ms.
  const hmiSession = 0x0a3f0001;
  const hmiClx = enipSession(tcpConv('hmi-line1', 'plc-controllogix', 44818).handshake(RTT), hmiSession)
    .beginLoop()
    .data(0, enipRR(hmiSession, enip.readTagReq('Line1_Speed', 1)), 12 * MS, 2 * MS, ENIP_CTX)
    .data(1, enipRR(hmiSession, enip.cipResponse(0x4c, enip.readTagRespData([1480]))), 900, 300, ENIP_CTX)
    .data(0, enipRR(hmiSession, enip.readTagReq('Tank_Levels', 6)), 700, 200, ENIP_CTX)
    .data(
      1,
      enipRR(hmiSession, enip.cipResponse(0x4c, enip.readTagRespData([812, 790, 455, 1020, 66, 0]))),
      1000,
      300,
      ENIP_CTX,
    )
    .ack(0, 10 * MS)
    .endLoop();
  add(hmiClx, 150 * MS);

  // HMI -> M340, Modbus/TCP: read device identification, then three reads every 20 ms.
  const hmiM340 = tcpConv('hmi-line1', 'plc-m340', 502)
    .handshake(RTT)
    .data(0, mbReq(255, mb.readDeviceIdReq(1, 0)), 1 * MS, 0, MB_TX)
    .data(1, mb.mbap(0, 255, mb.readDeviceIdResp(1, M340_BASIC)), 2 * MS, 0, MB_TX)
    .data(0, mbReq(255, mb.readDeviceIdReq(2, 3)), 1 * MS, 0, MB_TX)
    .data(1, mb.mbap(0, 255, mb.readDeviceIdResp(2, M340_REGULAR)), 2 * MS, 0, MB_TX)
    .beginLoop()
    .data(0, mbReq(1, mb.readRegistersReq(3, 0, 32)), 8 * MS, 2 * MS, MB_TX)
    .data(1, mb.mbap(0, 1, mb.readRegistersResp(3, regs(32, 1))), 700, 300, MB_TX)
    .data(0, mbReq(1, mb.readRegistersReq(4, 100, 24)), 500, 200, MB_TX)
    .data(1, mb.mbap(0, 1, mb.readRegistersResp(4, regs(24, 2))), 700, 300, MB_TX)
    .data(0, mbReq(1, mb.readRegistersReq(3, 200, 4)), 500, 200, MB_TX)
    .data(1, mb.mbap(0, 1, mb.readRegistersResp(3, regs(4, 3))), 700, 300, MB_TX)
    .ack(0, 8 * MS)
    .endLoop();
  add(hmiM340, 200 * MS);

  // M340 -> WAGO remote I/O: the PLC's I/O scanner reads inputs and writes outputs every 20 ms.
  const ioScan = tcpConv('plc-m340', 'rio-wago-750', 502)
    .handshake(RTT)
    .beginLoop()
    .data(0, mbReq(1, mb.readRegistersReq(4, 0, 8)), 38 * MS, 1 * MS, MB_TX)
    .data(
      1,
      mb.mbap(0, 1, mb.readRegistersResp(4, [0x0003, 0x0000, 0x1f40, 0x0c80, 0x0000, 0x0001, 0x7fff, 0x0042])),
      400,
      100,
      MB_TX,
    )
    .data(0, mbReq(1, mb.writeMultipleReq(0x0200, [0x0001, 0x0000])), 300, 100, MB_TX)
    .data(1, mb.mbap(0, 1, mb.writeMultipleResp(0x0200, 2)), 400, 100, MB_TX)
    .endLoop();
  add(ioScan, 250 * MS);

  // Historian (VLAN 30) -> M340 through fw-01, Modbus every 500 ms.
  const histMb = tcpConv('historian', 'plc-m340', 502)
    .handshake(RTT * 2)
    .beginLoop()
    .data(0, mbReq(1, mb.readRegistersReq(3, 0, 20)), 300 * MS, 10 * MS, MB_TX)
    .data(1, mb.mbap(0, 1, mb.readRegistersResp(3, regs(20, 4))), 1500, 300, MB_TX)
    .data(0, mbReq(1, mb.readRegistersReq(4, 100, 16)), 600, 100, MB_TX)
    .data(1, mb.mbap(0, 1, mb.readRegistersResp(4, regs(16, 5))), 1500, 300, MB_TX)
    .ack(0, 200 * MS)
    .endLoop();
  add(histMb, 300 * MS);

  // Historian -> S7-1500 OPC UA server (TCP 4840) through fw-01: HEL/ACK, OPN, then Read every 250 ms.
  const histUa = tcpConv('historian', 'plc-s7-1500', 4840)
    .handshake(RTT * 2)
    .data(0, ua.uaHello('opc.tcp://10.10.10.11:4840'), 1 * MS)
    .data(1, ua.uaAck(), 1 * MS)
    .data(0, ua.uaOpen(0, ua.uaOpenRequestBody()), 1 * MS)
    .data(1, ua.uaOpen(0x1501, ua.uaOpenResponseBody(0x1501, 1)), 3 * MS)
    .beginLoop()
    .data(0, ua.uaMessage(0x1501, 1, ua.uaReadRequestBody([1001, 1002, 1003])), 200 * MS, 20 * MS, UA_SEQ)
    .data(1, ua.uaMessage(0x1501, 1, ua.uaReadResponseBody([72.5, 3.25, 1480])), 4 * MS, 1 * MS, UA_SEQ)
    .ack(0, 40 * MS)
    .endLoop();
  add(histUa, 350 * MS);

  // ---- engineering: occasional sessions with writes from the engineering workstation ----
  const ewsS7 = s7Connect(tcpConv('ews-eng01', 'plc-s7-1500', 102).handshake(RTT))
    .data(
      0,
      s7Job(
        s7.s7VarParam(0x05, [{ area: 0x84, db: 10, start: 4, count: 4 }]),
        s7.s7DataItems(0x00, [Uint8Array.from([0, 0, 5, 220])]),
      ),
      400 * MS,
      0,
      S7_REF,
    )
    .data(1, s7AckData(s7.s7VarAckParam(0x05, 1), s7.s7WriteAckData(1)), 2 * MS, 0, S7_REF)
    .data(0, s7Job(s7.s7VarParam(0x04, [{ area: 0x84, db: 10, start: 0, count: 8 }])), 100 * MS, 0, S7_REF)
    .data(
      1,
      s7AckData(s7.s7VarAckParam(0x04, 1), s7.s7DataItems(0xff, [Uint8Array.from([0, 0, 5, 220, 0, 0, 0, 1])])),
      2 * MS,
      0,
      S7_REF,
    )
    .close(0, 2 * SEC, RTT);
  add(ewsS7, 1500 * MS, 600 * SEC, 30 * SEC);

  const ewsSession = 0x0b770002;
  const ewsClx = enipSession(tcpConv('ews-eng01', 'plc-controllogix', 44818).handshake(RTT), ewsSession)
    .data(0, enipRR(ewsSession, enip.writeTagReq('Line1_Setpoint', [1500])), 500 * MS, 0, ENIP_CTX)
    .data(1, enipRR(ewsSession, enip.cipResponse(0x4d, new Uint8Array(0))), 2 * MS, 0, ENIP_CTX)
    .close(0, 1 * SEC, RTT);
  add(ewsClx, 1800 * MS, 600 * SEC, 30 * SEC);

  const ewsM340 = tcpConv('ews-eng01', 'plc-m340', 502)
    .handshake(RTT)
    .data(0, mbReq(255, mb.readDeviceIdReq(1, 0)), 1 * MS, 0, MB_TX)
    .data(1, mb.mbap(0, 255, mb.readDeviceIdResp(1, M340_BASIC)), 2 * MS, 0, MB_TX)
    .data(0, mbReq(1, mb.writeSingleRegister(300, 42)), 300 * MS, 0, MB_TX)
    .data(1, mb.mbap(0, 1, mb.writeSingleRegister(300, 42)), 2 * MS, 0, MB_TX)
    .data(0, mbReq(1, mb.writeMultipleReq(310, [100, 200, 300])), 200 * MS, 0, MB_TX)
    .data(1, mb.mbap(0, 1, mb.writeMultipleResp(310, 3)), 2 * MS, 0, MB_TX)
    .close(0, 1 * SEC, RTT);
  add(ewsM340, 2100 * MS, 600 * SEC, 30 * SEC);

  // ENIP ListIdentity: broadcast from the engineering station, answered by the ControlLogix.
  const listId = udpConv('ews-eng01', 'plc-controllogix', 49152, 44818, true)
    .datagram(0, enip.encap(enip.EnipCommand.LIST_IDENTITY, 0, 0, new Uint8Array(0)), 0, 0, ENIP_CTX, {
      mac: BROADCAST_MAC,
      ip: '10.10.10.255',
    })
    .datagram(
      1,
      enip.encap(
        enip.EnipCommand.LIST_IDENTITY,
        0,
        0,
        enip.listIdentityRespData(dev('plc-controllogix').ip, CLX_IDENTITY),
      ),
      3 * MS,
      1 * MS,
      ENIP_CTX,
    );
  add(listId, 400 * MS, 300 * SEC, 10 * SEC);

  // BACnet/IP: Who-Is broadcast, I-Am broadcast reply, then ReadProperty of the device object.
  const devInst = 70101;
  const bacnet = udpConv('ews-eng01', 'bms-ctrl01', 47808, 47808, false)
    .datagram(0, bac.bvlc(0x0b, bac.npdu(false, bac.whoIs())), 0, 0, undefined, {
      mac: BROADCAST_MAC,
      ip: '10.10.10.255',
    })
    .datagram(1, bac.bvlc(0x0b, bac.npdu(false, bac.iAm(devInst, 1476, 8))), 5 * MS, 2 * MS, undefined, {
      mac: BROADCAST_MAC,
      ip: '10.10.10.255',
    });
  const props: [number, string][] = [
    [77, 'AHU-1 Packaging Hall'],
    [70, 'eBCON'],
    [121, 'Delta Controls'],
    [44, '3.40.2'],
  ];
  props.forEach(([prop, value], i) => {
    bacnet
      .datagram(0, bac.bvlc(0x0a, bac.npdu(true, bac.readPropertyReq(i + 1, devInst, prop))), 20 * MS)
      .datagram(
        1,
        bac.bvlc(0x0a, bac.npdu(false, bac.readPropertyAckString(i + 1, devInst, prop, value))),
        4 * MS,
        1 * MS,
      );
  });
  add(bacnet, 500 * MS, 300 * SEC, 10 * SEC);

  // ---- level 3 services: NTP, DNS ----
  const ntpSec = Math.floor(PLANT_START_US / SEC) + 2_208_988_800;
  const ntpPair = (client: string, first: number) =>
    add(
      udpConv(client, 'ntp-01', 123, 123, false)
        .datagram(0, it.ntp(3, 0, '', ntpSec), 0)
        .datagram(1, it.ntp(4, 1, 'GPS', ntpSec), 400, 100),
      first,
      64 * SEC,
      0,
    );
  ntpPair('historian', 600 * MS);
  ntpPair('dc-01', 650 * MS);
  ntpPair('plc-s7-1500', 700 * MS);

  const dnsPair = (client: string, name: string, answer: string, first: number, period: number) =>
    add(
      udpConv(client, 'dc-01', 49152, 53, true)
        .datagram(0, it.dns(0, false, name, []), 0, 0, DNS_ID)
        .datagram(1, it.dns(0, true, name, [answer]), 600, 300, DNS_ID),
      first,
      period,
      period >> 2,
    );
  dnsPair('ews-eng01', 'dc01.plant.local', dev('dc-01').ip, 800 * MS, 90 * SEC);
  dnsPair('pc-office-01', 'intranet.plant.local', dev('web-intranet').ip, 900 * MS, 30 * SEC);
  dnsPair('pc-office-02', 'portal.example.com', EXTERNAL.ip, 950 * MS, 40 * SEC);
  dnsPair('pc-office-03', 'historian.plant.local', dev('historian').ip, 1000 * MS, 45 * SEC);

  // ---- office IT: HTTP to the intranet, TLS out to the internet and to the historian's web UI ----
  const html = `<!doctype html><html><head><title>Plant intranet</title></head><body><h1>Shift plan</h1><p>${'Line 1 running. '.repeat(12)}</p></body></html>`;
  ['pc-office-01', 'pc-office-02', 'pc-office-03'].forEach((pc, i) => {
    const http = tcpConv(pc, 'web-intranet', 80)
      .handshake(RTT)
      .data(
        0,
        it.asciiBytes(
          `GET /shift-plan HTTP/1.1\r\nHost: intranet.plant.local\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: text/html\r\n\r\n`,
        ),
        1 * MS,
      )
      .data(1, httpResponse(html), 3 * MS, 1 * MS)
      .ack(0, 1 * MS)
      .close(0, 50 * MS, RTT);
    add(http, 1100 * MS + i * 150 * MS, 30 * SEC, 10 * SEC);
  });
  const tlsSession = (
    pc: string,
    server: Endpoint,
    sni: string,
    first: number,
    period: number,
    seed: number,
    periodJitter = period >> 2,
  ) => {
    const c = tcpConv(pc, server, 443)
      .handshake(RTT * 40)
      .data(0, it.tlsClientHello(sni, seed), 1 * MS)
      .data(
        1,
        new ByteBuilder()
          .bytes(it.tlsServerHello(seed + 7))
          .bytes(it.tlsRecord(0x14, 0x0303, Uint8Array.from([1])))
          .bytes(it.tlsRecord(0x17, 0x0303, it.pseudoRandom(420, seed + 9)))
          .done(),
        12 * MS,
        2 * MS,
      )
      .data(
        0,
        new ByteBuilder()
          .bytes(it.tlsRecord(0x14, 0x0303, Uint8Array.from([1])))
          .bytes(it.tlsRecord(0x17, 0x0303, it.pseudoRandom(53, seed + 11)))
          .done(),
        1 * MS,
      )
      .data(0, it.tlsRecord(0x17, 0x0303, it.pseudoRandom(180, seed + 13)), 1 * MS)
      .data(1, it.tlsRecord(0x17, 0x0303, it.pseudoRandom(760, seed + 17)), 13 * MS, 2 * MS)
      .ack(0, 1 * MS)
      .close(0, 200 * MS, RTT * 40);
    add(c, first, period, periodJitter);
  };
  tlsSession('pc-office-01', EXTERNAL, 'portal.example.com', 1300 * MS, 45 * SEC, 101);
  tlsSession('pc-office-02', EXTERNAL, 'portal.example.com', 1350 * MS, 40 * SEC, 202);
  tlsSession('pc-office-03', ep('historian'), 'historian.plant.local', 1400 * MS, 60 * SEC, 303);

  // RDP from an office PC into the engineering workstation (IT -> OT remote access through fw-01).
  const rdp = tcpConv('pc-office-01', 'ews-eng01', 3389)
    .handshake(RTT * 2)
    .data(0, it.rdpX224(false, 'jsmith'), 1 * MS)
    .data(1, it.rdpX224(true, ''), 2 * MS)
    .data(0, it.tlsClientHello('', 404), 1 * MS)
    .data(
      1,
      new ByteBuilder()
        .bytes(it.tlsServerHello(405))
        .bytes(it.tlsRecord(0x17, 0x0303, it.pseudoRandom(300, 406)))
        .done(),
      3 * MS,
    )
    .data(0, it.tlsRecord(0x17, 0x0303, it.pseudoRandom(240, 407)), 2 * MS)
    .data(1, it.tlsRecord(0x17, 0x0303, it.pseudoRandom(120, 408)), 3 * MS)
    .ack(0, 40 * MS)
    .close(0, 5 * SEC, RTT * 2);
  add(rdp, 2500 * MS, 900 * SEC, 60 * SEC);

  addPlantedProblems(add, tlsSession);
  return actors;
}

/**
 * The problems `plantwarden demo` must find (see `plantedProblems`), each first played 2.6-3.5 s
 * into the capture, then every 5-15 minutes.
 */
function addPlantedProblems(
  add: (c: Conversation, firstUs: number, periodUs?: number, jitterUs?: number) => void,
  tlsSession: (
    pc: string,
    server: Endpoint,
    sni: string,
    first: number,
    period: number,
    seed: number,
    periodJitter?: number,
  ) => void,
): void {
  // (1) The engineering station opens the M340's web page: 401, then Basic admin/admin, 200.
  const m340 = dev('plc-m340');
  const agent = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0';
  const get = (auth: boolean) =>
    it.httpMessage('GET / HTTP/1.1', [
      ['Host', m340.ip],
      ...(auth ? [['Authorization', it.basicAuth('admin', 'admin')] as const] : []),
      ['User-Agent', agent],
      ['Accept', 'text/html'],
    ]);
  const server = 'Schneider-WEB/V2.1.4';
  const page =
    '<html><head><title>Modicon M340 BMX P34 2020 - Web Server</title></head>' +
    '<body><h1>BMX P34 2020</h1><p>Rack viewer | Diagnostics | Data editor</p></body></html>';
  const web = tcpConv('ews-eng01', 'plc-m340', 80)
    .handshake(RTT)
    .data(0, get(false), 1 * MS)
    .data(
      1,
      it.httpMessage('HTTP/1.1 401 Unauthorized', [
        ['Server', server],
        ['WWW-Authenticate', 'Basic realm="Modicon M340"'],
        ['Content-Length', '0'],
      ]),
      2 * MS,
    )
    .data(0, get(true), 1500 * MS, 500 * MS)
    .data(
      1,
      it.httpMessage(
        'HTTP/1.1 200 OK',
        [
          ['Server', server],
          ['Content-Type', 'text/html'],
          ['Content-Length', String(page.length)],
        ],
        page,
      ),
      4 * MS,
      1 * MS,
    )
    .ack(0, 1 * MS)
    .close(0, 3 * SEC, RTT);
  add(web, 2600 * MS, 600 * SEC, 60 * SEC);

  // (2) Telnet to sw-core's management address. The switch sits on VLAN 99, so the session is
  // seen there, routed by fw-01; fw-01 first resolves the switch's address.
  const core = dev('sw-core');
  const router = fw();
  const mgmtIp = router.otherIps[2] as string;
  const sw: Endpoint = { mac: core.mac, ip: core.ip, vlan: MGMT_VLAN };
  const fwArp = new Conversation(sw, sw, leg(sw, sw), 0, 0, false)
    .raw(
      0,
      ethernet(
        BROADCAST_MAC,
        router.mac,
        MGMT_VLAN,
        EtherType.ARP,
        arp(1, router.mac, mgmtIp, '00:00:00:00:00:00', core.ip),
      ),
      0,
    )
    .raw(
      1,
      ethernet(router.mac, core.mac, MGMT_VLAN, EtherType.ARP, arp(2, core.mac, core.ip, router.mac, mgmtIp)),
      300,
    );
  add(fwArp, 2990 * MS, 900 * SEC, 0);
  const { WILL, WONT, DO, ECHO, SGA, TTYPE, NAWS } = it.Telnet;
  const prompt = `${core.name}>`;
  const ews = ep('ews-eng01');
  const telnet = new Conversation(
    ews,
    sw,
    { vlan: MGMT_VLAN, clientMac: router.mac, serverMac: core.mac, clientTtl: ttlOf(ews) - 1, serverTtl: ttlOf(sw) },
    49152,
    23,
    true,
  )
    .handshake(RTT * 2)
    .data(
      1,
      it.telnetMessage(
        [
          [WILL, ECHO],
          [WILL, SGA],
          [DO, TTYPE],
          [DO, NAWS],
        ],
        '\r\n\r\nUser Access Verification\r\n\r\nUsername: ',
      ),
      3 * MS,
    )
    .data(
      0,
      it.telnetMessage([
        [DO, ECHO],
        [DO, SGA],
        [WONT, TTYPE],
        [WONT, NAWS],
      ]),
      1 * MS,
    )
    .data(0, it.telnetMessage([], 'admin\r\n'), 1200 * MS, 300 * MS)
    .data(1, it.telnetMessage([], 'admin\r\nPassword: '), 2 * MS)
    .data(0, it.telnetMessage([], 'cisco\r\n'), 900 * MS, 300 * MS)
    .data(1, it.telnetMessage([], `\r\n${prompt}`), 40 * MS, 10 * MS)
    .data(0, it.telnetMessage([], 'show version | include Version\r\n'), 2 * SEC, 500 * MS)
    .data(
      1,
      it.telnetMessage(
        [],
        'show version | include Version\r\n' +
          'Cisco IOS Software, IE4000 Software (IE4000-UNIVERSALK9-M), Version 15.2(7)E8, RELEASE SOFTWARE (fc3)\r\n' +
          prompt,
      ),
      30 * MS,
      10 * MS,
    )
    .data(0, it.telnetMessage([], 'exit\r\n'), 3 * SEC, 1 * SEC)
    .close(1, 5 * MS, RTT * 2);
  add(telnet, 3000 * MS, 900 * SEC, 60 * SEC);

  // (3) The HMI asks the domain controller for its vendor's update server, then calls it over TLS.
  const cloud: Endpoint = { mac: EXTERNAL.mac, ip: DEMO_HMI_CLOUD_IP, vlan: EXTERNAL.vlan };
  const dns = udpConv('hmi-line1', 'dc-01', 49152, 53, true)
    .datagram(0, it.dns(0, false, DEMO_HMI_CLOUD_NAME, []), 0, 0, HMI_DNS_ID)
    .datagram(1, it.dns(0, true, DEMO_HMI_CLOUD_NAME, [DEMO_HMI_CLOUD_IP]), 900, 300, HMI_DNS_ID);
  add(dns, 3400 * MS, 300 * SEC, 0);
  tlsSession('hmi-line1', cloud, DEMO_HMI_CLOUD_NAME, 3420 * MS, 300 * SEC, 505, 0);

  // (4) The outdated S7-1500 firmware is in its SZL answer (S7_IDENT), read by every S7 session.
}

/**
 * Day 2's behaviour problems (`plantedBehaviours`), each a conversation played once from `atUs`:
 * (1) the laptop resolves its gateway, opens S7comm to the S7-1500 through fw-01 (COTP, setup,
 * SZL identification) and sends PLC Stop; (2) 3 s later the ControlLogix opens TLS to
 * `DEMO_EXFIL_IP` and uploads `DEMO_EXFIL_BYTES` in 16 KB records (MSS 1448, the receiver acks
 * every second segment, ~0.6 ms per segment: about 2.5 s on a 20 Mbit/s uplink).
 */
export function buildBehaviourActors(atUs: number): Actor[] {
  const laptop: Endpoint = { mac: DEMO_LAPTOP.mac, ip: DEMO_LAPTOP.ip, vlan: DEMO_LAPTOP.vlan };
  const gw = fw().otherIps[1] as string;
  const arpGw = new Conversation(laptop, laptop, leg(laptop, laptop), 0, 0, false)
    .raw(
      0,
      ethernet(
        BROADCAST_MAC,
        laptop.mac,
        laptop.vlan,
        EtherType.ARP,
        arp(1, laptop.mac, laptop.ip, '00:00:00:00:00:00', gw),
      ),
      0,
    )
    .raw(
      1,
      ethernet(laptop.mac, fw().mac, laptop.vlan, EtherType.ARP, arp(2, fw().mac, gw, laptop.mac, laptop.ip)),
      250,
    );
  const stop = s7Connect(tcpConv(laptop, 'plc-s7-1500', 102).handshake(RTT * 2))
    .data(0, s7Job(s7.s7PlcStopParam('P_PROGRAM')), 1200 * MS, 0, S7_REF)
    .data(1, s7AckData(s7.s7PlcStopAckParam()), 8 * MS, 0, S7_REF)
    .close(0, 1 * SEC, RTT * 2);

  const server: Endpoint = { mac: EXTERNAL.mac, ip: DEMO_EXFIL_IP, vlan: EXTERNAL.vlan };
  const wan = 30 * MS;
  const up = tcpConv('plc-controllogix', server, 443)
    .handshake(wan)
    .data(0, it.tlsClientHello(DEMO_EXFIL_NAME, 707), 1 * MS)
    .data(
      1,
      new ByteBuilder()
        .bytes(it.tlsServerHello(708))
        .bytes(it.tlsRecord(0x14, 0x0303, Uint8Array.from([1])))
        .bytes(it.tlsRecord(0x17, 0x0303, it.pseudoRandom(380, 709)))
        .done(),
      wan,
    )
    .data(
      0,
      new ByteBuilder()
        .bytes(it.tlsRecord(0x14, 0x0303, Uint8Array.from([1])))
        .bytes(it.tlsRecord(0x17, 0x0303, it.pseudoRandom(53, 710)))
        .done(),
      1 * MS,
    );
  const fragment = it.pseudoRandom(16_384, 711);
  const record = it.tlsRecord(0x17, 0x0303, fragment);
  const records = Math.ceil(DEMO_EXFIL_BYTES / record.length);
  const stream = new Uint8Array(records * record.length);
  for (let i = 0; i < records; i++) stream.set(record, i * record.length);
  const mss = 1448;
  for (let off = 0, n = 0; off < stream.length; off += mss, n++) {
    up.data(0, stream.subarray(off, Math.min(off + mss, stream.length)), 550, 100);
    if (n % 2 === 1) up.ack(1, 40);
  }
  up.ack(1, wan >> 1)
    .data(1, it.tlsRecord(0x17, 0x0303, it.pseudoRandom(90, 712)), 5 * MS)
    .ack(0, 1 * MS)
    .close(0, 100 * MS, wan);
  return [new Actor(arpGw, atUs, 0), new Actor(stop, atUs + 1 * MS, 0), new Actor(up, atUs + 3 * SEC, 0)];
}

/** Packets the behaviour problems add to a capture (`PlantOptions.behaviourAtUs`). */
export function behaviourPackets(): number {
  return buildBehaviourActors(0).reduce((n, a) => n + a.steps.length, 0);
}

/** Writes a pcap of the demo plant with exactly `packets` packets to `write` (chunks are handed over). */
export function generatePlant(opts: PlantOptions, write: (chunk: Uint8Array) => void): PlantResult {
  const w = new PcapWriter(write);
  const rng = new Prng(opts.seed ?? 1);
  const actors = buildActors();
  if (opts.behaviourAtUs !== undefined) actors.push(...buildBehaviourActors(Math.max(0, opts.behaviourAtUs)));
  const { firstUs, lastUs } = play(
    actors,
    w,
    opts.startUs ?? PLANT_START_US,
    Math.max(0, Math.floor(opts.packets)),
    rng,
  );
  w.flush();
  return { packets: w.packets, bytes: w.bytes, firstUs, lastUs };
}

/** Same as `generatePlant`, written synchronously to the file at `path`. */
export function writePlantCapture(path: string, opts: PlantOptions): PlantResult {
  const fd = openSync(path, 'w');
  try {
    return generatePlant(opts, fdSink(fd));
  } finally {
    closeSync(fd);
  }
}
