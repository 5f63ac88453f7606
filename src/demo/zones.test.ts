import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { FlowEvent } from '../detect/contract.js';
import { analyzeCapture } from '../engine/analyze.js';
import { parseZoneFile } from '../policy/zone-file.js';
import {
  behaviourPackets,
  DEMO_LAPTOP,
  PLANT_DAY_US,
  PLANT_START_US,
  plantDevices,
  writePlantCapture,
} from './plant.js';
import { demoConduits, demoZoneFile, demoZones } from './zones.js';

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** The zone of an IP by the most specific CIDR, as the policy resolves zones without VLANs or tags. */
function zoneOf(ip: string): { name: string; level: number } | null {
  let best: { name: string; level: number; bits: number } | null = null;
  for (const z of demoZones)
    for (const c of z.cidrs) {
      const [net, b] = c.split('/');
      const bits = Number(b);
      const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
      const inNet = Math.floor(toInt(ip) / 2 ** (32 - bits)) === Math.floor((toInt(net!) & mask) / 2 ** (32 - bits));
      if (inNet && (!best || bits > best.bits)) best = { name: z.name, level: z.level, bits };
    }
  return best;
}

/** Inter-zone flows that no conduit allows (protocol and port), as 'client>server proto/port'. */
function violations(flows: readonly FlowEvent[]): string[] {
  const out = new Set<string>();
  for (const f of flows) {
    const a = zoneOf(f.clientIp);
    const b = zoneOf(f.serverIp);
    if (!a || !b || a.name === b.name) continue;
    const ok = demoConduits.some(
      (c) =>
        c.from === a.name &&
        c.to === b.name &&
        (f.protocol === null || c.protocols.includes(f.protocol)) &&
        c.ports.includes(f.serverPort),
    );
    if (!ok) out.add(`${f.clientIp}>${f.serverIp} ${f.protocol}/${f.serverPort}`);
  }
  return [...out].sort();
}

async function flowsOf(path: string): Promise<FlowEvent[]> {
  const flows: FlowEvent[] = [];
  await analyzeCapture(path, { onFlowEnd: (f) => flows.push(f) });
  return flows;
}

describe('demo zone file', () => {
  it('is YAML with the zones, conduits and the engineering station', () => {
    const doc = parse(demoZoneFile()) as {
      zones: { name: string; level: number; cidrs: string[] }[];
      conduits: { from: string; to: string; operations: string }[];
      engineering_stations: string[];
    };
    assert.deepEqual(
      doc.zones.map((z) => [z.name, z.level]),
      demoZones.map((z) => [z.name, z.level]),
    );
    assert.equal(doc.conduits.length, demoConduits.length);
    assert.deepEqual(doc.engineering_stations, ['10.10.10.60']);
    const names = new Set(doc.zones.map((z) => z.name));
    for (const c of doc.conduits) assert.ok(names.has(c.from) && names.has(c.to), `${c.from} -> ${c.to}`);
  });

  it('passes the zone-file validator', () => {
    const zf = parseZoneFile(demoZoneFile(), 'plantwarden-demo-zones.yaml');
    assert.equal(zf.zones.length, demoZones.length);
    assert.equal(zf.conduits.length, demoConduits.length);
  });

  it('puts every device in the zone of its Purdue level, and the laptop in office IT', () => {
    for (const d of plantDevices) {
      if (d.name === 'fw-01' || d.name === 'sw-cell') continue; // the firewall spans zones; sw-cell sends only L2
      const z = zoneOf(d.ip);
      assert.ok(z, `${d.name} has a zone`);
      // Network devices and the building controller sit in the zone they serve.
      if (d.role !== 'network-device' && d.kind !== 'building-controller') assert.equal(z.level, d.level, d.name);
    }
    assert.equal(zoneOf(DEMO_LAPTOP.ip)?.name, 'office-it');
  });

  it('allows all of a normal day and none of the laptop on day 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-zones-'));
    try {
      const day1 = join(dir, 'day1.pcap');
      const day2 = join(dir, 'day2.pcap');
      writePlantCapture(day1, { packets: 20_000 });
      writePlantCapture(day2, {
        packets: 20_000 + behaviourPackets(),
        startUs: PLANT_START_US + PLANT_DAY_US,
        behaviourAtUs: 12_000_000,
      });
      // The planted Telnet login to the core switch is the one normal-day flow the zones do not allow.
      const telnet = '10.10.10.60>10.10.99.2 telnet/23';
      assert.deepEqual(violations(await flowsOf(day1)), [telnet]);
      assert.deepEqual(violations(await flowsOf(day2)), [`${DEMO_LAPTOP.ip}>10.10.10.11 s7comm/102`, telnet].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
