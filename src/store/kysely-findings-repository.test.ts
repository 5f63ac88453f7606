import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import { findingId } from '../findings/engine.js';
import type { Finding } from '../findings/model.js';
import { storeTargets } from '../testing/store-targets.js';
import { KyselyFindingsRepository } from './kysely-findings-repository.js';
import { openStore, type Store } from './open.js';

// The FindingsRepository contract, run on SQLite (a temp file per test) and PostgreSQL (a fresh
// schema per test at PW_TEST_PG_URL, dropped afterwards; PW_SKIP_PG=1 skips it when unreachable).

function finding(scope: string, p: Partial<Finding> = {}): Finding {
  const ruleId = p.ruleId ?? 'cred.cleartext';
  return {
    ruleId,
    ruleRevision: 2,
    scope,
    severity: 'high',
    title: `Telnet login in the clear to ${scope}`,
    description: 'Anyone on the network can read it.',
    remediation: 'Use SSH.',
    assetKeys: [`ip:${scope}`, 'mac:00:1b:1b:01:02:03'],
    evidence: [
      {
        text: "telnet login 'admin'",
        protocol: 'telnet',
        source: 'telnet.login',
        firstSeenUs: 1,
        lastSeenUs: 2,
        count: 3,
      },
    ],
    references: [
      { kind: 'nist-csf', id: 'PR.AA-01', title: 'Identities and credentials...' },
      { kind: 'cve', id: 'CVE-2020-0001' },
    ],
    score: 7.25,
    id: findingId(ruleId, scope),
    status: 'open',
    statusReason: null,
    statusUntil: null,
    firstFoundAt: '2026-01-01T00:00:00.000Z',
    lastFoundAt: '2026-01-02T00:00:00.000Z',
    resolvedAt: null,
    ...p,
  };
}

const HOSTILE = [
  'nul\0byte',
  'lone \uD800 surrogate',
  'trailing \uDFFF',
  '\uE000starts with the escape mark',
  'emoji 🏭 and ünïcödé',
  'quotes \' " ; drop table findings; --',
  '\u001b[31mred\u001b[0m',
  '',
];

for (const target of storeTargets('pw_findings')) {
  describe(`KyselyFindingsRepository on ${target.name}`, () => {
    before(() => target.setup());
    after(() => target.teardown());

    async function open(t: TestContext): Promise<{ store: Store; repo: KyselyFindingsRepository } | null> {
      const url = await target.freshUrl(t);
      if (url === null) return null;
      const store = await openStore(url);
      t.after(() => store.close());
      return { store, repo: new KyselyFindingsRepository(store.db) };
    }

    test('empty store: no findings', async (t) => {
      const s = await open(t);
      if (!s) return;
      assert.deepEqual(await s.repo.listFindings(), []);
      assert.equal(await s.repo.getFinding('0123456789abcdef0123'), null);
      assert.equal(await s.repo.setStatus('0123456789abcdef0123', 'acknowledged', null, null), false);
    });

    test('save, list sorted by id, get: records come back exactly', async (t) => {
      const s = await open(t);
      if (!s) return;
      const fs = ['10.0.0.5', '10.0.0.6', '10.0.0.7'].map((ip) => finding(ip));
      fs.push(finding('x', { status: 'accepted', statusReason: 'cell isolated', statusUntil: '2026-12-31' }));
      fs.push(
        finding('y', { status: 'resolved', resolvedAt: '2026-01-03T00:00:00.000Z', assetKeys: [], evidence: [] }),
      );
      await s.repo.saveFindings(fs);
      const got = await s.repo.listFindings();
      assert.deepEqual(
        got,
        [...fs].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      assert.deepEqual(await s.repo.getFinding(fs[3]!.id), fs[3]);
    });

    test('saving again replaces by id; a repeated id in one call: the last wins', async (t) => {
      const s = await open(t);
      if (!s) return;
      await s.repo.saveFindings([finding('a'), finding('b')]);
      const a2 = finding('a', {
        title: 'changed',
        score: 9.5,
        severity: 'critical',
        lastFoundAt: '2026-02-01T00:00:00.000Z',
      });
      await s.repo.saveFindings([finding('a', { title: 'first copy' }), a2]);
      const got = await s.repo.listFindings();
      assert.equal(got.length, 2);
      assert.deepEqual(await s.repo.getFinding(a2.id), a2);
      await s.repo.saveFindings([]);
      assert.equal((await s.repo.listFindings()).length, 2);
    });

    test('setStatus: acknowledge, accept with expiry, resolve stamps the time, reopen clears it', async (t) => {
      const s = await open(t);
      if (!s) return;
      const f = finding('a');
      await s.repo.saveFindings([f]);
      assert.equal(await s.repo.setStatus(f.id, 'acknowledged', 'ticket 42', null), true);
      let got = await s.repo.getFinding(f.id);
      assert.equal(got?.status, 'acknowledged');
      assert.equal(got?.statusReason, 'ticket 42');
      assert.equal(await s.repo.setStatus(f.id, 'accepted', 'isolated', '2026-06-30'), true);
      got = await s.repo.getFinding(f.id);
      assert.deepEqual([got?.status, got?.statusReason, got?.statusUntil], ['accepted', 'isolated', '2026-06-30']);
      const before = Date.now();
      await s.repo.setStatus(f.id, 'resolved', null, null);
      got = await s.repo.getFinding(f.id);
      assert.equal(got?.status, 'resolved');
      assert.ok(got?.resolvedAt && Date.parse(got.resolvedAt) >= before - 1000);
      await s.repo.setStatus(f.id, 'open', null, null);
      got = await s.repo.getFinding(f.id);
      assert.deepEqual([got?.status, got?.resolvedAt, got?.statusUntil], ['open', null, null]);
      assert.deepEqual({ ...got, status: 'open' }, f, 'the rest of the record is untouched');
      await assert.rejects(s.repo.setStatus(f.id, 'bogus' as 'open', null, null), /unknown finding status/);
    });

    test('hostile text round-trips in every text field', async (t) => {
      const s = await open(t);
      if (!s) return;
      const fs = HOSTILE.map((h, i) =>
        finding(`scope ${h} ${i}`, {
          ruleId: `rule.${i}`,
          title: h,
          description: h,
          remediation: h,
          assetKeys: [h, `ip:${h}`],
          evidence: [{ text: h, protocol: h, source: h }],
          references: [{ kind: 'url', id: h, title: h }],
          statusReason: h,
          statusUntil: h,
          firstFoundAt: h,
          lastFoundAt: h,
          resolvedAt: h,
        }),
      );
      fs.push(finding('x'.repeat(20_000), { title: 't'.repeat(50_000) }));
      await s.repo.saveFindings(fs);
      const got = await s.repo.listFindings();
      assert.deepEqual(
        got,
        [...fs].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
    });

    test('5,000 findings in one call (several multi-row batches)', async (t) => {
      const s = await open(t);
      if (!s) return;
      const fs = Array.from({ length: 5000 }, (_, i) => finding(`10.${i >> 8}.${i & 255}.1`));
      let t0 = performance.now();
      await s.repo.saveFindings(fs);
      const insertMs = performance.now() - t0;
      t0 = performance.now();
      await s.repo.saveFindings(fs.map((f) => ({ ...f, lastFoundAt: '2026-03-01T00:00:00.000Z' })));
      const updateMs = performance.now() - t0;
      t0 = performance.now();
      const got = await s.repo.listFindings();
      const listMs = performance.now() - t0;
      assert.equal(got.length, 5000);
      assert.ok(got.every((f) => f.lastFoundAt === '2026-03-01T00:00:00.000Z'));
      t.diagnostic(
        `${target.name}: insert ${insertMs.toFixed(0)} ms, update ${updateMs.toFixed(0)} ms, list ${listMs.toFixed(0)} ms`,
      );
    });
  });
}
