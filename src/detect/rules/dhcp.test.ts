import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlowInfo } from '../../dissectors/contract.js';
import { analyzeCapture } from '../../engine/analyze.js';
import type { TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { BaselineView, Detection, HostView, Rule, RuleContext } from '../contract.js';
import { createRogueDhcpRule, DHCP_FILTERS, dhcpAnswer, rogueDhcpRule } from './dhcp.js';

const T0 = 1_772_431_200_000_000;

function ctx(baseline: BaselineView | null = null, keys: Record<string, string> = {}): RuleContext {
  return {
    host: (ip): HostView => ({
      assetKey: keys[ip] ?? null,
      role: 'unknown',
      zone: null,
      level: null,
      engineering: false,
      label: ip,
    }),
    baseline,
    policy: null,
    state: new Map(),
  };
}

function frozen(known: string[]): BaselineView {
  return {
    learning: false,
    knownAsset: (k) => known.includes(k),
    knownLink: () => false,
    knownFunction: () => false,
    hourlyBytesSent: () => null,
    hourlyLinkBytes: () => null,
    activeHours: () => null,
  };
}

function flowFrom(server: string, vlan = 0): FlowInfo {
  return {
    id: 7,
    transport: 'udp',
    clientIp: '255.255.255.255',
    serverIp: server,
    clientPort: 68,
    serverPort: 67,
    clientMac: 0xffffffffffff,
    serverMac: 0x020000000000 + Number(server.split('.')[3]),
    vlan,
  };
}

function answer(server: string, reply = 'OFFER', ts = T0, serverId: string | null = server): TransactionObservation {
  return {
    kind: 'transaction',
    ts,
    flowId: 7,
    protocol: 'dhcp',
    op: 'discovery',
    fn: reply,
    fnCode: reply === 'OFFER' ? 2 : 5,
    status: 'unsolicited',
    detail: { reply, assignedAddr: '10.0.0.50', ...(serverId ? { serverId } : {}) },
  };
}

function feed(rule: Rule, items: [TransactionObservation, FlowInfo][], c = ctx()): Detection[] {
  const out: Detection[] = [];
  for (const [obs, flow] of items) out.push(...(rule.evaluate({ kind: 'observation', obs, flow }, c) ?? []));
  return out;
}

test('a second DHCP server on the VLAN is rogue; the first is not', () => {
  const d = feed(rogueDhcpRule, [
    [answer('10.0.0.2'), flowFrom('10.0.0.2')],
    [answer('10.0.0.2', 'ACK'), flowFrom('10.0.0.2')],
    [answer('10.0.0.66'), flowFrom('10.0.0.66')],
    [answer('10.0.0.66', 'ACK'), flowFrom('10.0.0.66')],
  ]);
  assert.equal(d.length, 2);
  assert.equal(d[0]?.ruleId, 'net.rogue-dhcp');
  assert.equal(d[0]?.key, '0|10.0.0.66');
  assert.equal(d[0]?.severity, 'high');
  assert.deepEqual(d[0]?.attack, ['T0830']);
  assert.match(d[0]?.evidence ?? '', /already has DHCP server 10\.0\.0\.2 \(2 answers\)/);
  assert.ok(d[0]?.hosts.includes('mac:02:00:00:00:00:42'));
});

test('must not fire: one server answering many clients, servers on different VLANs, relayed answers, client messages', () => {
  const items: [TransactionObservation, FlowInfo][] = [];
  for (let i = 0; i < 50; i++) items.push([answer('10.0.0.2', i % 2 ? 'ACK' : 'OFFER', T0 + i), flowFrom('10.0.0.2')]);
  items.push([answer('10.1.0.2'), flowFrom('10.1.0.2', 20)]);
  // Relayed: sent by the router (giaddr) but carrying the real server's identifier.
  items.push([answer('10.0.0.254', 'OFFER', T0, '10.0.0.2'), flowFrom('10.0.0.254')]);
  const discover = { ...answer('10.0.0.9'), fn: 'DISCOVER', detail: {} };
  items.push([discover, flowFrom('10.0.0.9')]);
  assert.deepEqual(feed(rogueDhcpRule, items), []);
});

test('a configured trusted list flags any other server, even the first', () => {
  const rule = createRogueDhcpRule({ trusted: ['10.0.0.2'] });
  const d = feed(rule, [
    [answer('10.0.0.66'), flowFrom('10.0.0.66')],
    [answer('10.0.0.2'), flowFrom('10.0.0.2')],
  ]);
  assert.equal(d.length, 1);
  assert.equal(d[0]?.key, '0|10.0.0.66');
  assert.match(d[0]?.evidence ?? '', /trusted DHCP server list/);
});

test('with a frozen baseline a server unknown to it is rogue even when first', () => {
  const keys = { '10.0.0.2': 'mac:02:00:00:00:00:02' };
  const known = feed(
    rogueDhcpRule,
    [[answer('10.0.0.2'), flowFrom('10.0.0.2')]],
    ctx(frozen(['mac:02:00:00:00:00:02']), keys),
  );
  assert.deepEqual(known, []);
  const unknown = feed(rogueDhcpRule, [[answer('10.0.0.66'), flowFrom('10.0.0.66')]], ctx(frozen([]), keys));
  assert.equal(unknown.length, 1);
  assert.match(unknown[0]?.evidence ?? '', /not known from the learning period/);
});

test('server identity: option 54, else the sender on port 67; DHCP filter is discovery transactions', () => {
  const f = flowFrom('10.0.0.2');
  assert.equal(dhcpAnswer(answer('10.0.0.2', 'OFFER', T0, null), f)?.server, '10.0.0.2');
  assert.equal(dhcpAnswer(answer('10.0.0.2', 'OFFER', T0, '10.9.9.9'), f)?.server, '10.9.9.9');
  assert.equal(dhcpAnswer({ ...answer('x'), detail: { reply: 'NAK' } }, f), null);
  const reversed: FlowInfo = { ...f, clientIp: '10.0.0.3', serverIp: '10.0.0.50', clientPort: 67, serverPort: 68 };
  assert.equal(dhcpAnswer({ ...answer('x', 'ACK', T0, null), detail: { reply: 'ACK' } }, reversed)?.server, '10.0.0.3');
  assert.deepEqual(DHCP_FILTERS['net.rogue-dhcp'], { ops: ['discovery'] });
});

test('real traces: each DHCP capture alone raises nothing; two real servers on one segment do', {
  skip: !hasCorpus,
}, async () => {
  const c = ctx();
  const all: Detection[] = [];
  for (const p of [
    'zeek-btest/testing/btest/Traces/dhcp/dhcp.pcap',
    'zeek-btest/testing/btest/Traces/dhcp/dhcp_flood.pcap',
    'pcaps/liushiwen555-testing_tools/pcaps/tftp/tftp.pcap',
  ]) {
    const alone = ctx();
    const own: Detection[] = [];
    await analyzeCapture(corpusPath(p), {
      onObservation: (obs, flow) => {
        own.push(...(rogueDhcpRule.evaluate({ kind: 'observation', obs, flow }, alone) ?? []));
        all.push(...(rogueDhcpRule.evaluate({ kind: 'observation', obs, flow }, c) ?? []));
      },
    });
    assert.deepEqual(own, [], p);
  }
  // 128.2.6.152 answers first (dhcp.pcap, dhcp_flood.pcap); tftp.pcap's 192.168.2.2 is the second server.
  assert.deepEqual([...new Set(all.map((d) => d.key))], ['0|192.168.2.2']);
  assert.equal(all.length, 3);
});
