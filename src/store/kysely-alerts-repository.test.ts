import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { Alert, Suppression } from '../alerts/model.js';
import { alertId } from '../detect/engine.js';
import { storeTargets } from '../testing/store-targets.js';
import { KyselyAlertsRepository } from './kysely-alerts-repository.js';
import { openStore } from './open.js';

// The AlertsRepository contract, run on SQLite (a temp file per test) and PostgreSQL (a fresh
// schema per test at PW_TEST_PG_URL, dropped afterwards; PW_SKIP_PG=1 skips it when unreachable).

function alert(key: string, p: Partial<Alert> = {}): Alert {
  const ruleId = p.ruleId ?? 'ops.mode-change';
  return {
    id: alertId(ruleId, key),
    ruleId,
    revision: 1,
    key,
    severity: 'critical',
    title: `PLC ${key} put into STOP`,
    remediation: 'Check it was planned.',
    attack: ['T0858', 'T0816'],
    assets: ['ip:10.0.0.5', 'mac:00:1b:1b:01:02:03'],
    count: 2,
    firstSeenUs: 1_000,
    lastSeenUs: 2_000,
    evidence: ['s7comm PLC Stop a', 's7comm PLC Stop b'],
    protocol: 's7comm',
    status: 'open',
    suppressedBy: null,
    ...p,
  };
}

const HOSTILE = [
  'nul\0byte',
  'lone \uD800 surrogate',
  '\uE000starts with the escape mark',
  'emoji 🏭 and ünïcödé',
  'quotes \' " ; drop table alerts; --',
  '\u001b[31mred\u001b[0m',
  '',
];

for (const target of storeTargets('pw_alerts')) {
  describe(`KyselyAlertsRepository on ${target.name}`, () => {
    before(() => target.setup());
    after(() => target.teardown());

    async function open(t: TestContext): Promise<KyselyAlertsRepository | null> {
      const url = await target.freshUrl(t);
      if (url === null) return null;
      const store = await openStore(url);
      t.after(() => store.close());
      return new KyselyAlertsRepository(store.db);
    }

    test('empty store', async (t) => {
      const repo = await open(t);
      if (!repo) return;
      assert.deepEqual(await repo.listAlerts(), []);
      assert.deepEqual(await repo.listSuppressions(), []);
      assert.equal(await repo.setAlertStatus('0123456789abcdef0123', 'closed'), false);
      assert.equal(await repo.removeSuppression('nope'), false);
      await repo.mergeAlerts([]);
    });

    test('merge inserts, then folds: counts add, seen widens, newest 10 evidence, status kept, closed reopens', async (t) => {
      const repo = await open(t);
      if (!repo) return;
      const a = alert('a');
      const b = alert('b', { protocol: null, assets: [] });
      await repo.mergeAlerts([a, b]);
      assert.deepEqual(
        await repo.listAlerts(),
        [a, b].sort((x, y) => (x.id < y.id ? -1 : 1)),
      );

      assert.equal(await repo.setAlertStatus(a.id, 'acknowledged'), true);
      assert.equal(await repo.setAlertStatus(b.id, 'closed'), true);
      const ev = Array.from({ length: 9 }, (_, i) => `new ${i}`);
      await repo.mergeAlerts([
        alert('a', {
          count: 5,
          firstSeenUs: 500,
          lastSeenUs: 9_000,
          evidence: ev,
          severity: 'high',
          title: 'new title',
          revision: 2,
          assets: ['ip:10.0.0.9'],
          status: 'open',
        }),
        alert('b', { count: 1, firstSeenUs: 1_500, lastSeenUs: 1_600, evidence: ['older'], status: 'open' }),
      ]);
      const got = new Map((await repo.listAlerts()).map((x) => [x.id, x]));
      const ga = got.get(a.id);
      assert.equal(ga?.count, 7);
      assert.deepEqual([ga?.firstSeenUs, ga?.lastSeenUs], [500, 9_000]);
      assert.deepEqual(ga?.evidence, ['s7comm PLC Stop b', ...ev], 'newest 10 lines, newest last');
      assert.deepEqual([ga?.severity, ga?.title, ga?.revision], ['high', 'new title', 2]);
      assert.deepEqual(ga?.assets, ['ip:10.0.0.5', 'mac:00:1b:1b:01:02:03', 'ip:10.0.0.9']);
      assert.equal(ga?.status, 'acknowledged', 'status is kept');
      const gb = got.get(b.id);
      assert.equal(gb?.status, 'open', 'a closed alert that fires again reopens');
      assert.deepEqual(gb?.evidence, ['older', 's7comm PLC Stop a', 's7comm PLC Stop b'], 'older lines go first');
      assert.equal(gb?.protocol, 's7comm');
      await assert.rejects(repo.setAlertStatus(a.id, 'bogus' as 'open'), /unknown alert status/);
    });

    test('a repeated id in one call is folded first', async (t) => {
      const repo = await open(t);
      if (!repo) return;
      await repo.mergeAlerts([alert('a', { count: 1 }), alert('a', { count: 2, lastSeenUs: 3_000 })]);
      const [got] = await repo.listAlerts();
      assert.deepEqual([got?.count, got?.lastSeenUs], [3, 3_000]);
    });

    test('hostile text round-trips', async (t) => {
      const repo = await open(t);
      if (!repo) return;
      const list = HOSTILE.map((h, i) =>
        alert(`${h} ${i}`, {
          ruleId: `r.${h}`,
          title: h,
          remediation: h,
          attack: [h],
          assets: [h],
          evidence: [h, 'x'.repeat(5000)],
          protocol: h,
          suppressedBy: h,
        }),
      );
      await repo.mergeAlerts(list);
      assert.deepEqual(
        await repo.listAlerts(),
        [...list].sort((x, y) => (x.id < y.id ? -1 : 1)),
      );
      const s: Suppression[] = HOSTILE.map((h, i) => ({
        id: `s${i}${h}`,
        ruleId: i === 0 ? null : h,
        assets: [h],
        reason: h,
        until: h,
        createdAt: h,
      }));
      for (const x of s) await repo.addSuppression(x);
      assert.deepEqual(
        await repo.listSuppressions(),
        [...s].sort((x, y) => (x.id < y.id ? -1 : 1)),
      );
    });

    test('suppressions: add, replace by id, list, remove', async (t) => {
      const repo = await open(t);
      if (!repo) return;
      const s: Suppression = {
        id: 'abc123',
        ruleId: 'ops.mode-change',
        assets: ['ip:10.0.0.5'],
        reason: 'commissioning',
        until: '2026-12-31',
        createdAt: '2026-01-01T00:00:00.000Z',
      };
      await repo.addSuppression(s);
      await repo.addSuppression({ ...s, reason: 'commissioning, extended', ruleId: null, assets: [] });
      assert.deepEqual(await repo.listSuppressions(), [
        { ...s, reason: 'commissioning, extended', ruleId: null, assets: [] },
      ]);
      assert.equal(await repo.removeSuppression('abc123'), true);
      assert.deepEqual(await repo.listSuppressions(), []);
    });

    test('12,000 alerts in one merge (several batches), merged again as updates', async (t) => {
      const repo = await open(t);
      if (!repo) return;
      const list = Array.from({ length: 12_000 }, (_, i) => alert(`k${i}`));
      let t0 = performance.now();
      await repo.mergeAlerts(list);
      const insertMs = performance.now() - t0;
      t0 = performance.now();
      await repo.mergeAlerts(list);
      const updateMs = performance.now() - t0;
      const got = await repo.listAlerts();
      assert.equal(got.length, 12_000);
      assert.ok(got.every((a) => a.count === 4));
      t.diagnostic(`${target.name}: insert ${insertMs.toFixed(0)} ms, update ${updateMs.toFixed(0)} ms`);
    });
  });
}
