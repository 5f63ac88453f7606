import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DetectionEngine } from '../engine.js';
import { anomaly, fakeContext, flow, obsEvent, tx } from '../test-support.js';
import { ANOMALY_FILTERS, anomalySeverity, FUZZ_DISTINCT_CODES, malformedProtocolRule } from './anomalies.js';

test('a malformed packet fires low, with the sender; attack-like codes medium', () => {
  const ctx = fakeContext();
  const out = malformedProtocolRule.evaluate(obsEvent(anomaly('modbus', 'modbus-pdu-truncated', { dir: 1 })), ctx);
  assert.equal(out?.length, 1);
  const d = out?.[0];
  assert.equal(d?.severity, 'low');
  assert.equal(d?.key, 'modbus:modbus-pdu-truncated:10.0.0.9', 'keyed by the sender: the server here');
  assert.deepEqual(d?.hosts, ['10.0.0.9', '10.0.0.5']);
  assert.equal(anomalySeverity('modbus-protocol-violation'), 'medium');
  assert.equal(anomalySeverity('enip-path-too-many-segments'), 'medium');
  assert.equal(anomalySeverity('dns-name-loop'), 'medium');
  assert.equal(anomalySeverity('s7comm-tpkt-bad-length'), 'medium');
  assert.equal(anomalySeverity('dnp3-bad-crc'), 'low');
});

test('must not fire: stream gaps, transactions', () => {
  const ctx = fakeContext();
  assert.equal(malformedProtocolRule.evaluate(obsEvent(anomaly('modbus', 'tcp-stream-gap')), ctx), null);
  assert.equal(malformedProtocolRule.evaluate(obsEvent(tx('modbus', 'read', 'READ_COILS')), ctx), null);
});

test('aggregated per (protocol, code, sender); many distinct codes from one sender escalate (fuzzing)', () => {
  const engine = new DetectionEngine({
    rules: [malformedProtocolRule],
    context: () => fakeContext(),
    filters: ANOMALY_FILTERS,
  });
  const f = flow('10.0.0.66', '10.0.0.9');
  for (let i = 0; i < 1000; i++) engine.observe(anomaly('modbus', 'modbus-pdu-truncated', { ts: i }), f);
  let alerts = engine.finish();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.count, 1000);
  assert.equal(alerts[0]?.severity, 'low');
  for (let i = 0; i < FUZZ_DISTINCT_CODES; i++)
    engine.observe(anomaly('modbus', `modbus-odd-${i}`, { ts: 2000 + i }), f);
  alerts = engine.finish();
  const last = alerts.find((a) => a.key === `modbus:modbus-odd-${FUZZ_DISTINCT_CODES - 1}:10.0.0.66`);
  assert.equal(last?.severity, 'medium');
  assert.match(last?.title ?? '', /possible fuzzing/);
  engine.observe(anomaly('modbus', 'modbus-pdu-truncated', { ts: 3000 }), f);
  assert.equal(engine.finish().find((a) => a.key === 'modbus:modbus-pdu-truncated:10.0.0.66')?.severity, 'medium');
});
