// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { CDP_L2_KEY, cdpDissector } from './cdp.dissector.js';
import { capabilityNames, cdpChecksumOk, tlvName } from './cdp.parse.js';

const FLOW = testFlow({ transport: 'l2', clientIp: '', serverIp: '', clientPort: 0, serverPort: 0, clientMac: 0x000bbe189a41, serverMac: 0 });
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const tlv = (type: number, value: number[]) => [type >> 8, type & 0xff, (value.length + 4) >> 8, (value.length + 4) & 0xff, ...value];

/** Fills in the IP checksum (bytes 2-3) over the whole PDU (even length). */
function withChecksum(pdu: number[]): number[] {
  const p = [...pdu];
  p[2] = 0;
  p[3] = 0;
  let sum = 0;
  for (let i = 0; i + 1 < p.length; i += 2) sum += ((p[i] as number) << 8) | (p[i + 1] as number);
  if (p.length & 1) sum += (p[p.length - 1] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  p[2] = c >> 8;
  p[3] = c & 0xff;
  return p;
}

const PDU = withChecksum([
  0x02,                                        // version 2
  0xb4,                                        // TTL 180 s
  0x00, 0x00,                                  // checksum (filled in)
  ...tlv(0x01, ascii('myswitch')),             // Device ID
  ...tlv(0x02, [0, 0, 0, 1,                    // Addresses: count 1
    0x01, 0x01, 0xcc,                          //   NLPID, length 1, IP
    0x00, 0x04, 192, 168, 0, 253]),            //   address length 4, 192.168.0.253
  ...tlv(0x03, ascii('Fa0/1')),                // Port ID
  ...tlv(0x04, [0, 0, 0, 0x28]),               // Capabilities: switch, IGMP
  ...tlv(0x05, ascii('Cisco IOS Software, Version 15.0(2)SE4,')), // Software version
  ...tlv(0x06, ascii('cisco WS-C2960-24')),    // Platform
  ...tlv(0x0a, [0x00, 0x01]),                  // Native VLAN 1
  ...tlv(0x0b, [0x01]),                        // Duplex full (the PDU has an odd length: no padding)
]);

function run(frames: number[][]): FakeContext {
  const ctx = new FakeContext(FLOW);
  const s = cdpDissector.newState(FLOW);
  for (const f of frames) cdpDissector.parse(s, Uint8Array.from([0xee, ...f]), 1, f.length, ctx);
  return ctx;
}

describe('cdp', () => {
  it('registry key and names', () => {
    assert.equal(CDP_L2_KEY, 0xc2000);
    assert.equal(tlvName(6), 'PLATFORM');
    assert.equal(tlvName(0x99), 'unknown-153');
    assert.equal(capabilityNames(0x29), 'router,switch,igmp');
  });

  it('decodes an announcement into facts about the sender', () => {
    const ctx = run([PDU]);
    assert.deepEqual(ctx.anomalies, []);
    assert.deepEqual(ctx.facts, [
      'hostname=myswitch',
      'device_name=myswitch',
      'management_ip=192.168.0.253',
      'cdp_port_id=Fa0/1',
      'cdp_capabilities=switch,igmp',
      'device_type=switch',
      'description=Cisco IOS Software, Version 15.0(2)SE4,',
      'os=Cisco IOS',
      'firmware=15.0(2)SE4',
      'model=cisco WS-C2960-24',
      'vendor=Cisco',
      'cdp_native_vlan=1',
      'cdp_duplex=full',
    ]);
    assert.equal(ctx.transactions[0]?.detail?.ttl, 180);
    assert.equal(run([PDU, PDU]).identities.length, 1);
  });

  it('checksum: RFC form and Cisco odd-length form', () => {
    assert.ok(cdpChecksumOk(Uint8Array.from(PDU), 0, PDU.length));
    const bad = [...PDU];
    bad[5] ^= 0xff;
    assert.deepEqual(run([bad]).anomalies.map((a) => a.code), ['cdp-bad-checksum']);
  });

  it('malformed: short header, bad version, TLV length, addresses', () => {
    assert.deepEqual(run([[0x02, 0xb4]]).anomalies.map((a) => a.code), ['cdp-header-truncated']);
    const v9 = withChecksum([0x09, 0xb4, 0, 0]);
    assert.deepEqual(run([v9]).anomalies.map((a) => a.code), ['cdp-bad-version']);
    const tlvLen = withChecksum([0x02, 0xb4, 0, 0, 0x00, 0x01, 0x00, 0x02]);
    assert.deepEqual(run([tlvLen]).anomalies.map((a) => a.code), ['cdp-tlv-bad-length']);
    const addr = withChecksum([0x02, 0xb4, 0, 0, ...tlv(0x02, [0, 0, 0, 2, 0x01, 0x01, 0xcc, 0x00, 0x04, 1, 2])]);
    assert.deepEqual(run([addr]).anomalies.map((a) => a.code), ['cdp-address-malformed']);
  });

  it('fuzz: random and mutated frames never throw', () => {
    let seed = 99;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const ctx = new FakeContext(FLOW);
    const s = cdpDissector.newState(FLOW);
    for (let i = 0; i < 5000; i++) {
      const f = i & 1 ? Array.from({ length: rnd() % 120 }, () => rnd() & 0xff) : PDU.map((b) => (rnd() % 12 === 0 ? rnd() & 0xff : b));
      const n = cdpDissector.parse(s, Uint8Array.from(f), 0, f.length, ctx);
      assert.ok(n >= 0 && n <= f.length);
    }
  });
});
