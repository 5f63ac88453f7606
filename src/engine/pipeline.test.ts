import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPcap } from '../capture/pcap-builder.js';
import { readCaptureBuffer } from '../capture/source.js';
import { LinkType } from '../capture/types.js';
import { defaultRegistry } from '../dissectors/index.js';
import { bestFact } from '../inventory/classify.js';
import type { Observation } from '../observations/observation.js';
import { arp, ethernet, ipv4, tcpConversation, udp } from '../testing/frames.js';
import { Pipeline } from './pipeline.js';

const T0 = 1_772_431_200_000_000; // 2026-03-02T06:00:00Z in µs

function run(packets: { tsUs: number; data: Uint8Array }[], repeatOps?: ReadonlySet<string>) {
  const observations: Observation[] = [];
  const repeats: boolean[] = [];
  const pipe = new Pipeline({
    registry: defaultRegistry(),
    ...(repeatOps ? { repeatOps } : {}),
    onObservation: (o, _f, repeat) => {
      observations.push(o);
      repeats.push(repeat);
    },
  });
  readCaptureBuffer(buildPcap({ linkType: LinkType.ETHERNET }, packets), pipe);
  pipe.finish();
  return { pipe, observations, repeats, inv: pipe.inventory.finalize() };
}

// Modbus/TCP 43/14 Read Device Identification, basic objects.
const deviceIdRequest = [
  0x00,
  0x07, // transaction id
  0x00,
  0x00, // protocol id
  0x00,
  0x05, // length
  0x01, // unit id
  0x2b, // function 43
  0x0e, // MEI type 14
  0x01, // read device id code: basic
  0x00, // object id 0
];
const deviceIdResponse = [
  0x00,
  0x07, // transaction id
  0x00,
  0x00, // protocol id
  0x00,
  0x31, // length = 49 (unit id + PDU)
  0x01, // unit id
  0x2b, // function 43
  0x0e, // MEI type 14
  0x01, // read device id code
  0x01, // conformity level
  0x00, // more follows: no
  0x00, // next object id
  0x03, // number of objects
  0x00,
  0x12,
  ...Buffer.from('Schneider Electric'), // object 0 VendorName, 18 bytes
  0x01,
  0x0c,
  ...Buffer.from('BMX P34 2020'), // object 1 ProductCode, 12 bytes
  0x02,
  0x05,
  ...Buffer.from('v3.10'), // object 2 MajorMinorRevision, 5 bytes
];
// Read holding registers 0..1.
const readRequest = [0x00, 0x08, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x02];
const readResponse = [0x00, 0x08, 0x00, 0x00, 0x00, 0x07, 0x01, 0x03, 0x04, 0x00, 0x2a, 0x00, 0x2b];

const PLC_MAC = '00:80:f4:01:02:03'; // Schneider (Telemecanique) OUI
const HMI_MAC = '00:0c:29:aa:bb:cc';

/** The HMI (10.10.1.20) talking Modbus/TCP to the PLC (10.10.1.10), from T0. */
function hmiPollsPlc(
  exchanges: Parameters<typeof tcpConversation>[0]['exchanges'],
  vlan?: number,
): ReturnType<typeof tcpConversation> {
  return tcpConversation({
    clientMac: HMI_MAC,
    serverMac: PLC_MAC,
    clientIp: '10.10.1.20',
    serverIp: '10.10.1.10',
    clientPort: 49152,
    serverPort: 502,
    exchanges,
    startUs: T0,
    ...(vlan !== undefined ? { vlan } : {}),
  });
}

test('a Modbus session yields a controller with its identity, a client, a link with operations', () => {
  const packets = hmiPollsPlc(
    [
      { request: deviceIdRequest, response: deviceIdResponse },
      { request: readRequest, response: readResponse },
      { request: readRequest, response: readResponse },
    ],
    20,
  );
  const { inv, observations, repeats, pipe } = run(packets);
  const tx = observations.filter((o) => o.kind === 'transaction');
  assert.equal(tx.length, 3);
  // The second read repeats a function the flow already carried; the first two are new.
  assert.deepEqual(
    observations.flatMap((o, i) => (o.kind === 'transaction' ? [repeats[i]] : [])),
    [false, false, true],
  );
  assert.equal(pipe.counts.packets, packets.length);
  const plc = inv.assets.find((a) => a.key === `mac:${PLC_MAC}`);
  assert.ok(plc, 'the PLC is keyed by its MAC');
  assert.deepEqual(plc.ips, ['10.10.1.10']);
  assert.deepEqual(plc.vlans, [20]);
  // The device's own answer beats the OUI's registry name.
  assert.equal(bestFact(plc, 'vendor'), 'Schneider Electric');
  assert.ok(plc.facts.some((f) => f.protocol === 'oui' && f.precedence === 10));
  assert.equal(bestFact(plc, 'product_code'), 'BMX P34 2020');
  assert.equal(bestFact(plc, 'firmware'), 'v3.10');
  const fw = plc.facts.find((f) => f.field === 'firmware');
  assert.equal(fw?.source, 'modbus.43/14.MajorMinorRevision');
  assert.equal(fw?.firstSeenUs, T0 + 4000, 'evidence carries the packet time of the response');
  assert.ok(plc.roles.some((r) => r.protocol === 'modbus' && r.role === 'server' && r.port === 502 && r.peers === 1));
  const hmi = inv.assets.find((a) => a.key === `mac:${HMI_MAC}`);
  assert.ok(hmi?.roles.some((r) => r.protocol === 'modbus' && r.role === 'client'));
  assert.equal(inv.links.length, 1);
  const link = inv.links[0]!;
  assert.equal(link.clientKey, `mac:${HMI_MAC}`);
  assert.equal(link.serverKey, `mac:${PLC_MAC}`);
  assert.equal(link.packets, packets.length);
  assert.equal(link.ops['read:READ_HOLDING_REGISTERS'], 2);
  assert.equal(link.ops['discovery:ENCAP_INTERFACE_TRANSPORT'] ?? link.ops['discovery:READ_DEVICE_IDENTIFICATION'], 1);
  // Packets and bytes are accounted to both ends.
  assert.equal(plc.packetsSent + hmi!.packetsSent, packets.length);
  assert.equal(inv.anomalies.length, 0, JSON.stringify(inv.anomalies));
});

test('repeatOps: repeated transactions of other op classes skip the observer, and still count on the link', () => {
  const read = { request: readRequest, response: readResponse };
  const packets = hmiPollsPlc([read, read, read]);
  const all = run(packets);
  assert.equal(all.observations.filter((o) => o.kind === 'transaction').length, 3);
  const writesOnly = run(packets, new Set(['write']));
  assert.deepEqual(
    writesOnly.observations.map((o) => (o.kind === 'transaction' ? o.fn : o.kind)),
    ['READ_HOLDING_REGISTERS'],
    'the first read only',
  );
  assert.deepEqual(writesOnly.repeats, [false]);
  assert.equal(writesOnly.pipe.counts.observations, 3, 'every transaction is still counted');
  assert.equal(writesOnly.inv.links[0]?.ops['read:READ_HOLDING_REGISTERS'], 3);
  const readsToo = run(packets, new Set(['read']));
  assert.deepEqual(readsToo.repeats, [false, true, true]);
});

test('a MAC that carries many IPs is a router; the IPs behind it become assets of their own', () => {
  const ROUTER = '00:1a:2b:00:00:01';
  const HOST = '00:1a:2b:00:00:02';
  const packets: { tsUs: number; data: Uint8Array }[] = [];
  let ts = T0;
  // The router claims 10.0.0.1 in ARP.
  packets.push({
    tsUs: ts++,
    data: Uint8Array.from(ethernet('ff:ff:ff:ff:ff:ff', ROUTER, 0x0806, arp(2, ROUTER, '10.0.0.1', HOST, '10.0.0.5'))),
  });
  for (let i = 0; i < 6; i++) {
    const remote = `192.168.50.${10 + i}`;
    packets.push({
      tsUs: ts++,
      data: Uint8Array.from(
        ethernet(HOST, ROUTER, 0x0800, ipv4(remote, '10.0.0.5', 17, udp(40000 + i, 123, [0x23, 0, 0, 0]))),
      ),
    });
    packets.push({
      tsUs: ts++,
      data: Uint8Array.from(
        ethernet(ROUTER, HOST, 0x0800, ipv4('10.0.0.5', remote, 17, udp(123, 40000 + i, [0x24, 0, 0, 0]))),
      ),
    });
  }
  // The host's own IP also crosses the router (seen on another VLAN with the router's MAC as
  // source): it must stay the host's IP, and the host keeps its own MAC.
  packets.push({
    tsUs: ts++,
    data: Uint8Array.from(
      ethernet(
        '00:1a:2b:00:00:09',
        ROUTER,
        0x0800,
        ipv4('10.0.0.5', '10.0.9.9', 17, udp(123, 40100, [0x24, 0, 0, 0])),
        30,
      ),
    ),
  });
  packets.push({
    tsUs: ts++,
    data: Uint8Array.from(
      ethernet(
        ROUTER,
        '00:1a:2b:00:00:09',
        0x0800,
        ipv4('10.0.9.9', '10.0.0.5', 17, udp(40100, 123, [0x23, 0, 0, 0])),
        30,
      ),
    ),
  });
  const { inv } = run(packets);
  const router = inv.assets.find((a) => a.key === `mac:${ROUTER}`);
  assert.ok(router?.isRouter);
  assert.deepEqual(router.ips, ['10.0.0.1'], 'the router keeps only the IP it claimed in ARP');
  for (let i = 0; i < 6; i++) assert.ok(inv.assets.some((a) => a.key === `ip:192.168.50.${10 + i}`));
  const host = inv.assets.find((a) => a.key === `mac:${HOST}`);
  assert.ok(host && !host.isRouter);
  assert.equal(host.mac, HOST);
  assert.deepEqual(host.ips, ['10.0.0.5']);
  assert.deepEqual(host.vlans, [30], 'the VLAN it was seen on through the router');
  assert.ok(host.roles.some((r) => r.protocol === 'ntp' && r.role === 'server' && r.peers === 7));
  assert.equal(inv.links.length, 7);
  assert.ok(inv.links.every((l) => l.serverKey === `mac:${HOST}`));
});

test('group addresses and ARP probes make no assets', () => {
  const A = '00:1a:2b:00:00:0a';
  const packets = [
    // ARP probe: sender IP 0.0.0.0 (RFC 5227)
    {
      tsUs: T0,
      data: Uint8Array.from(
        ethernet('ff:ff:ff:ff:ff:ff', A, 0x0806, arp(1, A, '0.0.0.0', '00:00:00:00:00:00', '10.0.0.9')),
      ),
    },
    // BACnet Who-Is broadcast
    {
      tsUs: T0 + 1,
      data: Uint8Array.from(
        ethernet(
          'ff:ff:ff:ff:ff:ff',
          A,
          0x0800,
          ipv4('10.0.0.9', '10.0.0.255', 17, udp(47808, 47808, [0x81, 0x0b, 0x00, 0x08, 0x01, 0x20, 0x10, 0x08])),
        ),
      ),
    },
    // mDNS to 224.0.0.251
    {
      tsUs: T0 + 2,
      data: Uint8Array.from(
        ethernet('01:00:5e:00:00:fb', A, 0x0800, ipv4('10.0.0.9', '224.0.0.251', 17, udp(5353, 5353, [0, 0, 0, 0]))),
      ),
    },
  ];
  const { inv } = run(packets);
  assert.deepEqual(
    inv.assets.map((a) => a.key),
    [`mac:${A}`],
  );
  assert.deepEqual(inv.assets[0]!.ips, ['10.0.0.9']);
  assert.equal(inv.links.length, 0, 'no link to a broadcast or multicast group');
});

test('non-IP frames count as L2 protocol roles (STP announcements)', () => {
  const SW = '00:1a:2b:00:00:0b';
  // 802.3 frame with LLC DSAP/SSAP 0x42 (Spanning Tree), length field 38
  const bpdu = [
    ...[0x01, 0x80, 0xc2, 0x00, 0x00, 0x00], // destination: STP multicast
    ...SW.split(':').map((h) => Number.parseInt(h, 16)), // source
    0x00,
    0x26, // 802.3 length = 38
    0x42,
    0x42,
    0x03, // LLC: DSAP, SSAP, control (UI)
    ...new Array(35).fill(0), // BPDU body (not decoded here)
  ];
  const { inv } = run([{ tsUs: T0, data: Uint8Array.from(bpdu) }]);
  const sw = inv.assets.find((a) => a.key === `mac:${SW}`);
  assert.ok(sw?.roles.some((r) => r.protocol === 'stp' && r.transport === 'l2' && r.role === 'server'));
});
