import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildPcap } from '../../capture/pcap-builder.js';
import { readCaptureBuffer } from '../../capture/source.js';
import { LinkType } from '../../capture/types.js';
import { defaultRegistry } from '../../dissectors/index.js';
import { analyzeCapture } from '../../engine/analyze.js';
import { Pipeline } from '../../engine/pipeline.js';
import type { AssetRole } from '../../inventory/model.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import { arp, ethernet } from '../../testing/frames.js';
import type { ArpEvent, Detection, HostView, Rule, RuleContext } from '../contract.js';
import {
  ARP_RULES,
  arpSpoofingRule,
  duplicateIpRule,
  GARP_FLOOD_THRESHOLD,
  gratuitousArpFloodRule,
  isVirtualRouterMac,
} from './arp.js';

const T0 = 1_772_431_200_000_000;
const GW = 0x020000000001;
const PLC = 0x020000000011;
const ATT = 0x0200000000ee;
const NEWPLC = 0x020000000022;

function ctx(roles: Record<string, AssetRole> = {}, keys: Record<string, string> = {}): RuleContext {
  return {
    host: (ip): HostView => ({
      assetKey: keys[ip] ?? null,
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

function claim(ts: number, senderMac: number, senderIp: string, op = 2, targetIp = '10.0.0.99'): ArpEvent {
  return { ts, op, senderMac, senderIp, targetMac: 0, targetIp, gratuitous: senderIp === targetIp, vlan: 0 };
}

/** Every ARP rule over the events, each with its own context (as the engine does). */
function run(events: ArpEvent[], mk: () => RuleContext = () => ctx()): Detection[] {
  const ctxs = new Map<Rule, RuleContext>(ARP_RULES.map((r) => [r, mk()]));
  const out: Detection[] = [];
  for (const a of events)
    for (const r of ARP_RULES) out.push(...(r.evaluate({ kind: 'arp', arp: a }, ctxs.get(r) as RuleContext) ?? []));
  return out;
}

/** arpspoof: the attacker (with its own IP) keeps telling the PLC it is the gateway; the gateway keeps answering. */
function spoofTrace(): ArpEvent[] {
  const ev: ArpEvent[] = [];
  ev.push(claim(T0, GW, '10.0.0.1', 1));
  ev.push(claim(T0 + 1e6, PLC, '10.0.0.11', 1));
  ev.push(claim(T0 + 2e6, ATT, '10.0.0.66', 1));
  for (let i = 0; i < 30; i++) {
    ev.push(claim(T0 + 3e6 + i * 2e6, ATT, '10.0.0.1', 2, '10.0.0.11'));
    ev.push(claim(T0 + 4e6 + i * 2e6, GW, '10.0.0.1', 2, '10.0.0.11'));
  }
  return ev;
}

test('ARP spoofing: an IP claimed alternately by its owner and a host with its own IP', () => {
  const d = run(spoofTrace());
  const spoof = d.filter((x) => x.ruleId === 'net.arp-spoofing');
  assert.equal(d.filter((x) => x.ruleId === 'net.duplicate-ip').length, 0);
  assert.ok(spoof.length >= 1 && spoof.length <= 2, `rate-limited to one per minute, got ${spoof.length}`);
  assert.equal(spoof[0]?.key, 'mac:02:00:00:00:00:ee');
  assert.equal(spoof[0]?.severity, 'high');
  assert.deepEqual(spoof[0]?.attack, ['T0830']);
  assert.match(spoof[0]?.title ?? '', /02:00:00:00:00:ee claims 10\.0\.0\.1, which belongs to 02:00:00:00:00:01/);
  assert.ok(spoof[0]?.hosts.includes('10.0.0.66'));
});

test('the stored inventory decides who owns the IP when the capture starts mid-attack', () => {
  const ev = spoofTrace().slice(1);
  // Attacker first in this capture: the inventory keys 10.0.0.1 on the gateway's MAC.
  ev.unshift(claim(T0 - 1e6, ATT, '10.0.0.1', 2));
  const d = run(ev, () => ctx({}, { '10.0.0.1': 'mac:02:00:00:00:00:01' }));
  assert.equal(d.find((x) => x.ruleId === 'net.arp-spoofing')?.key, 'mac:02:00:00:00:00:ee');
});

test('duplicate IP: two devices with one address, neither claiming anything else', () => {
  const ev: ArpEvent[] = [];
  for (let i = 0; i < 10; i++) {
    ev.push(claim(T0 + i * 5e6, PLC, '10.0.0.11', 1, '10.0.0.1'));
    ev.push(claim(T0 + i * 5e6 + 2e6, NEWPLC, '10.0.0.11', 1, '10.0.0.1'));
  }
  const d = run(ev, () => ctx({ '10.0.0.11': 'plc' }));
  assert.equal(d.filter((x) => x.ruleId === 'net.arp-spoofing').length, 0);
  const dup = d.filter((x) => x.ruleId === 'net.duplicate-ip');
  assert.equal(dup.length, 1);
  assert.equal(dup[0]?.key, '0|10.0.0.11');
  assert.equal(dup[0]?.severity, 'high', 'the IP is a PLC');
});

test('must not fire: a replaced device, stable hosts, VRRP, proxy ARP routers', () => {
  // The old PLC goes away; a new one takes the address.
  const swap: ArpEvent[] = [];
  for (let i = 0; i < 5; i++) swap.push(claim(T0 + i * 1e6, PLC, '10.0.0.11'));
  for (let i = 0; i < 5; i++) swap.push(claim(T0 + 600e6 + i * 1e6, NEWPLC, '10.0.0.11'));
  assert.deepEqual(run(swap), []);
  // Stable hosts answering each other for an hour.
  const stable: ArpEvent[] = [];
  for (let i = 0; i < 600; i++) {
    stable.push(claim(T0 + i * 6e6, GW, '10.0.0.1', 1, '10.0.0.11'));
    stable.push(claim(T0 + i * 6e6 + 1000, PLC, '10.0.0.11', 2, '10.0.0.1'));
  }
  assert.deepEqual(run(stable), []);
  // A proxy-ARP router answering for many addresses, once conflicting with a host.
  const proxy: ArpEvent[] = [];
  for (let i = 2; i < 10; i++) proxy.push(claim(T0 + i, GW, `10.0.0.${i + 100}`));
  proxy.push(claim(T0 + 100, PLC, '10.0.0.102'), claim(T0 + 200, GW, '10.0.0.102'), claim(T0 + 300, PLC, '10.0.0.102'));
  assert.equal(run(proxy).filter((x) => x.ruleId === 'net.arp-spoofing').length, 0);
  // VRRP virtual MAC shared by two routers.
  const vmac = 0x00005e000107;
  assert.equal(isVirtualRouterMac(vmac), true);
  assert.equal(isVirtualRouterMac(0x00000c9ff123), true);
  assert.equal(isVirtualRouterMac(PLC), false);
  const vrrp = [claim(T0, GW, '10.0.0.254'), claim(T0 + 1, vmac, '10.0.0.254'), claim(T0 + 2, GW, '10.0.0.254')];
  assert.deepEqual(run(vrrp), []);
});

test('whole-segment poisoning (one MAC in conflict on many IPs) is spoofing even with many IPs', () => {
  const ev: ArpEvent[] = [];
  for (let h = 1; h <= 8; h++) ev.push(claim(T0 + h, 0x020000000100 + h, `10.0.0.${h}`, 1));
  for (let round = 0; round < 3; round++) {
    for (let h = 1; h <= 8; h++) {
      ev.push(claim(T0 + 1e6 + round * 3e6 + h, ATT, `10.0.0.${h}`, 2));
      ev.push(claim(T0 + 2e6 + round * 3e6 + h, 0x020000000100 + h, `10.0.0.${h}`, 1));
    }
  }
  const spoof = run(ev).filter((x) => x.ruleId === 'net.arp-spoofing');
  assert.ok(spoof.length >= 7, `got ${spoof.length}`);
  assert.ok(spoof.every((d) => d.key === 'mac:02:00:00:00:00:ee'));
});

test('gratuitous ARP flood fires once per minute; boot announcements do not', () => {
  const flood = Array.from({ length: GARP_FLOOD_THRESHOLD * 2 }, (_, i) =>
    claim(T0 + i * 100_000, ATT, '10.0.0.1', 2, '10.0.0.1'),
  );
  const d = run(flood).filter((x) => x.ruleId === 'net.gratuitous-arp-flood');
  assert.equal(d.length, 1);
  assert.equal(d[0]?.key, 'mac:02:00:00:00:00:ee');
  const boot = Array.from({ length: 3 }, (_, i) => claim(T0 + i * 1e6, PLC, '10.0.0.11', 1, '10.0.0.11'));
  assert.deepEqual(run(boot), []);
  assert.equal(gratuitousArpFloodRule.events[0], 'arp');
  assert.equal(arpSpoofingRule.id, 'net.arp-spoofing');
  assert.equal(duplicateIpRule.id, 'net.duplicate-ip');
});

test('state stays bounded with many IPs and MACs', () => {
  const c = ctx();
  for (let i = 0; i < 20_000; i++) {
    arpSpoofingRule.evaluate(
      { kind: 'arp', arp: claim(T0 + i, 0x020000100000 + i, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`) },
      c,
    );
  }
  const s = c.state.get('claims') as { bindings: Map<string, unknown>; macs: Map<number, unknown> };
  assert.ok(s.bindings.size <= 8192 && s.macs.size <= 8192);
});

test('end to end through the pipeline: ARP replies in a capture', () => {
  const m = (v: number) =>
    v
      .toString(16)
      .padStart(12, '0')
      .replace(/(..)(?!$)/g, '$1:');
  const packets = spoofTrace().map((a) => ({
    tsUs: a.ts,
    data: Uint8Array.from(
      ethernet(
        'ff:ff:ff:ff:ff:ff',
        m(a.senderMac),
        0x0806,
        arp(a.op, m(a.senderMac), a.senderIp, '00:00:00:00:00:00', a.targetIp),
      ),
    ),
  }));
  const events: ArpEvent[] = [];
  const pipe = new Pipeline({ registry: defaultRegistry(), onArp: (a) => events.push(a) });
  readCaptureBuffer(buildPcap({ linkType: LinkType.ETHERNET }, packets), pipe);
  pipe.finish();
  assert.equal(events.length, packets.length);
  assert.equal(run(events).filter((x) => x.ruleId === 'net.arp-spoofing').length >= 1, true);
});

test('real traces: no ARP alert on any corpus capture with ARP traffic', { skip: !hasCorpus }, async () => {
  const rows = readFileSync(corpusPath('INDEX_pcaps.csv'), 'utf8').trim().split('\n').slice(1);
  let captures = 0;
  let arps = 0;
  const fired: string[] = [];
  for (const line of rows) {
    const f = line.trim().split(',');
    if (!(f[9] ?? '').split(';').includes('arp') || (f[12] ?? '') !== '') continue;
    captures++;
    const events: ArpEvent[] = [];
    await analyzeCapture(corpusPath(f[0] as string), { onArp: (a) => events.push(a) });
    arps += events.length;
    for (const d of run(events)) fired.push(`${f[0]}: ${d.ruleId} ${d.evidence}`);
  }
  console.log(`ARP rules over ${captures} corpus captures, ${arps} ARP packets: ${fired.length} detections`);
  for (const l of fired) console.log(`  ${l}`);
  assert.ok(captures > 20);
  assert.deepEqual(fired, []);
});
