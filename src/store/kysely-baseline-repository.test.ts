import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { Kysely } from 'kysely';
import { storeTargets } from '../testing/store-targets.js';
import { KyselyBaselineRepository } from './kysely-baseline-repository.js';
import { openStore } from './open.js';
import type { BaselineDatabase } from './schema-baseline.js';

// The BaselineRepository contract, run on SQLite (a temp file per test) and PostgreSQL
// (a fresh schema per test at PW_TEST_PG_URL, dropped at the end; PW_SKIP_PG=1 skips it when
// the server is unreachable), as repository.contract.test.ts does for the inventory.

/** Text a network (or an attacker on it) may put into a key: NUL, lone surrogates, the escape mark, SQL. */
const HOSTILE = ['a\0b', '\uD800x', '\uE000"already"', "x'); drop table baseline_stats; --", '\u001b[31mred', '😀', ''];

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

for (const target of storeTargets('pw_baseline')) {
  describe(`BaselineRepository contract (${target.name})`, () => {
    before(() => target.setup());
    after(() => target.teardown());

    async function fresh(t: TestContext): Promise<KyselyBaselineRepository | null> {
      const url = await target.freshUrl(t);
      if (url === null) return null;
      const store = await openStore(url);
      t.after(() => store.close());
      return new KyselyBaselineRepository(store.db as unknown as Kysely<BaselineDatabase>);
    }

    test('a new store is off; the state round-trips and is replaced', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      assert.deepEqual(await r.getState(), { mode: 'off', learnUntilUs: null, startedAt: null, frozenAt: null });
      const learning = {
        mode: 'learning' as const,
        learnUntilUs: 1_717_000_000_123_456,
        startedAt: '2024-06-01T00:00:00.000Z',
        frozenAt: null,
      };
      await r.setState(learning);
      assert.deepEqual(await r.getState(), learning);
      const frozen = { ...learning, mode: 'frozen' as const, learnUntilUs: null, frozenAt: '2024-06-08T00:00:00.000Z' };
      await r.setState(frozen);
      assert.deepEqual(await r.getState(), frozen);
    });

    test('stats upsert by (kind, key), read per kind, last value wins, clear empties', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      assert.deepEqual(await r.getStats('asset'), []);
      await r.putStats([
        { kind: 'asset', key: '10.0.0.1', value: '{"f":1}' },
        { kind: 'asset', key: '10.0.0.2', value: '{"f":2}' },
        { kind: 'link', key: '10.0.0.1|10.0.0.2|modbus', value: '{"f":3}' },
        { kind: 'asset', key: '10.0.0.1', value: '{"f":9}' },
      ]);
      assert.deepEqual((await r.getStats('asset')).sort(byKey), [
        { key: '10.0.0.1', value: '{"f":9}' },
        { key: '10.0.0.2', value: '{"f":2}' },
      ]);
      await r.putStats([{ kind: 'asset', key: '10.0.0.2', value: '{"f":5}' }]);
      assert.deepEqual((await r.getStats('asset')).sort(byKey)[1], { key: '10.0.0.2', value: '{"f":5}' });
      assert.equal((await r.getStats('link')).length, 1);
      await r.clearStats();
      assert.deepEqual(await r.getStats('asset'), []);
      assert.deepEqual(await r.getStats('link'), []);
    });

    test('hostile text round-trips in kind, key, value and state', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      await r.putStats(HOSTILE.map((s, i) => ({ kind: 'k\0', key: `${s}#${i}`, value: s })));
      const back = (await r.getStats('k\0')).sort(byKey);
      assert.deepEqual(back, HOSTILE.map((s, i) => ({ key: `${s}#${i}`, value: s })).sort(byKey));
      const st = {
        mode: 'learning' as const,
        learnUntilUs: null,
        startedAt: HOSTILE[0] as string,
        frozenAt: HOSTILE[2] as string,
      };
      await r.setState(st);
      assert.deepEqual(await r.getState(), st);
    });

    test('tens of thousands of documents in batches, one transaction', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      const n = 30_000;
      const rows = Array.from({ length: n }, (_, i) => ({
        kind: 'sent',
        key: `10.0.${i >> 8}.${i & 255}|${i % 24}`,
        value: `{"n":${i}}`,
      }));
      const t0 = performance.now();
      await r.putStats(rows);
      const t1 = performance.now();
      const back = await r.getStats('sent');
      assert.equal(back.length, n);
      t.diagnostic(
        `${target.name}: put ${n} docs ${(t1 - t0).toFixed(0)} ms, read ${(performance.now() - t1).toFixed(0)} ms`,
      );
    });
  });
}
