import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AssetRecord, AssetRole } from '../inventory/model.js';
import type { PlantAssetRow } from './check.js';
import { findingId } from './engine.js';
import type { Finding, FindingStatus, Severity } from './model.js';
import { assetWeight, computeRisk, riskBand } from './score.js';

const NOW = '2026-02-01T00:00:00.000Z';

function asset(key: string, role: AssetRole, ip: string): AssetRecord {
  return {
    key,
    mac: null,
    ips: [ip],
    vlans: [],
    isRouter: false,
    firstSeenUs: 0,
    lastSeenUs: 0,
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    facts: [],
    roles: [],
    classification: { role, confidence: 0.9, reasons: [] },
  };
}

function finding(scope: string, score: number, assetKeys: string[], p: Partial<Finding> = {}): Finding {
  const severity: Severity = score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  return {
    ruleId: 'r',
    ruleRevision: 1,
    scope,
    severity,
    title: `finding ${scope}`,
    description: '',
    remediation: '',
    assetKeys,
    evidence: [],
    references: [],
    score,
    id: findingId('r', scope),
    status: 'open' as FindingStatus,
    statusReason: null,
    statusUntil: null,
    firstFoundAt: NOW,
    lastFoundAt: NOW,
    resolvedAt: null,
    ...p,
  };
}

function row(assetKey: string, criticality: string | null): PlantAssetRow {
  return {
    row: 1,
    name: 'x',
    ip: null,
    mac: null,
    vendor: null,
    model: null,
    firmware: null,
    serial: null,
    location: null,
    zone: null,
    criticality,
    owner: null,
    assetKey,
  };
}

const PLC = asset('ip:10.0.0.5', 'plc', '10.0.0.5');
const HOST = asset('ip:10.0.0.50', 'it-host', '10.0.0.50');
const QUIET = asset('ip:10.0.0.60', 'hmi', '10.0.0.60');

test('asset score combines its findings and explains them: the parts add up to the score', () => {
  const fs = [finding('a', 8, [PLC.key]), finding('b', 5, [PLC.key]), finding('c', 2, [PLC.key])];
  const r = computeRisk(fs, [PLC, HOST, QUIET], [], NOW);
  const plc = r.assets.find((a) => a.assetKey === PLC.key);
  assert.ok(plc);
  // 1 - (0.2 * 0.5 * 0.8) = 0.92, weight 1 (plc)
  assert.equal(plc.score, 92);
  assert.equal(plc.weight, 1);
  assert.equal(plc.weightReason, 'role plc');
  assert.deepEqual(
    plc.parts.map((p) => [p.title, p.contribution]),
    [
      ['finding a', 80],
      ['finding b', 10],
      ['finding c', 2],
    ],
  );
  assert.equal(
    plc.parts.reduce((s, p) => s + p.contribution, 0),
    plc.score,
  );
  assert.equal(plc.band, 'critical');
});

test('criticality: the plant inventory beats the role; controllers weigh more than IT hosts', () => {
  const f = [finding('a', 6, [PLC.key]), finding('b', 6, [HOST.key])];
  const r = computeRisk(f, [PLC, HOST], [], NOW);
  const score = (k: string) => r.assets.find((a) => a.assetKey === k)?.score;
  assert.equal(score(PLC.key), 60);
  assert.equal(score(HOST.key), 36);
  const r2 = computeRisk(f, [PLC, HOST], [row(PLC.key, 'Low'), row(HOST.key, 'Critical')], NOW);
  const plc2 = r2.assets.find((a) => a.assetKey === PLC.key);
  assert.equal(plc2?.score, 30);
  assert.equal(plc2?.weightReason, "plant inventory criticality 'Low'");
  assert.equal(r2.assets[0]?.assetKey, HOST.key);
  assert.deepEqual(assetWeight(PLC, row(PLC.key, '3')), { weight: 1, reason: 'role plc' }, 'numbers are not guessed');
});

test('only open, acknowledged and expired-accepted findings count', () => {
  const fs = [
    finding('open', 5, [PLC.key]),
    finding('ack', 5, [PLC.key], { status: 'acknowledged' }),
    finding('res', 9, [PLC.key], { status: 'resolved' }),
    finding('acc', 9, [PLC.key], { status: 'accepted', statusUntil: '2026-12-31' }),
    finding('exp', 5, [PLC.key], { status: 'accepted', statusUntil: '2026-01-15' }),
  ];
  const plc = computeRisk(fs, [PLC], [], NOW).assets[0];
  assert.deepEqual(plc?.parts.map((p) => p.title).sort(), ['finding ack', 'finding exp', 'finding open']);
  assert.equal(plc?.score, 87.5);
});

test('overall: mean of the five riskiest, distribution, top list, plant-wide findings', () => {
  const assets = Array.from({ length: 8 }, (_, i) => asset(`ip:10.0.1.${i}`, 'plc', `10.0.1.${i}`));
  const fs = assets.slice(0, 6).map((a, i) => finding(`f${i}`, 10 - i, [a.key]));
  fs.push(finding('site', 3, []));
  const r = computeRisk(fs, assets, [], NOW);
  assert.equal(r.overall.basis, 5);
  assert.equal(r.overall.score, (100 + 90 + 80 + 70 + 60) / 5);
  assert.equal(r.overall.band, 'critical');
  assert.deepEqual(r.overall.distribution, { critical: 3, high: 2, medium: 2, low: 0, none: 2 });
  assert.equal(r.overall.top.length, 7);
  assert.equal(r.overall.top[0]?.label, '10.0.1.0');
  const site = r.assets.find((a) => a.assetKey === '');
  assert.equal(site?.label, '(plant-wide)');
  assert.equal(site?.score, 30);
  assert.equal(r.overall.findings, 7);
});

test('empty inventory and findings give zero, and bands are as documented', () => {
  const r = computeRisk([], [], [], NOW);
  assert.equal(r.overall.score, 0);
  assert.equal(r.overall.band, 'none');
  assert.deepEqual([0, 0.1, 29.9, 30, 59.9, 60, 79.9, 80, 100].map(riskBand), [
    'none',
    'low',
    'low',
    'medium',
    'medium',
    'high',
    'high',
    'critical',
    'critical',
  ]);
});

test('scale: 10,000 assets, 30,000 findings', (t) => {
  const assets = Array.from({ length: 10_000 }, (_, i) =>
    asset(`ip:10.${i >> 8}.${i & 255}.1`, 'plc', `10.${i >> 8}.${i & 255}.1`),
  );
  const fs = Array.from({ length: 30_000 }, (_, i) => finding(`f${i}`, i % 10, [assets[i % 10_000]!.key]));
  const t0 = performance.now();
  const r = computeRisk(fs, assets, [], NOW);
  const ms = performance.now() - t0;
  assert.equal(r.assets.length, 10_000);
  t.diagnostic(`computeRisk 10,000 assets / 30,000 findings: ${ms.toFixed(0)} ms`);
});

test('internet hosts are not scored: exposure findings count on the plant side', () => {
  const cloud = asset('ip:3.15.227.20', 'plc', '3.15.227.20');
  const hmi = asset('ip:192.168.1.6', 'hmi', '192.168.1.6');
  const f = finding('exp', 7, [hmi.key, cloud.key]);
  const r = computeRisk([f], [cloud, hmi, PLC], [], NOW);
  assert.deepEqual(
    r.assets.map((a) => [a.label, a.score]),
    [
      ['192.168.1.6', 63],
      ['10.0.0.5', 0],
    ],
  );
  // A plant addressed with public ranges keeps all its assets.
  const pub = [asset('ip:1.1.1.1', 'plc', '1.1.1.1'), asset('ip:1.1.1.2', 'hmi', '1.1.1.2')];
  assert.equal(computeRisk([finding('p', 5, ['ip:1.1.1.1'])], pub, [], NOW).assets.length, 2);
});
