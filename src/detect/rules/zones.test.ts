import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlowInfo } from '../../dissectors/contract.js';
import type { Op, TransactionObservation } from '../../observations/observation.js';
import { policyFromText } from '../../policy/policy.js';
import type { FlowEvent, HostView, PolicyView, Rule, RuleContext } from '../contract.js';
import { itToControlRule, noConduitRule, operationBeyondConduitRule, otToInternetRule, ZONE_RULES } from './zones.js';

const POLICY = policyFromText(
  `zones:
  - name: cell-1
    level: 1
    criticality: critical
    cidrs: [10.10.1.0/24]
  - name: control
    level: 2
    criticality: high
    cidrs: [10.10.2.0/24]
  - name: dmz
    level: 3.5
    criticality: medium
    cidrs: [10.30.0.0/24]
  - name: it
    level: 4
    criticality: low
    cidrs: [10.50.0.0/16]
conduits:
  - name: hmi-read
    from: control
    to: cell-1
    protocols: [modbus]
    operations: read
  - name: eng
    from: control
    to: cell-1
    protocols: [s7comm]
    operations: read-write
  - name: it-to-dmz
    from: it
    to: dmz
    protocols: [tls]
    operations: read
  - name: it-plc-legacy
    from: it
    to: cell-1
    protocols: [enip]
    operations: any
`,
  'zones.yaml',
);

function ctx(policy: PolicyView | null = POLICY): RuleContext {
  return {
    host: (ip: string): HostView => ({
      assetKey: `ip:${ip}`,
      role: 'unknown',
      zone: null,
      level: null,
      engineering: false,
      label: `host ${ip}`,
    }),
    baseline: null,
    policy,
    state: new Map(),
  };
}

function flow(
  client: string,
  server: string,
  protocol: string | null,
  port: number,
  over: Partial<FlowEvent> = {},
): FlowEvent {
  return {
    id: 7,
    transport: 'tcp',
    protocol,
    clientIp: client,
    serverIp: server,
    clientMac: 1,
    serverMac: 2,
    clientPort: 50000,
    serverPort: port,
    vlan: 0,
    firstUs: 1_700_000_000_000_000,
    lastUs: 1_700_000_001_000_000,
    packetsToServer: 10,
    packetsToClient: 10,
    bytesToServer: 1000,
    bytesToClient: 2000,
    established: true,
    reset: false,
    ops: {},
    ...over,
  };
}

function run(rule: Rule, f: FlowEvent, c = ctx()) {
  return rule.evaluate({ kind: 'flow', flow: f }, c);
}

function tx(client: string, server: string, protocol: string, port: number, op: Op, fn: string) {
  const info: FlowInfo = {
    id: 9,
    transport: 'tcp',
    clientIp: client,
    serverIp: server,
    clientPort: 50001,
    serverPort: port,
    clientMac: 1,
    serverMac: 2,
    vlan: 0,
  };
  const obs: TransactionObservation = {
    kind: 'transaction',
    ts: 1_700_000_000_500_000,
    flowId: 9,
    protocol,
    op,
    fn,
    fnCode: 0,
    status: 'ok',
  };
  return operationBeyondConduitRule.evaluate({ kind: 'observation', obs, flow: info }, ctx());
}

test('rules have ids, revisions, ATT&CK ids and say which events they want', () => {
  assert.deepEqual(
    ZONE_RULES.map((r) => r.id),
    ['zone.no-conduit', 'zone.it-to-control', 'zone.operation-beyond-conduit', 'zone.ot-to-internet'],
  );
  for (const r of ZONE_RULES) {
    assert.ok(r.revision >= 1 && r.remediation.length > 40 && r.attack.every((t) => /^T0\d{3}$/.test(t)));
  }
});

test('zone.no-conduit fires for inter-zone traffic no conduit allows', () => {
  const d = run(noConduitRule, flow('10.10.2.5', '10.10.1.10', 'enip', 44818, { ops: { write: 2 } }));
  assert.equal(d?.length, 1);
  const x = d?.[0];
  assert.equal(x?.key, 'control>cell-1:enip/tcp/44818');
  assert.equal(x?.severity, 'critical', 'writes into level 1 without a conduit');
  assert.match(x?.title ?? '', /from zone 'control' to zone 'cell-1' without a conduit: enip tcp\/44818/);
  assert.match(x?.evidence ?? '', /operations: 2 write/);
  assert.deepEqual(x?.hosts, ['10.10.2.5', '10.10.1.10']);
  assert.deepEqual(x?.attack, ['T0886', 'T0855']);
  // Unnamed protocol: named by port or transport.
  assert.equal(
    run(noConduitRule, flow('10.10.1.10', '10.10.2.5', null, 8000))?.[0]?.key,
    'cell-1>control:tcp/tcp/8000',
  );
  // Unanswered attempts aggregate per zone pair (a scan is one alert).
  const a = run(noConduitRule, flow('10.10.2.5', '10.10.1.10', null, 23, { packetsToClient: 0 }));
  const b = run(noConduitRule, flow('10.10.2.5', '10.10.1.10', null, 3389, { packetsToClient: 0 }));
  assert.equal(a?.[0]?.key, 'control>cell-1:unanswered');
  assert.equal(b?.[0]?.key, a?.[0]?.key);
  assert.equal(a?.[0]?.severity, 'medium');
});

test('zone.no-conduit stays silent for allowed, intra-zone, unzoned, group and policy-less traffic (not for the reverse of a one-way conduit)', () => {
  assert.equal(run(noConduitRule, flow('10.10.2.5', '10.10.1.10', 'modbus', 502)), null, 'conduit hmi-read');
  assert.equal(run(noConduitRule, flow('10.10.1.10', '10.10.1.11', 'enip', 44818)), null, 'inside a zone');
  assert.equal(run(noConduitRule, flow('192.168.7.7', '10.10.1.11', 'enip', 44818)), null, 'client in no zone');
  assert.equal(run(noConduitRule, flow('10.10.2.5', '224.0.0.251', 'mdns', 5353, { transport: 'udp' })), null);
  assert.equal(run(noConduitRule, flow('10.10.2.5', '10.10.1.10', 'enip', 44818), ctx(null)), null);
  assert.notEqual(
    run(noConduitRule, flow('10.10.1.10', '10.10.2.5', 'modbus', 502)),
    null,
    'a one-way conduit does not allow the reverse',
  );
});

test('zone.it-to-control fires for IT reaching level 0-1, critical on an industrial protocol', () => {
  const d = run(itToControlRule, flow('10.50.0.8', '10.10.1.10', 'modbus', 502));
  assert.equal(d?.[0]?.severity, 'critical');
  assert.equal(d?.[0]?.key, '10.50.0.8>10.10.1.10:modbus');
  assert.match(
    d?.[0]?.title ?? '',
    /IT host host 10\.50\.0\.8 \(zone 'it', level 4\) reached host 10\.10\.1\.10 \(zone 'cell-1', level 1\) directly over modbus/,
  );
  assert.equal(run(itToControlRule, flow('10.50.0.8', '10.10.1.10', 'http', 80))?.[0]?.severity, 'high');
  // Even a conduit allowing it is a design that skips the DMZ.
  assert.match(
    run(itToControlRule, flow('10.50.0.8', '10.10.1.10', 'enip', 44818))?.[0]?.remediation ?? '',
    /conduit 'it-plc-legacy' allows it/,
  );
});

test('zone.it-to-control stays silent for IT to DMZ, supervisory to control, unanswered probes', () => {
  assert.equal(run(itToControlRule, flow('10.50.0.8', '10.30.0.5', 'tls', 443)), null);
  assert.equal(run(itToControlRule, flow('10.10.2.5', '10.10.1.10', 'modbus', 502)), null);
  assert.equal(run(itToControlRule, flow('10.30.0.5', '10.10.1.10', 'modbus', 502)), null, 'the DMZ (3.5) is not IT');
  assert.equal(run(itToControlRule, flow('10.50.0.8', '10.10.1.10', 'modbus', 502, { packetsToClient: 0 })), null);
});

test('zone.operation-beyond-conduit fires for a write on read-only, programming on read-write', () => {
  const w = tx('10.10.2.5', '10.10.1.10', 'modbus', 502, 'write', 'WRITE_SINGLE_REGISTER');
  assert.equal(w?.[0]?.key, 'hmi-read:10.10.2.5>10.10.1.10:write');
  assert.equal(w?.[0]?.severity, 'high');
  assert.deepEqual(w?.[0]?.attack, ['T0855', 'T0836']);
  assert.match(
    w?.[0]?.title ?? '',
    /Write WRITE_SINGLE_REGISTER from host 10\.10\.2\.5 to host 10\.10\.1\.10 on read conduit 'hmi-read'/,
  );
  const stop = tx('10.10.2.5', '10.10.1.10', 's7comm', 102, 'control', 'PLC Stop');
  assert.equal(stop?.[0]?.severity, 'critical');
  assert.deepEqual(stop?.[0]?.attack, ['T0858']);
  const dl = tx('10.10.2.5', '10.10.1.10', 's7comm', 102, 'program', 'Download block');
  assert.deepEqual(dl?.[0]?.attack, ['T0843', 'T0889']);
});

test('zone.operation-beyond-conduit stays silent within the conduit, without one, inside a zone', () => {
  assert.equal(tx('10.10.2.5', '10.10.1.10', 'modbus', 502, 'read', 'READ_COILS'), null);
  assert.equal(tx('10.10.2.5', '10.10.1.10', 's7comm', 102, 'write', 'Write Var'), null, 'read-write allows writes');
  assert.equal(tx('10.50.0.8', '10.10.1.10', 'enip', 44818, 'program', 'x'), null, "conduit 'any'");
  assert.equal(
    tx('10.10.2.5', '10.10.1.10', 'dnp3', 20000, 'control', 'COLD_RESTART'),
    null,
    'no conduit: zone.no-conduit reports it',
  );
  assert.equal(tx('10.10.1.10', '10.10.1.11', 'modbus', 502, 'write', 'WRITE_SINGLE_COIL'), null);
});

test('zone.ot-to-internet fires for OT to public addresses, both ways', () => {
  const out = run(otToInternetRule, flow('10.10.2.5', '203.0.113.7', 'tls', 443));
  assert.equal(out?.[0]?.key, 'out:10.10.2.5:tls');
  assert.equal(out?.[0]?.severity, 'high');
  assert.deepEqual(out?.[0]?.attack, ['T0869']);
  assert.equal(
    run(otToInternetRule, flow('10.10.1.10', '8.8.8.8', 'dns', 53, { transport: 'udp' }))?.[0]?.severity,
    'critical',
  );
  assert.equal(
    run(otToInternetRule, flow('10.10.1.10', '8.8.8.8', 'dns', 53, { packetsToClient: 0 }))?.[0]?.key,
    'out:10.10.1.10:dns:unanswered',
  );
  const inbound = run(otToInternetRule, flow('198.51.100.9', '10.10.1.10', 'modbus', 502));
  assert.equal(inbound?.[0]?.key, 'in:10.10.1.10:modbus/tcp/502');
  assert.equal(inbound?.[0]?.severity, 'critical');
  assert.deepEqual(inbound?.[0]?.attack, ['T0883', 'T0822']);
});

test('zone.ot-to-internet stays silent for IT, the DMZ, private peers and unanswered inbound probes', () => {
  assert.equal(run(otToInternetRule, flow('10.50.0.8', '203.0.113.7', 'tls', 443)), null, 'IT may browse');
  assert.equal(run(otToInternetRule, flow('10.30.0.5', '203.0.113.7', 'tls', 443)), null, 'the DMZ is 3.5');
  assert.equal(run(otToInternetRule, flow('10.10.2.5', '192.168.1.1', 'tls', 443)), null);
  assert.equal(run(otToInternetRule, flow('10.10.2.5', '224.0.0.1', 'igmp', 0)), null);
  assert.equal(run(otToInternetRule, flow('198.51.100.9', '10.10.1.10', 'modbus', 502, { packetsToClient: 0 })), null);
  assert.equal(run(otToInternetRule, flow('10.10.2.5', '203.0.113.7', 'tls', 443), ctx(null)), null);
});
