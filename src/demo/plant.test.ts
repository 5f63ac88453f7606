import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeCapture } from '../engine/analyze.js';
import { decodeFrame, TcpChecker, walkPcap } from './capture-check.js';
import {
  behaviourPackets,
  DEMO_EXFIL_BYTES,
  DEMO_EXFIL_IP,
  DEMO_HMI_CLOUD_IP,
  DEMO_HMI_CLOUD_NAME,
  DEMO_LAPTOP,
  DEMO_S7_FIRMWARE,
  DEMO_S7_ORDER_NUMBER,
  generatePlant,
  MGMT_VLAN,
  PLANT_DAY_US,
  PLANT_START_US,
  plantDevices,
  plantedBehaviours,
  plantedProblems,
  writePlantCapture,
} from './plant.js';

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
      23: 'telnet',
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
      'telnet',
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

  it('plants every problem in the first 20k packets, on the wire', () => {
    const ip = (name: string) => plantDevices.find((d) => d.name === name)!.ip;
    const text = (p: { frame: Uint8Array }, v: ReturnType<typeof decodeFrame>) =>
      Buffer.from(p.frame.subarray(v.payloadOff, v.payloadOff + v.payloadLen)).toString('latin1');
    const seen = new Set<string>();
    walkPcap(small.bytes, (p) => {
      const v = decodeFrame(p.frame);
      if (v.proto === 6 && v.dport === 80 && v.src === ip('ews-eng01') && v.dst === ip('plc-m340')) {
        // base64('admin:admin')
        if (text(p, v).includes('\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n')) seen.add('web-login');
      }
      if (v.proto === 6 && v.sport === 80 && v.src === ip('plc-m340') && text(p, v).startsWith('HTTP/1.1 200 OK')) {
        if (/Server: Schneider-WEB\/[\d.V]+\r\n/.test(text(p, v)) && /<title>[^<]*M340[^<]*<\/title>/.test(text(p, v)))
          seen.add('web-page');
      }
      if (v.proto === 6 && v.vlan === MGMT_VLAN && v.dport === 23 && v.dst === ip('sw-core')) {
        if (text(p, v) === 'admin\r\n') seen.add('telnet-user');
        if (text(p, v) === 'cisco\r\n') seen.add('telnet-password');
      }
      if (v.proto === 6 && v.sport === 23 && text(p, v).endsWith('sw-core>')) seen.add('telnet-shell');
      if (v.proto === 17 && v.dport === 53 && v.src === ip('hmi-line1')) {
        if (text(p, v).includes('\x07updates\x0ahmi-vendor\x07example\x03com\x00')) seen.add('hmi-dns');
      }
      if (v.proto === 6 && v.dport === 443 && v.src === ip('hmi-line1') && v.dst === DEMO_HMI_CLOUD_IP) {
        if (text(p, v).includes(DEMO_HMI_CLOUD_NAME)) seen.add('hmi-tls-sni');
      }
      if (v.proto === 6 && v.sport === 102 && v.src === ip('plc-s7-1500')) {
        // SZL 0x0011 index 7: order number (20 chars), module type 0, then Ausbg 'V' 2, Ausbe 8 3.
        const fw = `\x00\x07${DEMO_S7_ORDER_NUMBER.padEnd(20)}\x00\x00V\x02\x08\x03`;
        if (text(p, v).includes(fw)) seen.add('s7-firmware');
      }
    });
    assert.deepEqual([...seen].sort(), [
      'hmi-dns',
      'hmi-tls-sni',
      's7-firmware',
      'telnet-password',
      'telnet-shell',
      'telnet-user',
      'web-login',
      'web-page',
    ]);
  });

  it('plants problems the analysis finds: cleartext logins, old firmware, an HMI talking to the internet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-demo-'));
    try {
      const file = join(dir, 'plant.pcap');
      writePlantCapture(file, { packets: 20_000 });
      const key = new Uint8Array(32).fill(7);
      const { snapshot } = await analyzeCapture(file, { credentialKey: key });
      const fp = (s: string) => createHmac('sha256', key).update(s).digest('hex').slice(0, 32);
      const byIp = (ip: string) => snapshot.assets.find((a) => a.ips.includes(ip));
      const fact = (ip: string, field: string) => byIp(ip)?.facts.find((f) => f.field === field)?.value;
      const dev = (name: string) => plantDevices.find((d) => d.name === name)!;
      const cred = (protocol: string) => snapshot.credentials.find((c) => c.protocol === protocol);

      const web = cred('http');
      assert.equal(web?.serverKey, byIp(dev('plc-m340').ip)?.key);
      assert.equal(web?.clientKey, byIp(dev('ews-eng01').ip)?.key);
      assert.deepEqual(
        [web?.user, web?.secretFingerprint, web?.cleartext, web?.successes],
        ['admin', fp('admin'), true, 1],
      );
      assert.match(fact(dev('plc-m340').ip, 'http_title') ?? '', /M340/);

      const telnet = cred('telnet');
      assert.equal(telnet?.serverKey, byIp(dev('sw-core').ip)?.key);
      assert.deepEqual([telnet?.user, telnet?.secretFingerprint, telnet?.successes], ['admin', fp('cisco'), 1]);

      const s7 = dev('plc-s7-1500').ip;
      assert.deepEqual([fact(s7, 'order_number'), fact(s7, 'firmware')], [DEMO_S7_ORDER_NUMBER, DEMO_S7_FIRMWARE]);

      const cloud = byIp(DEMO_HMI_CLOUD_IP);
      assert.ok(cloud, 'the HMI update server is an asset');
      assert.equal(fact(DEMO_HMI_CLOUD_IP, 'hostname'), DEMO_HMI_CLOUD_NAME);
      assert.ok(
        snapshot.links.some(
          (l) => l.clientKey === byIp(dev('hmi-line1').ip)?.key && l.serverKey === cloud.key && l.protocol === 'tls',
        ),
        'HMI -> internet TLS link',
      );
      assert.equal(plantedProblems.length, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists devices with unique names, MACs and IPs', () => {
    assert.equal(new Set(plantDevices.map((d) => d.name)).size, plantDevices.length);
    assert.equal(new Set(plantDevices.map((d) => d.mac)).size, plantDevices.length);
    assert.equal(new Set(plantDevices.map((d) => d.ip)).size, plantDevices.length);
  });
});

describe('demo plant day 2: the planted behaviour problems', () => {
  const atUs = 12 * 1_000_000;
  const packets = 20_000 + behaviourPackets();
  const day2 = () => {
    const chunks: Uint8Array[] = [];
    const r = generatePlant({ packets, startUs: PLANT_START_US + PLANT_DAY_US, behaviourAtUs: atUs }, (c) =>
      chunks.push(c),
    );
    return { bytes: Buffer.concat(chunks), result: r };
  };
  const cap = day2();
  const ip = (name: string) => plantDevices.find((d) => d.name === name)!.ip;

  it('keeps TCP exact and is deterministic', () => {
    assert.equal(cap.result.packets, packets);
    const tcp = new TcpChecker();
    walkPcap(cap.bytes, (p) => tcp.add(decodeFrame(p.frame), p.index));
    assert.deepEqual(tcp.problems, []);
    assert.equal(sha(day2().bytes), sha(cap.bytes));
  });

  it('plays nothing of it on a normal day', () => {
    let laptop = 0;
    walkPcap(capture(20_000).bytes, (p) => {
      const v = decodeFrame(p.frame);
      if (v.src === DEMO_LAPTOP.ip || v.dst === DEMO_EXFIL_IP) laptop++;
    });
    assert.equal(laptop, 0);
    assert.ok(!plantDevices.some((d) => d.ip === DEMO_LAPTOP.ip || d.mac === DEMO_LAPTOP.mac));
  });

  it('decodes as a PLC stop from the laptop and a bulk upload by the ControlLogix, late in the capture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-demo-'));
    try {
      const file = join(dir, 'day2.pcap');
      writeFileSync(file, cap.bytes);
      const stops: { client: string; server: string; fn: string; op: string; pi: unknown; ts: number }[] = [];
      const uploads: { bytes: number; firstUs: number; vlan: number }[] = [];
      let controlOps = 0;
      await analyzeCapture(file, {
        onObservation: (obs, flow) => {
          if (obs.kind !== 'transaction' || obs.protocol !== 's7comm') return;
          if (obs.op === 'control') controlOps++;
          if (obs.fn === 'PLC Stop')
            stops.push({
              client: flow.clientIp,
              server: flow.serverIp,
              fn: obs.fn,
              op: obs.op,
              pi: obs.detail?.piService,
              ts: obs.ts,
            });
        },
        onFlowEnd: (f) => {
          if (f.clientIp === ip('plc-controllogix') && f.serverIp === DEMO_EXFIL_IP)
            uploads.push({ bytes: f.bytesToServer, firstUs: f.firstUs, vlan: f.vlan });
        },
      });
      const start = PLANT_START_US + PLANT_DAY_US;
      assert.equal(stops.length, 1, JSON.stringify(stops));
      assert.deepEqual(
        { ...stops[0], ts: undefined },
        {
          client: DEMO_LAPTOP.ip,
          server: ip('plc-s7-1500'),
          fn: 'PLC Stop',
          op: 'control',
          pi: 'P_PROGRAM',
          ts: undefined,
        },
      );
      assert.equal(controlOps, 1, 'no other S7 control operation in the capture');
      assert.ok(stops[0]!.ts >= start + atUs && stops[0]!.ts < start + atUs + 5_000_000);
      assert.equal(uploads.length, 1);
      assert.ok(uploads[0]!.bytes >= DEMO_EXFIL_BYTES, `${uploads[0]!.bytes} bytes`);
      assert.ok(uploads[0]!.firstUs >= start + atUs, 'the upload comes after the normal start of the day');
      assert.ok(uploads[0]!.firstUs > cap.result.firstUs + (cap.result.lastUs - cap.result.firstUs) / 2, 'late');
      assert.equal(plantedBehaviours.length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
