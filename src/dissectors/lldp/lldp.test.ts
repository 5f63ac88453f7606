// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { lldpDissector, osFromDescription } from './lldp.dissector.js';
import { capabilityNames, tlvName } from './lldp.parse.js';

const FLOW = testFlow({ transport: 'l2', clientIp: '', serverIp: '', clientPort: 0, serverPort: 0, clientMac: 0x000130f9ada0, serverMac: 0 });
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
/** TLV header: type (7 bits) | length (9 bits). */
const th = (type: number, len: number) => [(type << 1) | (len >> 8), len & 0xff];

function run(frames: number[][]): FakeContext {
  const ctx = new FakeContext(FLOW);
  const s = lldpDissector.newState(FLOW);
  for (const f of frames) {
    const buf = Uint8Array.from([0xee, ...f, 0xee]);
    lldpDissector.parse(s, buf, 1, f.length, ctx);
  }
  return ctx;
}

/** An LLDPDU like lldp.detailed.pcap's, with a management IPv4 and a PROFINET TLV. */
const LLDPDU = [
  ...th(1, 7), 0x04, 0x00, 0x01, 0x30, 0xf9, 0xad, 0xa0, // Chassis ID: subtype MAC, 00:01:30:f9:ad:a0
  ...th(2, 4), 0x05, ...ascii('1/1'),                    // Port ID: subtype interface name, "1/1"
  ...th(3, 2), 0x00, 0x78,                               // TTL 120 s
  ...th(5, 6), ...ascii('plc-01'),                       // System Name
  ...th(6, 18), ...ascii('Linux 4.19 PLCnext'),          // System Description
  ...th(7, 4), 0x00, 0x14, 0x00, 0x04,                   // Capabilities: bridge+router, enabled: bridge
  ...th(8, 12), 0x05, 0x01, 10, 0, 0, 5,                 // Mgmt address: length 5, IPv4 10.0.0.5
  0x02, 0x00, 0x00, 0x00, 0x01, 0x00,                    //   ifIndex subtype, interface 1, OID length 0
  ...th(127, 10), 0x00, 0x0e, 0xcf, 0x05,                // Org specific: PROFINET, Chassis MAC
  0x00, 0x0e, 0x8c, 0x01, 0x02, 0x03,                    //   MAC
  ...th(127, 6), 0x00, 0x80, 0xc2, 0x01, 0x01, 0xe8,     // Org specific: 802.1 Port VLAN ID 488
  ...th(0, 0),                                           // End
];

describe('lldp', () => {
  it('names are total', () => {
    assert.equal(tlvName(5), 'SYSTEM_NAME');
    assert.equal(tlvName(42), 'unknown-42');
    assert.equal(capabilityNames(0x14), 'bridge,router');
    assert.equal(capabilityNames(0x8000), 'unknown-bit-15');
    assert.equal(osFromDescription('Cisco IOS Software, C2960'), 'Cisco IOS');
    assert.equal(osFromDescription('Summit300-48 - Version 7.4e.1'), undefined);
  });

  it('decodes an LLDPDU into facts about the sender', () => {
    const ctx = run([LLDPDU]);
    assert.deepEqual(ctx.anomalies, []);
    assert.equal(ctx.identities[0]?.about, 'client');
    assert.deepEqual(ctx.facts, [
      'lldp_chassis_id=00:01:30:f9:ad:a0',
      'lldp_port_id=1/1',
      'hostname=plc-01',
      'device_name=plc-01',
      'description=Linux 4.19 PLCnext',
      'os=Linux',
      'lldp_capabilities=bridge,router',
      'lldp_enabled_capabilities=bridge',
      'device_type=switch',
      'management_ip=10.0.0.5',
      'profinet_chassis_mac=00:0e:8c:01:02:03',
      'lldp_port_vlan=488',
    ]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.op, 'discovery');
    assert.equal(tx?.detail?.ttl, 120);
  });

  it('repeats emit a transaction but no new identity', () => {
    const ctx = run([LLDPDU, LLDPDU]);
    assert.equal(ctx.transactions.length, 2);
    assert.equal(ctx.identities.length, 1);
  });

  it('malformed: truncated TLV, wrong order, bad TTL, missing End', () => {
    const cut = LLDPDU.slice(0, 12);
    assert.deepEqual(run([cut]).anomalies.map((a) => a.code), ['lldp-tlv-truncated']);
    const order = [...th(2, 4), 0x05, ...ascii('1/1'), ...th(1, 7), 0x04, 0, 1, 2, 3, 4, 5, ...th(3, 2), 0, 1, ...th(0, 0)];
    assert.deepEqual(run([order]).anomalies.map((a) => a.code), ['lldp-bad-tlv-order', 'lldp-bad-tlv-order']);
    const ttl = [...th(1, 2), 0x07, 0x41, ...th(2, 2), 0x07, 0x42, ...th(3, 1), 0x05, ...th(0, 0)];
    assert.deepEqual(run([ttl]).anomalies.map((a) => a.code), ['lldp-bad-ttl-length']);
    const noEnd = LLDPDU.slice(0, LLDPDU.length - 2);
    assert.deepEqual(run([noEnd]).anomalies.map((a) => a.code), ['lldp-missing-end-tlv']);
  });

  it('fuzz: random and mutated frames never throw', () => {
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const ctx = new FakeContext(FLOW);
    const s = lldpDissector.newState(FLOW);
    for (let i = 0; i < 5000; i++) {
      const f = i & 1 ? Array.from({ length: rnd() % 120 }, () => rnd() & 0xff) : LLDPDU.map((b) => (rnd() % 12 === 0 ? rnd() & 0xff : b));
      const n = lldpDissector.parse(s, Uint8Array.from(f), 0, f.length, ctx);
      assert.ok(n >= 0 && n <= f.length);
    }
  });
});
