import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeFrame, TcpChecker, walkPcap } from './capture-check.js';
import { generatePlant, PLANT_START_US, plantDevices, writePlantCapture } from './plant.js';

function capture(packets: number, seed?: number): { bytes: Buffer; result: ReturnType<typeof generatePlant> } {
  const chunks: Uint8Array[] = [];
  const result = generatePlant(seed === undefined ? { packets } : { packets, seed }, (c) => chunks.push(c));
  return { bytes: Buffer.concat(chunks), result };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('demo plant capture', () => {
  const small = capture(20_000);
  const large = capture(200_000);

  it('is a valid pcap with exactly the requested packet count and ordered timestamps', () => {
    let last = 0;
    let ordered = true;
    const { linkType, packets } = walkPcap(small.bytes, (p) => {
      if (p.tsUs < last) ordered = false;
      last = p.tsUs;
    });
    assert.equal(linkType, 1);
    assert.equal(packets, 20_000);
    assert.equal(small.result.packets, 20_000);
    assert.equal(small.result.bytes, small.bytes.length);
    assert.ok(ordered, 'timestamps never go back');
    assert.equal(small.result.lastUs, last);
    assert.ok(small.result.firstUs >= PLANT_START_US && small.result.firstUs < PLANT_START_US + 1_000_000);
  });

  it('is deterministic: same seed, same bytes; another seed, other bytes', () => {
    assert.equal(sha(capture(20_000).bytes), sha(small.bytes));
    assert.notEqual(sha(capture(20_000, 7).bytes), sha(small.bytes));
  });

  it('writes the same bytes to a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-demo-'));
    try {
      const file = join(dir, 'plant.pcap');
      const r = writePlantCapture(file, { packets: 20_000 });
      assert.equal(r.packets, 20_000);
      assert.equal(sha(readFileSync(file)), sha(small.bytes));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('averages 80-130 bytes per frame at 200k packets, dominated by OT polling', () => {
    let frameBytes = 0;
    let ot = 0;
    walkPcap(large.bytes, (p) => {
      frameBytes += p.frame.length;
      const v = decodeFrame(p.frame);
      if (v.proto === 6 && [102, 502, 44818, 4840].some((port) => port === v.sport || port === v.dport)) ot++;
    });
    const avg = frameBytes / 200_000;
    assert.ok(avg >= 80 && avg <= 130, `average frame ${avg.toFixed(1)} bytes`);
    assert.ok(ot / 200_000 > 0.95, `OT share ${(ot / 2000).toFixed(1)}%`);
  });

  it('keeps every TCP flow consistent (handshake, seq/ack per direction, FIN) and every length field right', () => {
    const tcp = new TcpChecker();
    walkPcap(large.bytes, (p) => tcp.add(decodeFrame(p.frame), p.index));
    assert.deepEqual(tcp.problems, []);
    assert.ok(tcp.flowCount >= 20, `${tcp.flowCount} flows`);
    assert.ok(tcp.segments > 190_000);
  });

  it('has a TCP checker that notices a broken sequence number', () => {
    const bad = Buffer.from(small.bytes);
    let patched = false;
    walkPcap(bad, (p) => {
      const v = decodeFrame(p.frame);
      if (!patched && p.index > 5000 && v.proto === 6 && v.payloadLen > 0) {
        p.frame[v.payloadOff - 20 + 7] ^= 0x40; // flip a bit of the seq field
        patched = true;
      }
    });
    const tcp = new TcpChecker();
    walkPcap(bad, (p) => tcp.add(decodeFrame(p.frame), p.index));
    assert.ok(patched);
    assert.ok(tcp.problems.length > 0);
  });

  it('lets every device send at least one packet and shows every protocol in 20k packets', () => {
    const senders = new Set<string>();
    const seen = new Set<string>();
    const ports: Record<number, string> = {
      102: 's7comm',
      502: 'modbus',
      44818: 'enip',
      4840: 'opcua',
      47808: 'bacnet',
      67: 'dhcp',
      53: 'dns',
      123: 'ntp',
      80: 'http',
      443: 'tls',
      3389: 'rdp',
    };
    walkPcap(small.bytes, (p) => {
      const v = decodeFrame(p.frame);
      senders.add(v.srcMac);
      if (v.etherType === 0x0806) seen.add('arp');
      if (v.etherType === 0x88cc) seen.add('lldp');
      if (v.etherType <= 1500 && p.frame[14] === 0x42) seen.add('stp');
      const name = ports[v.dport] ?? ports[v.sport];
      if (name && v.proto !== 0) seen.add(name);
      // ENIP ListIdentity over UDP
      if (v.proto === 17 && v.dport === 44818) seen.add('enip-udp');
    });
    for (const dev of plantDevices) {
      // Switches send bridge frames from their port MACs, which share the chassis OUI.
      const prefix = dev.kind === 'switch' ? dev.mac.slice(0, 8) : dev.mac;
      assert.ok(
        [...senders].some((s) => s.startsWith(prefix)),
        `${dev.name} (${dev.mac}) sent nothing`,
      );
    }
    const expected = [
      'arp',
      'lldp',
      'stp',
      's7comm',
      'modbus',
      'enip',
      'enip-udp',
      'opcua',
      'bacnet',
      'dhcp',
      'dns',
      'ntp',
      'http',
      'tls',
      'rdp',
    ];
    for (const p of expected) assert.ok(seen.has(p), `${p} missing`);
  });

  it('routes IT to OT through the firewall: its MAC carries many IPs', () => {
    const fw = plantDevices.find((d) => d.name === 'fw-01')!;
    const ips = new Set<string>();
    walkPcap(small.bytes, (p) => {
      const v = decodeFrame(p.frame);
      if (v.srcMac === fw.mac && v.src) ips.add(v.src);
    });
    assert.ok(ips.size >= 5, `fw-01 carried ${[...ips].join(', ')}`);
  });

  it('lists devices with unique names, MACs and IPs', () => {
    assert.equal(new Set(plantDevices.map((d) => d.name)).size, plantDevices.length);
    assert.equal(new Set(plantDevices.map((d) => d.mac)).size, plantDevices.length);
    assert.equal(new Set(plantDevices.map((d) => d.ip)).size, plantDevices.length);
  });
});
