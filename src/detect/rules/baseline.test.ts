import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BaselineModel, modelView } from '../../baseline/baseline.js';
import { HOUR_US } from '../../baseline/stats.js';
import type { FlowInfo } from '../../dissectors/contract.js';
import type { Observation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { BaselineView, Detection, FlowEvent, HostView, Rule, RuleContext } from '../contract.js';
import {
  BASELINE_RULES,
  newAssetRule,
  newFunctionRule,
  newLinkRule,
  unusualHourRule,
  unusualVolumeRule,
} from './baseline.js';

// Fixtures: a model learned by hand (HMI 10.0.0.10 polls PLC 10.0.0.20 over Modbus at 08-16h,
// 5 days, ~10 kB an hour), and flows/observations that must or must not alert.

const DAY0 = Date.UTC(2024, 5, 10) * 1000;
const HMI = '10.0.0.10';
const PLC = '10.0.0.20';

function model(): BaselineModel {
  const m = new BaselineModel();
  for (const a of [HMI, PLC]) m.addSeen('asset', a, 1);
  m.addSeen('link', `${HMI}|${PLC}|modbus`, 1);
  m.addSeen('fn', `${HMI}|${PLC}|modbus|READ_HOLDING_REGISTERS`, 1);
  let mask = 0;
  for (let h = 8; h <= 16; h++) mask |= 1 << h;
  m.addHours(`${HMI}|${PLC}`, mask);
  for (let d = 0; d < 5; d++) {
    m.addDay(19_000 + d);
    for (let h = 8; h <= 16; h++) {
      m.addVolume('sent', `${PLC}|${h}`, 10_000 + d * 100);
      m.addVolume('linkbytes', `${HMI}|${PLC}|${h}`, 15_000 + d * 100);
    }
  }
  return m;
}

function host(ip: string): HostView {
  return {
    assetKey: `ip:${ip}`,
    role: ip === PLC ? 'plc' : 'unknown',
    zone: null,
    level: ip === PLC ? 1 : null,
    engineering: false,
    label: ip,
  };
}

function ctx(view: BaselineView | null): RuleContext {
  return { host, baseline: view, policy: null, state: new Map() };
}

function flow(p: Partial<FlowEvent>): FlowEvent {
  return {
    id: 7,
    transport: 'tcp',
    protocol: 'modbus',
    clientIp: HMI,
    serverIp: PLC,
    clientMac: 0,
    serverMac: 0,
    clientPort: 40000,
    serverPort: 502,
    vlan: 0,
    firstUs: DAY0 + 10 * HOUR_US,
    lastUs: DAY0 + 10 * HOUR_US + 600_000_000,
    packetsToServer: 10,
    packetsToClient: 10,
    bytesToServer: 3000,
    bytesToClient: 9000,
    established: true,
    reset: false,
    ops: {},
    ...p,
  };
}

const FLOW_INFO: FlowInfo = {
  id: 7,
  transport: 'tcp',
  clientIp: HMI,
  serverIp: PLC,
  clientPort: 40000,
  serverPort: 502,
  clientMac: 0,
  serverMac: 0,
  vlan: 0,
};

function tx(fn: string, op: string): Observation {
  return {
    kind: 'transaction',
    ts: DAY0 + 10 * HOUR_US,
    flowId: 7,
    protocol: 'modbus',
    op,
    fn,
    fnCode: 6,
    status: 'ok',
    dir: 0,
  } as unknown as Observation;
}

function run(rule: Rule, c: RuleContext, ev: Parameters<Rule['evaluate']>[0]): Detection[] {
  return rule.evaluate(ev, c) ?? [];
}

const frozen = () => modelView(model(), () => false);

test('every rule is silent without a baseline and while learning', () => {
  const learning = modelView(model(), () => true);
  const strange = flow({
    clientIp: '10.9.9.9',
    serverIp: '10.8.8.8',
    bytesToServer: 1e9,
    firstUs: DAY0 + 3 * HOUR_US,
    lastUs: DAY0 + 3 * HOUR_US + 1,
  });
  for (const rule of BASELINE_RULES) {
    for (const v of [null, learning]) {
      const c = ctx(v);
      assert.deepEqual(run(rule, c, { kind: 'flow', flow: strange }), [], rule.id);
      assert.deepEqual(
        run(rule, c, { kind: 'observation', obs: tx('WRITE_SINGLE_REGISTER', 'write'), flow: FLOW_INFO }),
        [],
      );
      assert.deepEqual(run(rule, c, { kind: 'end', ts: DAY0 + 30 * HOUR_US }), []);
    }
  }
});

test('new asset: fires once for an unknown sender, not for known hosts, broadcasts or silent servers', () => {
  const c = ctx(frozen());
  assert.deepEqual(run(newAssetRule, c, { kind: 'flow', flow: flow({}) }), []);
  const d = run(newAssetRule, c, { kind: 'flow', flow: flow({ clientIp: '10.0.0.99' }) });
  assert.equal(d.length, 1);
  assert.equal(d[0]?.key, '10.0.0.99');
  assert.equal(d[0]?.severity, 'high', 'talking Modbus: an OT device');
  assert.deepEqual(run(newAssetRule, c, { kind: 'flow', flow: flow({ clientIp: '10.0.0.99' }) }), [], 'once');
  assert.deepEqual(
    run(newAssetRule, c, { kind: 'flow', flow: flow({ clientIp: HMI, serverIp: '10.0.0.255', packetsToClient: 0 }) }),
    [],
  );
  assert.deepEqual(run(newAssetRule, c, { kind: 'flow', flow: flow({ serverIp: '239.1.1.1' }) }), []);
  const it = run(newAssetRule, c, {
    kind: 'flow',
    flow: flow({ clientIp: '10.0.0.98', protocol: 'http', serverPort: 80 }),
  });
  assert.equal(it[0]?.severity, 'medium');
});

test('new link and new protocol between known hosts; not for a known link or a scan', () => {
  const c = ctx(frozen());
  assert.deepEqual(run(newLinkRule, c, { kind: 'flow', flow: flow({}) }), []);
  const p = run(newLinkRule, c, { kind: 'flow', flow: flow({ protocol: 's7comm', serverPort: 102 }) });
  assert.equal(p.length, 1);
  assert.match(p[0]?.title ?? '', /New protocol s7comm/);
  const rev = run(newLinkRule, c, { kind: 'flow', flow: flow({ clientIp: PLC, serverIp: HMI, protocol: 'http' }) });
  assert.match(rev[0]?.title ?? '', /New connection from 10\.0\.0\.20 to 10\.0\.0\.10/);
  assert.deepEqual(run(newLinkRule, c, { kind: 'flow', flow: flow({ protocol: 'dnp3', packetsToClient: 0 }) }), []);
});

test('new function code on a known link; reads already learned do not fire', () => {
  const c = ctx(frozen());
  assert.deepEqual(
    run(newFunctionRule, c, { kind: 'observation', obs: tx('READ_HOLDING_REGISTERS', 'read'), flow: FLOW_INFO }),
    [],
  );
  const d = run(newFunctionRule, c, {
    kind: 'observation',
    obs: tx('WRITE_SINGLE_REGISTER', 'write'),
    flow: FLOW_INFO,
  });
  assert.equal(d.length, 1);
  assert.equal(d[0]?.severity, 'high');
  assert.equal(d[0]?.key, `${HMI}>${PLC}:modbus:WRITE_SINGLE_REGISTER`);
  assert.deepEqual(
    run(newFunctionRule, c, { kind: 'observation', obs: tx('WRITE_SINGLE_REGISTER', 'write'), flow: FLOW_INFO }),
    [],
  );
  const other = { ...FLOW_INFO, id: 8, clientIp: '10.0.0.5' };
  assert.deepEqual(
    run(newFunctionRule, c, { kind: 'observation', obs: tx('WRITE_SINGLE_REGISTER', 'write'), flow: other }),
    [],
    'unknown link',
  );
});

test('unusual volume: 5 MB in an hour from the PLC fires when the hour closes; normal volume never', () => {
  const c = ctx(frozen());
  assert.deepEqual(run(unusualVolumeRule, c, { kind: 'flow', flow: flow({}) }), []);
  assert.deepEqual(
    run(unusualVolumeRule, c, {
      kind: 'flow',
      flow: flow({
        id: 9,
        firstUs: DAY0 + 11 * HOUR_US,
        lastUs: DAY0 + 11 * HOUR_US + 5e8,
        bytesToClient: 5_000_000,
        serverPort: 502,
      }),
    }),
    [],
    'hour still open',
  );
  const d = run(unusualVolumeRule, c, {
    kind: 'flow',
    flow: flow({ id: 10, firstUs: DAY0 + 13 * HOUR_US, lastUs: DAY0 + 13 * HOUR_US + 1e6 }),
  });
  assert.equal(d.length, 1, 'the 11:00 bucket closed');
  assert.equal(d[0]?.key, `asset:${PLC}`);
  assert.equal(Math.floor((d[0]?.ts ?? 0) / HOUR_US), Math.floor((DAY0 + 11 * HOUR_US) / HOUR_US));
  assert.deepEqual(
    run(unusualVolumeRule, c, { kind: 'end', ts: DAY0 + 20 * HOUR_US }),
    [],
    'the link alert is folded into the asset alert',
  );
});

test('unusual volume: judged at end; 900 kB does not fire, 3 MB does (once, the sender, not the link too)', () => {
  const c = ctx(frozen());
  assert.deepEqual(run(unusualVolumeRule, c, { kind: 'flow', flow: flow({ bytesToServer: 900_000 }) }), []);
  assert.deepEqual(run(unusualVolumeRule, c, { kind: 'end', ts: DAY0 + 20 * HOUR_US }), []);
  const c2 = ctx(frozen());
  run(unusualVolumeRule, c2, { kind: 'flow', flow: flow({ bytesToServer: 3_000_000 }) });
  const d = run(unusualVolumeRule, c2, { kind: 'end', ts: DAY0 + 20 * HOUR_US });
  // The HMI never sent at 10:00 while learning (mean 0): its own alert covers the link's.
  assert.deepEqual(
    d.map((x) => x.key),
    [`asset:${HMI}`],
  );
});

test('unusual hour: a known pair at 03:00 fires once per hour; at 10:00 not; needs 3 days learned', () => {
  const c = ctx(frozen());
  assert.deepEqual(run(unusualHourRule, c, { kind: 'flow', flow: flow({}) }), []);
  const night = flow({ firstUs: DAY0 + 3 * HOUR_US, lastUs: DAY0 + 3 * HOUR_US + 60e6 });
  const d = run(unusualHourRule, c, { kind: 'flow', flow: night });
  assert.equal(d.length, 1);
  assert.match(d[0]?.title ?? '', /03:00 UTC/);
  assert.deepEqual(run(unusualHourRule, c, { kind: 'flow', flow: { ...night, id: 99 } }), [], 'same hour');
  const young = new BaselineModel();
  young.addSeen('asset', HMI, 1);
  young.addHours(`${HMI}|${PLC}`, 1 << 10);
  young.addDay(1);
  assert.deepEqual(run(unusualHourRule, ctx(modelView(young, () => false)), { kind: 'flow', flow: night }), []);
});

test('rules have stable ids, remediation, and ATT&CK for ICS ids that exist', { skip: !hasCorpus }, () => {
  const bundle = JSON.parse(readFileSync(corpusPath('frameworks', 'mitre-attack-ics', 'ics-attack.json'), 'utf8')) as {
    objects: {
      type: string;
      revoked?: boolean;
      external_references?: { source_name: string; external_id?: string }[];
    }[];
  };
  const ids = new Set<string>();
  for (const o of bundle.objects) {
    if (o.type !== 'attack-pattern' || o.revoked) continue;
    for (const r of o.external_references ?? [])
      if (r.source_name === 'mitre-attack' && r.external_id) ids.add(r.external_id);
  }
  const seen = new Set<string>();
  for (const r of BASELINE_RULES) {
    assert.match(r.id, /^baseline\.[a-z-]+$/);
    assert.ok(!seen.has(r.id));
    seen.add(r.id);
    assert.ok(r.remediation.length > 80);
    for (const t of [...r.attack, 'T0836']) assert.ok(ids.has(t), `${r.id}: ${t}`);
  }
});
