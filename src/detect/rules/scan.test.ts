import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPcap } from '../../capture/pcap-builder.js';
import { readCaptureBuffer } from '../../capture/source.js';
import { LinkType } from '../../capture/types.js';
import { defaultRegistry } from '../../dissectors/index.js';
import { analyzeCapture } from '../../engine/analyze.js';
import { Pipeline } from '../../engine/pipeline.js';
import type { AssetRole } from '../../inventory/model.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import { arp, ethernet, ipv4, SYN, tcp } from '../../testing/frames.js';
import type { ArpEvent, Detection, FlowEvent, HostView, RuleContext, RuleEvent } from '../contract.js';
import { HORIZONTAL_THRESHOLD, isFailedProbe, MAX_SCANNERS, scanRule, VERTICAL_THRESHOLD } from './scan.js';

const T0 = 1_772_431_200_000_000;

function ctx(roles: Record<string, AssetRole> = {}): RuleContext {
  return {
    host: (ip): HostView => ({
      assetKey: null,
      role: roles[ip] ?? 'unknown',
      zone: null,
      level: null,
      engineering: false,
      label: ip,
    }),
    baseline: null,
    policy: null,
    state: new Map(),
  };
}

let nextId = 1;
function flow(o: Partial<FlowEvent> & { clientIp: string; serverIp: string }): FlowEvent {
  return {
    id: nextId++,
    transport: 'tcp',
    protocol: null,
    clientMac: 1,
    serverMac: 2,
    clientPort: 40000,
    serverPort: 502,
    vlan: 0,
    firstUs: T0,
    lastUs: T0,
    packetsToServer: 1,
    packetsToClient: 0,
    bytesToServer: 60,
    bytesToClient: 0,
    established: false,
    reset: false,
    ops: {},
    ...o,
  };
}

function feed(events: RuleEvent[], c = ctx()): Detection[] {
  const out: Detection[] = [];
  for (const e of events) out.push(...(scanRule.evaluate(e, c) ?? []));
  return out;
}

test('horizontal SYN scan of PLCs fires once, high, keyed by the scanner', () => {
  const events: RuleEvent[] = [];
  for (let i = 1; i <= 30; i++) {
    events.push({
      kind: 'flow',
      flow: flow({ clientIp: '10.0.0.66', serverIp: `10.0.1.${i}`, protocol: 'modbus', firstUs: T0 + i * 100_000 }),
    });
  }
  const d = feed(events);
  assert.equal(d.length, 1);
  assert.equal(d[0]?.ruleId, 'net.scan');
  assert.equal(d[0]?.key, '10.0.0.66');
  assert.equal(d[0]?.severity, 'high');
  assert.deepEqual(d[0]?.attack, ['T0846']);
  assert.match(d[0]?.evidence ?? '', /horizontal tcp scan/);
});

test('severity is medium without OT targets and high when the inventory says PLC', () => {
  const mk = () =>
    Array.from(
      { length: HORIZONTAL_THRESHOLD },
      (_, i): RuleEvent => ({
        kind: 'flow',
        flow: flow({ clientIp: '10.0.0.66', serverIp: `10.0.2.${i + 1}`, serverPort: 22, firstUs: T0 + i }),
      }),
    );
  assert.equal(feed(mk())[0]?.severity, 'medium');
  assert.equal(feed(mk(), ctx({ '10.0.2.7': 'plc' }))[0]?.severity, 'high');
  assert.equal(feed(mk().slice(1)).length, 0, 'one below the threshold');
});

test('HMI polling 20 PLCs (answered, established) never fires, nor when they later go down', () => {
  const c = ctx();
  const events: RuleEvent[] = [];
  for (let round = 0; round < 5; round++) {
    for (let i = 1; i <= 25; i++) {
      events.push({
        kind: 'flow',
        flow: flow({
          clientIp: '10.0.0.20',
          serverIp: `10.0.1.${i}`,
          firstUs: T0 + round * 1e6,
          established: true,
          packetsToServer: 40,
          packetsToClient: 40,
          ops: { read: 20 },
        }),
      });
    }
  }
  // The cell loses power: every reconnect attempt is unanswered.
  for (let i = 1; i <= 25; i++) {
    events.push({ kind: 'flow', flow: flow({ clientIp: '10.0.0.20', serverIp: `10.0.1.${i}`, firstUs: T0 + 9e6 }) });
  }
  assert.deepEqual(feed(events, c), []);
});

test('vertical scan: many refused ports on one host', () => {
  const events: RuleEvent[] = [];
  for (let p = 1; p <= VERTICAL_THRESHOLD + 5; p++) {
    events.push({
      kind: 'flow',
      flow: flow({
        clientIp: '10.0.0.66',
        serverIp: '10.0.1.9',
        serverPort: p,
        packetsToClient: 1,
        reset: true,
        firstUs: T0 + p,
      }),
    });
  }
  const d = feed(events);
  assert.equal(d.length, 1);
  assert.match(d[0]?.title ?? '', /probed 20 ports on 10\.0\.1\.9/);
});

test('ICMP echo sweep fires; answered pings and broadcasts do not', () => {
  const sweep = Array.from(
    { length: 30 },
    (_, i): RuleEvent => ({
      kind: 'flow',
      flow: flow({
        transport: 'icmp',
        clientIp: '10.0.0.66',
        serverIp: `10.0.3.${i + 1}`,
        serverPort: 0,
        firstUs: T0 + i,
      }),
    }),
  );
  assert.equal(feed(sweep).length, 1);
  const answered = sweep.map((e) => ({ ...e, flow: { ...(e as { flow: FlowEvent }).flow, packetsToClient: 1 } }));
  assert.equal(feed(answered as RuleEvent[]).length, 0);
  const bcast = Array.from(
    { length: 30 },
    (_, i): RuleEvent => ({
      kind: 'flow',
      flow: flow({ transport: 'udp', clientIp: `10.0.0.${i + 1}`, serverIp: '255.255.255.255', serverPort: 44818 }),
    }),
  );
  assert.equal(feed(bcast).length, 0);
});

test('probes spread over far more than a minute, or over scattered /16s, do not count', () => {
  const slow = Array.from(
    { length: 30 },
    (_, i): RuleEvent => ({
      kind: 'flow',
      flow: flow({ clientIp: '10.0.0.66', serverIp: `10.0.1.${i + 1}`, firstUs: T0 + i * 10_000_000 }),
    }),
  );
  assert.equal(feed(slow).length, 0);
  const scattered = Array.from(
    { length: 30 },
    (_, i): RuleEvent => ({
      kind: 'flow',
      flow: flow({ clientIp: '10.0.0.66', serverIp: `${20 + i}.1.2.3`, serverPort: 80 }),
    }),
  );
  assert.equal(feed(scattered).length, 0);
});

test('a TCP session that ends in RST after real traffic is not a probe', () => {
  assert.equal(isFailedProbe(flow({ clientIp: 'a', serverIp: 'b', reset: true, packetsToClient: 1 })), true);
  assert.equal(
    isFailedProbe(flow({ clientIp: 'a', serverIp: 'b', reset: true, packetsToServer: 30, packetsToClient: 30 })),
    false,
  );
  assert.equal(
    isFailedProbe(flow({ clientIp: 'a', serverIp: 'b', reset: true, packetsToClient: 1, ops: { read: 1 } })),
    false,
  );
});

test('ARP sweep fires; a host whose ARP requests are answered does not; routers are skipped', () => {
  const req = (i: number, senderMac = 0x0a0000000066): RuleEvent => ({
    kind: 'arp',
    arp: {
      ts: T0 + i * 1000,
      op: 1,
      senderMac,
      senderIp: '10.0.0.66',
      targetMac: 0,
      targetIp: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      gratuitous: false,
      vlan: 0,
    } satisfies ArpEvent,
  });
  const sweep = Array.from({ length: 200 }, (_, i) => req(i));
  const d = feed(sweep);
  assert.equal(d.length, 1);
  assert.equal(d[0]?.protocol, 'arp');
  const answered: RuleEvent[] = [];
  for (let i = 0; i < 200; i++) {
    const r = req(i);
    answered.push(r);
    const a = (r as { arp: ArpEvent }).arp;
    answered.push({
      kind: 'arp',
      arp: {
        ...a,
        op: 2,
        senderMac: 0x0b0000000000 + i,
        senderIp: a.targetIp,
        targetMac: a.senderMac,
        targetIp: a.senderIp,
      },
    });
  }
  assert.equal(feed(answered).length, 0);
  assert.equal(feed(sweep, ctx({ 'mac:0a:00:00:00:00:66': 'network-device' })).length, 0);
});

test('state stays bounded with many scanners', () => {
  const c = ctx();
  for (let i = 0; i < 5000; i++) {
    scanRule.evaluate(
      { kind: 'flow', flow: flow({ clientIp: `10.${i >> 8}.${i & 255}.1`, serverIp: '10.200.0.1' }) },
      c,
    );
  }
  const s = c.state.get('scan') as { scanners: Map<string, unknown> };
  assert.ok(s.scanners.size <= MAX_SCANNERS);
});

test('end to end through the pipeline: a SYN sweep in a capture fires, the answered part does not count', () => {
  const packets: { tsUs: number; data: Uint8Array }[] = [];
  const A = '02:00:00:00:00:66';
  const B = '02:00:00:00:00:01';
  for (let i = 1; i <= 40; i++) {
    packets.push({
      tsUs: T0 + i * 10_000,
      data: Uint8Array.from(
        ethernet(B, A, 0x0800, ipv4('192.168.5.66', `192.168.7.${i}`, 6, tcp(50000 + i, 102, 1, 0, SYN))),
      ),
    });
  }
  packets.push({
    tsUs: T0 + 500_000,
    data: Uint8Array.from(
      ethernet('ff:ff:ff:ff:ff:ff', A, 0x0806, arp(1, A, '192.168.5.66', '00:00:00:00:00:00', '192.168.5.1')),
    ),
  });
  const c = ctx();
  const out: Detection[] = [];
  const pipe = new Pipeline({
    registry: defaultRegistry(),
    onFlowEnd: (f) => out.push(...(scanRule.evaluate({ kind: 'flow', flow: f }, c) ?? [])),
    onArp: (a) => out.push(...(scanRule.evaluate({ kind: 'arp', arp: a }, c) ?? [])),
  });
  readCaptureBuffer(buildPcap({ linkType: LinkType.ETHERNET }, packets), pipe);
  pipe.finish();
  assert.equal(out.length, 1);
  assert.equal(out[0]?.key, '192.168.5.66');
  assert.equal(out[0]?.severity, 'high', 'port 102 is S7');
});

test('real traces: a browser capture starting mid-stream and ICS captures raise no scan', {
  skip: !hasCorpus,
}, async () => {
  for (const p of [
    'icsnpp/icsnpp-hart-ip/testing/traces/hart-ip.pcap',
    'pcaps/iti-ics-security-tools/pcaps/ModbusTCP/mb2.pcap',
    'pcaps/liushiwen555-testing_tools/pcaps/ICS/s7/s7_attack.pcap',
  ]) {
    const c = ctx();
    const out: Detection[] = [];
    await analyzeCapture(corpusPath(p), {
      onFlowEnd: (f) => out.push(...(scanRule.evaluate({ kind: 'flow', flow: f }, c) ?? [])),
      onArp: (a) => out.push(...(scanRule.evaluate({ kind: 'arp', arp: a }, c) ?? [])),
    });
    assert.deepEqual(
      out.map((d) => d.evidence),
      [],
      p,
    );
  }
});
