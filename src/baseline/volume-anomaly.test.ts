import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Detection, HostView, Rule, RuleContext, RuleEvent } from '../detect/contract.js';
import { BASELINE_RULES } from '../detect/rules/baseline.js';
import { analyzeCapture } from '../engine/analyze.js';
import { openStore, type Store } from '../store/open.js';
import { baselineRepository, loadBaseline } from './baseline.js';
import { DAY_US, HOUR_US } from './stats.js';
import { WEEK_HOSTS, WEEK_START_US, type WeekCapture, writeWeekCapture } from './week-generator.js';

// The volume-anomaly test: a generated week of normal traffic, then a controller sending
// 20 MB to an outside address. Learn on days 1-6 (`baseline learn --until` day 7), analyse day 7:
// the unusual-volume alert fires once, for the right asset, in the right hour. A normal day 7
// raises nothing. Rules are driven here directly (a minimal engine: per-rule state, 'end' event).

const dir = mkdtempSync(join(tmpdir(), 'pw-week-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const LEARN = join(dir, 'days1-6.pcap');
const DAY7 = join(dir, 'day7-exfil.pcap');
const DAY7_NORMAL = join(dir, 'day7-normal.pcap');
const WEEK = join(dir, 'week-exfil.pcap');
let day7: WeekCapture;
let week: WeekCapture;

before(() => {
  const t0 = performance.now();
  writeWeekCapture(LEARN, { fromDay: 0, toDay: 5 });
  day7 = writeWeekCapture(DAY7, { fromDay: 6, toDay: 6, exfil: {} });
  writeWeekCapture(DAY7_NORMAL, { fromDay: 6, toDay: 6 });
  week = writeWeekCapture(WEEK, { exfil: {} });
  console.log(
    `# generated: week ${week.packets} packets ${week.bytes} bytes in ${(performance.now() - t0).toFixed(0)} ms`,
  );
});

function host(ip: string): HostView {
  const plc = WEEK_HOSTS.plcs.some((p) => p.ip === ip);
  return {
    assetKey: `ip:${ip}`,
    role: plc ? 'plc' : 'unknown',
    zone: null,
    level: plc ? 1 : null,
    engineering: false,
    label: ip,
  };
}

/** Analyse one capture with the baseline's learner and rules; the detections of each rule. */
async function run(store: Store, path: string, rules: readonly Rule[] = BASELINE_RULES): Promise<Detection[]> {
  const { view, learner } = await loadBaseline(store);
  const states = new Map(rules.map((r) => [r.id, new Map<string, unknown>()]));
  const out: Detection[] = [];
  const handle = (ev: RuleEvent) => {
    for (const r of rules) {
      if (!r.events.includes(ev.kind)) continue;
      const ctx: RuleContext = { host, baseline: view, policy: null, state: states.get(r.id) as Map<string, unknown> };
      const d = r.evaluate(ev, ctx);
      if (d) out.push(...d);
    }
  };
  const outcome = await analyzeCapture(path, {
    onObservation: (obs, flow) => {
      learner.onObservation(obs, flow);
      handle({ kind: 'observation', obs, flow });
    },
    onFlowEnd: (flow) => {
      learner.onFlowEnd(flow);
      handle({ kind: 'flow', flow });
    },
  });
  handle({ kind: 'end', ts: outcome.snapshot.analysis.lastPacketUs });
  await learner.finish();
  return out;
}

/** Alerts as the engine would aggregate them: one per (rule, key). */
function alerts(ds: Detection[]): Map<string, Detection[]> {
  const m = new Map<string, Detection[]>();
  for (const d of ds) {
    const k = `${d.ruleId} ${d.key}`;
    m.set(k, [...(m.get(k) ?? []), d]);
  }
  return m;
}

test('learn days 1-6, analyse day 7: one volume alert for PLC-2 in the 14:00 hour, nothing on a normal day', async () => {
  const store = await openStore(join(dir, 'two.db'));
  try {
    const repo = baselineRepository(store);
    const until = WEEK_START_US + 6 * DAY_US;
    await repo.setState({ mode: 'learning', learnUntilUs: until, startedAt: '2024-06-03T00:00:00Z', frozenAt: null });

    const learning = await run(store, LEARN);
    assert.deepEqual(learning, [], 'no deviation alerts while learning');
    assert.equal((await repo.getState()).mode, 'learning');
    assert.equal((await repo.getStats('meta')).length, 1);

    const ds = await run(store, DAY7);
    const st = await repo.getState();
    assert.equal(st.mode, 'frozen', 'packet time passed the learning period');
    const volume = ds.filter((d) => d.ruleId === 'baseline.unusual-volume');
    for (const d of ds)
      console.log(`# ${d.ruleId} ${d.severity} ${d.key} ${new Date(d.ts / 1000).toISOString()} ${d.title}`);
    assert.equal(volume.length, 1, 'the volume alert fires once');
    const [v] = volume as [Detection];
    const plc = WEEK_HOSTS.plcs[1].ip;
    assert.equal(v.key, `asset:${plc}`);
    assert.deepEqual(v.hosts, [plc]);
    assert.equal(v.severity, 'high');
    const exfil = day7.exfil as NonNullable<WeekCapture['exfil']>;
    assert.equal(Math.floor(v.ts / HOUR_US), Math.floor(exfil.startUs / HOUR_US), 'the hour of the exfiltration');
    assert.ok(v.ts >= exfil.startUs && v.ts <= exfil.endUs, 'the time the transfer started');
    assert.match(v.evidence, /203\.0\.113\.50:4444/);
    assert.deepEqual(v.attack, ['T0882', 'T0802']);
    // The outside address is a new device; nothing else is unusual on day 7.
    const other = ds.filter((d) => d.ruleId !== 'baseline.unusual-volume');
    assert.deepEqual(
      other.map((d) => `${d.ruleId} ${d.key}`),
      [`baseline.new-asset ${WEEK_HOSTS.outside.ip}`],
    );
    assert.equal(alerts(ds).size, 2);

    const normal = await run(store, DAY7_NORMAL);
    assert.deepEqual(normal, [], 'a normal day raises no deviation alert');
  } finally {
    await store.close();
  }
});

test('one capture of the whole week: learning freezes mid-capture at day 7, the alert still fires once', async () => {
  const store = await openStore(join(dir, 'one.db'));
  try {
    await baselineRepository(store).setState({
      mode: 'learning',
      learnUntilUs: WEEK_START_US + 6 * DAY_US,
      startedAt: null,
      frozenAt: null,
    });
    const ds = await run(store, WEEK);
    for (const d of ds)
      console.log(`# ${d.ruleId} ${d.severity} ${d.key} ${new Date(d.ts / 1000).toISOString()} ${d.title}`);
    const volume = ds.filter((d) => d.ruleId === 'baseline.unusual-volume');
    assert.equal(volume.length, 1);
    assert.equal(volume[0]?.key, `asset:${WEEK_HOSTS.plcs[1].ip}`);
    const exfil = week.exfil as NonNullable<WeekCapture['exfil']>;
    assert.equal(Math.floor((volume[0]?.ts ?? 0) / HOUR_US), Math.floor(exfil.startUs / HOUR_US));
  } finally {
    await store.close();
  }
});

test('mode off: the first analysis starts learning for 7 days of packet time, and nothing alerts', async () => {
  const store = await openStore(join(dir, 'auto.db'));
  try {
    const repo = baselineRepository(store);
    assert.equal((await repo.getState()).mode, 'off');
    const ds = await run(store, DAY7_NORMAL);
    assert.deepEqual(ds, []);
    const st = await repo.getState();
    assert.equal(st.mode, 'learning');
    // Learning starts at the first event the learner sees (the first poll, a minute in).
    const until = (st.learnUntilUs ?? 0) - (WEEK_START_US + 13 * DAY_US);
    assert.ok(until >= 0 && until < HOUR_US, `learnUntilUs ${st.learnUntilUs}`);
    assert.ok((await repo.getStats('asset')).some((r) => r.key === WEEK_HOSTS.hmi.ip));
  } finally {
    await store.close();
  }
});

test('through the detection run (createDetection, all rules): one stored volume alert for PLC-2', async () => {
  const { createDetection } = await import('../detect/run.js');
  const { KyselyAlertsRepository } = await import('../store/kysely-alerts-repository.js');
  const store = await openStore(join(dir, 'engine.db'));
  try {
    await baselineRepository(store).setState({
      mode: 'learning',
      learnUntilUs: WEEK_START_US + 6 * DAY_US,
      startedAt: null,
      frozenAt: null,
    });
    for (const path of [LEARN, DAY7]) {
      const det = await createDetection(store);
      const outcome = await analyzeCapture(path, det.hooks);
      await store.mergeSnapshot(outcome.snapshot);
      await det.finish();
    }
    const alerts = await new KyselyAlertsRepository(store.db).listAlerts();
    for (const a of alerts) console.log(`# alert ${a.ruleId} ${a.severity} ${a.key} x${a.count} ${a.title}`);
    const volume = alerts.filter((a) => a.ruleId === 'baseline.unusual-volume');
    assert.equal(volume.length, 1);
    assert.equal(volume[0]?.count, 1);
    assert.equal(volume[0]?.key, `asset:${WEEK_HOSTS.plcs[1].ip}`);
    const exfil = day7.exfil as NonNullable<WeekCapture['exfil']>;
    assert.equal(Math.floor((volume[0]?.firstSeenUs ?? 0) / HOUR_US), Math.floor(exfil.startUs / HOUR_US));
  } finally {
    await store.close();
  }
});
