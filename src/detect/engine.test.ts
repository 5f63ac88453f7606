import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Suppression } from '../alerts/model.js';
import type { Detection, Rule, RuleEvent } from './contract.js';
import { alertId, DetectionEngine, matchSuppression } from './engine.js';
import { fakeContext, flow, obsEvent, tx } from './test-support.js';

function detection(key: string, ts: number, p: Partial<Detection> = {}): Detection {
  return {
    ruleId: 't.rule',
    key,
    severity: 'medium',
    title: `title ${key}`,
    remediation: 'do it',
    attack: ['T0855'],
    ts,
    hosts: ['10.0.0.5', '10.0.0.9'],
    evidence: `ev ${ts}`,
    protocol: 'modbus',
    ...p,
  };
}

function rule(id: string, events: Rule['events'], fn: (e: RuleEvent) => Detection[] | null): Rule & { calls: number } {
  const r = {
    id,
    revision: 3,
    severity: 'medium' as const,
    title: id,
    remediation: '',
    attack: [],
    events,
    calls: 0,
    evaluate(e: RuleEvent) {
      r.calls++;
      return fn(e);
    },
  };
  return r;
}

test('aggregates detections by (rule, key): count, first/last, newest 10 evidence lines, max severity', () => {
  const r = rule('t.rule', ['observation'], (e) =>
    e.kind === 'observation'
      ? [detection('k', e.obs.ts, e.obs.ts === 5 ? { severity: 'critical', title: 'worst' } : {})]
      : null,
  );
  const engine = new DetectionEngine({ rules: [r], context: () => fakeContext() });
  for (let ts = 1; ts <= 12; ts++) engine.handle(obsEvent(tx('modbus', 'write', 'WRITE_SINGLE_REGISTER', { ts })));
  engine.handle(obsEvent(tx('modbus', 'write', 'WRITE_SINGLE_REGISTER', { ts: 0 })));
  const [a, ...rest] = engine.finish((h) => (h === '10.0.0.5' ? 'mac:00:1b:1b:01:02:03' : null));
  assert.equal(rest.length, 0);
  assert.ok(a);
  assert.equal(a.id, alertId('t.rule', 'k'));
  assert.equal(a.id.length, 20);
  assert.equal(a.count, 13);
  assert.equal(a.firstSeenUs, 0);
  assert.equal(a.lastSeenUs, 12);
  assert.equal(a.severity, 'critical');
  assert.equal(a.title, 'worst');
  assert.equal(a.revision, 3);
  assert.equal(a.evidence.length, 10);
  assert.equal(a.evidence[9], 'ev 0', 'newest by arrival last');
  assert.deepEqual(a.assets, ['mac:00:1b:1b:01:02:03', '10.0.0.9'], 'hosts resolved, unresolved kept');
  assert.equal(a.status, 'open');
  assert.equal(a.suppressedBy, null);
});

test('dispatch: only the kinds a rule asked for, and reads skip op-filtered rules', () => {
  const control = rule('c', ['observation'], () => null);
  const all = rule('a', ['observation'], () => null);
  const flows = rule('f', ['flow', 'end'], () => null);
  const anomalies = rule('n', ['observation'], () => null);
  const engine = new DetectionEngine({
    rules: [control, all, flows, anomalies],
    context: () => fakeContext(),
    filters: { c: { ops: ['control'] }, n: { kinds: ['anomaly'] } },
  });
  for (let i = 0; i < 100; i++) engine.observe(tx('modbus', 'read', 'READ_HOLDING_REGISTERS'), flow());
  engine.observe(tx('s7comm', 'control', 'PLC Stop'), flow());
  engine.handle({
    kind: 'arp',
    arp: { ts: 1, op: 1, senderMac: 1, senderIp: '1.1.1.1', targetMac: 0, targetIp: '', gratuitous: false, vlan: 0 },
  });
  engine.handle({ kind: 'end', ts: 2 });
  engine.observe({ kind: 'anomaly', ts: 1, flowId: 1, protocol: 'modbus', code: 'x', detail: '' }, flow());
  assert.equal(control.calls, 1, 'the control rule never saw a read');
  assert.equal(all.calls, 102);
  assert.equal(flows.calls, 1, 'end only; no arp');
  assert.equal(anomalies.calls, 1);
});

test('dispatch: a firstPerFunction rule sees only the first transaction of each function on a flow', () => {
  const first = rule('first', ['observation'], () => null);
  const every = rule('every', ['observation'], () => null);
  const engine = new DetectionEngine({
    rules: [first, every],
    context: () => fakeContext(),
    filters: { first: { kinds: ['transaction', 'anomaly'], firstPerFunction: true } },
  });
  engine.observe(tx('modbus', 'read', 'READ_COILS'), flow(), false);
  for (let i = 0; i < 50; i++) engine.observe(tx('modbus', 'read', 'READ_COILS'), flow(), true);
  engine.observe(tx('modbus', 'write', 'WRITE_SINGLE_REGISTER'), flow(), false);
  engine.observe(tx('modbus', 'write', 'WRITE_SINGLE_REGISTER'), flow(), true);
  engine.observe({ kind: 'anomaly', ts: 1, flowId: 1, protocol: 'modbus', code: 'x', detail: '' }, flow(), false);
  assert.equal(first.calls, 3, 'two first transactions and the anomaly');
  assert.equal(every.calls, 54, 'every transaction and the anomaly');
  assert.equal(engine.repeatOps.size, 9, "the unfiltered rule wants every op's repeats");
  const narrow = new DetectionEngine({
    rules: [first, rule('stops', ['observation'], () => null)],
    context: () => fakeContext(),
    filters: { first: { kinds: ['transaction'], firstPerFunction: true }, stops: { ops: ['control'] } },
  });
  assert.deepEqual([...narrow.repeatOps], ['control'], 'only what some rule wants every time');
  // Without the flag (handle(), tests, other callers) every transaction counts as a first one.
  engine.handle(obsEvent(tx('modbus', 'read', 'READ_COILS')));
  assert.equal(first.calls, 4);
});

test('a throwing rule is isolated, counted and reported; others keep running', () => {
  const bad = rule('bad', ['observation'], () => {
    throw new Error('boom\nstack');
  });
  const good = rule('t.rule', ['observation'], (e) => (e.kind === 'observation' ? [detection('k', e.obs.ts)] : null));
  const engine = new DetectionEngine({ rules: [bad, good], context: () => fakeContext(), maxRuleErrors: 5 });
  for (let i = 0; i < 10; i++) engine.handle(obsEvent(tx('modbus', 'write', 'W')));
  assert.deepEqual(engine.errors(), [{ ruleId: 'bad', count: 5, message: 'boom', disabled: true }]);
  assert.equal(bad.calls, 5, 'disabled after maxRuleErrors');
  assert.equal(engine.finish()[0]?.count, 10);
});

test('bounded: beyond maxAlerts new keys are dropped and counted, known keys still count', () => {
  let n = 0;
  const r = rule('t.rule', ['observation'], () => [detection(`k${n++}`, n)]);
  const engine = new DetectionEngine({ rules: [r], context: () => fakeContext(), maxAlerts: 3 });
  for (let i = 0; i < 10; i++) engine.handle(obsEvent(tx('modbus', 'write', 'W')));
  assert.equal(engine.size, 3);
  assert.equal(engine.dropped, 7);
  assert.equal(engine.detections, 10);
});

test('suppressions: by rule and asset, until a date (through that day), expired ones do not apply', () => {
  const s = (p: Partial<Suppression>): Suppression => ({
    id: 's1',
    ruleId: 't.rule',
    assets: [],
    reason: 'maintenance',
    until: '2026-03-31',
    createdAt: '2026-01-01T00:00:00Z',
    ...p,
  });
  const a = { ruleId: 't.rule', assets: ['ip:10.0.0.9'] };
  assert.equal(matchSuppression(a, [], [s({})], '2026-03-31T23:00:00Z'), 's1');
  assert.equal(matchSuppression(a, [], [s({})], '2026-04-01T00:00:01Z'), null, 'expired');
  assert.equal(matchSuppression(a, [], [s({ ruleId: 'other' })], '2026-01-02T00:00:00Z'), null);
  assert.equal(matchSuppression(a, [], [s({ ruleId: null, assets: ['ip:10.0.0.9'] })], '2026-01-02T00:00:00Z'), 's1');
  assert.equal(
    matchSuppression(a, ['10.0.0.7'], [s({ assets: ['10.0.0.7'] })], '2026-01-02T00:00:00Z'),
    's1',
    'by host IP',
  );
  assert.equal(matchSuppression(a, [], [s({ assets: ['ip:10.0.0.1'] })], '2026-01-02T00:00:00Z'), null);

  const r = rule('t.rule', ['observation'], (e) => (e.kind === 'observation' ? [detection('k', e.obs.ts)] : null));
  const engine = new DetectionEngine({
    rules: [r],
    context: () => fakeContext(),
    suppressions: [s({ assets: ['10.0.0.9'] })],
    now: '2026-02-01T00:00:00Z',
  });
  engine.handle(obsEvent(tx('modbus', 'write', 'W')));
  assert.equal(engine.finish()[0]?.suppressedBy, 's1', 'the alert is kept and marked');
});

test('the engine keeps up: 1M reads with an op-filtered rule cost little', () => {
  const control = rule('c', ['observation'], () => null);
  const engine = new DetectionEngine({
    rules: [control],
    context: () => fakeContext(),
    filters: { c: { ops: ['control'] } },
  });
  const read = tx('modbus', 'read', 'READ_HOLDING_REGISTERS');
  const f = flow();
  const t0 = performance.now();
  for (let i = 0; i < 1_000_000; i++) engine.observe(read, f);
  const ms = performance.now() - t0;
  assert.equal(control.calls, 0);
  assert.ok(ms < 500, `${ms} ms`);
});
