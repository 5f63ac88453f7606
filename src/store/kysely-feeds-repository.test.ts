import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import { parseCsaf } from '../feeds/csaf.js';
import type { Advisory, DefaultCredential, FeedSource, KevEntry } from '../feeds/model.js';
import { csafFixture } from '../feeds/test-fixtures.js';
import { storeTargets } from '../testing/store-targets.js';
import { KyselyFeedsRepository } from './kysely-feeds-repository.js';
import { openStore, type Store } from './open.js';

// The FeedsRepository contract, run on SQLite (a temp file per test) and PostgreSQL (a fresh
// schema per test at PW_TEST_PG_URL; PW_SKIP_PG=1 skips it when unreachable).

function source(id: string, kind: FeedSource['kind'], p: Partial<FeedSource> = {}): FeedSource {
  return {
    id,
    kind,
    path: `/feeds/${id}`,
    importedAt: '2025-01-02T03:04:05.000Z',
    documentDate: null,
    records: 1,
    ...p,
  };
}

function advisory(over: { id?: string; updated?: string; cve?: string } = {}): Advisory {
  return parseCsaf(csafFixture(over)).advisory;
}

const KEV: KevEntry[] = [
  {
    cve: 'CVE-2022-0001',
    vendor: 'Siemens',
    product: 'S7',
    name: 'n',
    dateAdded: '2023-01-10',
    dueDate: '2023-01-31',
    knownRansomware: true,
    requiredAction: 'patch',
  },
  {
    cve: 'CVE-2021-44228',
    vendor: 'Apache',
    product: 'Log4j2',
    name: 'n2',
    dateAdded: '2021-12-10',
    dueDate: null,
    knownRansomware: false,
    requiredAction: 'a',
  },
];

const CREDS: DefaultCredential[] = [
  { vendor: 'Acme', product: 'GW', user: 'admin', password: 'admin', protocol: 'http', access: 'web', list: 'generic' },
  { vendor: 'Acme', product: 'GW', user: '', password: 'public', protocol: 'snmp', access: '', list: 'generic' },
];

/** Text no database stores as is: NUL, a lone surrogate, the escape marker, quotes, SQL. */
const HOSTILE = "x\u0000y\ud800z'; drop table kev; --\uE000\u202e";

for (const target of storeTargets('pw_feeds')) {
  describe(`FeedsRepository contract on ${target.name}`, () => {
    before(() => target.setup());
    after(() => target.teardown());

    async function open(t: TestContext): Promise<{ store: Store; repo: KyselyFeedsRepository } | null> {
      const url = await target.freshUrl(t);
      if (url === null) return null;
      const store = await openStore(url);
      t.after(() => store.close());
      return { store, repo: KyselyFeedsRepository.over(store.db) };
    }

    test('import, list and summarise the three kinds', async (t) => {
      const o = await open(t);
      if (o === null) return;
      const { repo } = o;
      assert.deepEqual(await repo.summary(), {
        advisories: 0,
        products: 0,
        cves: 0,
        kev: 0,
        defaultCredentials: 0,
        newest: null,
      });
      const a = advisory();
      await repo.importSource(source('s1', 'csaf', { documentDate: a.updated }), { advisories: [a] });
      await repo.importSource(source('s2', 'kev', { documentDate: '2025-08-25T17:04:19.979Z', records: 2 }), {
        kev: KEV,
      });
      await repo.importSource(source('s3', 'default-credentials', { records: 2 }), { defaultCredentials: CREDS });
      assert.ok(await repo.hasSource('s1'));
      assert.ok(!(await repo.hasSource('nope')));
      assert.deepEqual(await repo.listAdvisories(), [a]);
      assert.deepEqual(
        await repo.listKev(),
        [...KEV].sort((x, y) => (x.cve < y.cve ? -1 : 1)),
      );
      assert.deepEqual(await repo.listDefaultCredentials(), [CREDS[1], CREDS[0]]);
      assert.deepEqual(
        (await repo.listSources()).map((s) => [s.id, s.kind, s.records]),
        [
          ['s1', 'csaf', 1],
          ['s2', 'kev', 2],
          ['s3', 'default-credentials', 2],
        ],
      );
      assert.deepEqual(await repo.summary(), {
        advisories: 1,
        products: 4,
        cves: 2,
        kev: 2,
        defaultCredentials: 2,
        newest: '2025-08-25T17:04:19.979Z',
      });
    });

    test('the same source twice is a no-op', async (t) => {
      const o = await open(t);
      if (o === null) return;
      const { repo } = o;
      await repo.importSource(source('s1', 'kev'), { kev: KEV.slice(0, 1) });
      await repo.importSource(source('s1', 'kev'), { kev: KEV });
      assert.equal((await repo.listKev()).length, 1);
      assert.equal((await repo.listSources()).length, 1);
    });

    test('a newer revision replaces the products; an older one changes nothing', async (t) => {
      const o = await open(t);
      if (o === null) return;
      const { repo } = o;
      const v1 = advisory({ updated: '2022-04-12T00:00:00Z' });
      const v2 = advisory({ updated: '2022-06-01T00:00:00Z', cve: 'CVE-2022-0009' });
      v2.products = v2.products.slice(0, 1);
      await repo.importSource(source('a1', 'csaf'), { advisories: [v1] });
      await repo.importSource(source('a2', 'csaf'), { advisories: [v2] });
      let list = await repo.listAdvisories();
      assert.equal(list.length, 1);
      assert.equal(list[0]?.updated, '2022-06-01T00:00:00.000Z');
      assert.equal(list[0]?.products.length, 1);
      assert.deepEqual(list[0]?.cves, ['CVE-2022-0002', 'CVE-2022-0009']);
      const old = advisory({ updated: '2021-01-01T00:00:00Z', cve: 'CVE-2020-7777' });
      await repo.importSource(source('a0', 'csaf'), { advisories: [old] });
      list = await repo.listAdvisories();
      assert.deepEqual(list[0]?.cves, ['CVE-2022-0002', 'CVE-2022-0009']);
      assert.equal((await repo.listSources()).length, 3, 'the older file is still recorded as imported');
    });

    test('KEV upserts by CVE, credentials by identity', async (t) => {
      const o = await open(t);
      if (o === null) return;
      const { repo } = o;
      await repo.importSource(source('k1', 'kev'), { kev: KEV, defaultCredentials: CREDS });
      const changed = { ...(KEV[0] as KevEntry), dueDate: null, knownRansomware: false };
      const cred = { ...(CREDS[0] as DefaultCredential), access: 'console' };
      await repo.importSource(source('k2', 'kev'), { kev: [changed, changed], defaultCredentials: [cred, cred] });
      const kev = await repo.listKev();
      assert.equal(kev.length, 2);
      assert.deepEqual(
        kev.find((k) => k.cve === 'CVE-2022-0001'),
        changed,
      );
      const creds = await repo.listDefaultCredentials();
      assert.equal(creds.length, 2);
      assert.equal(creds.find((c) => c.user === 'admin')?.access, 'console');
    });

    test('hostile text round-trips exactly', async (t) => {
      const o = await open(t);
      if (o === null) return;
      const { repo } = o;
      const a = advisory({ id: `ICSA-${HOSTILE}` });
      a.title = HOSTILE;
      a.cves = [HOSTILE];
      a.remediations[0]!.text = HOSTILE;
      const p = a.products[0]!;
      p.productId = HOSTILE;
      p.vendor = HOSTILE;
      p.models = [HOSTILE];
      p.affected = [{ kind: 'eq', version: HOSTILE, raw: HOSTILE }];
      p.fixedVersion = HOSTILE;
      const k: KevEntry = { ...(KEV[0] as KevEntry), cve: HOSTILE, vendor: HOSTILE, requiredAction: HOSTILE };
      const c: DefaultCredential = {
        vendor: HOSTILE,
        product: HOSTILE,
        user: HOSTILE,
        password: HOSTILE,
        protocol: HOSTILE,
        access: HOSTILE,
        list: HOSTILE,
      };
      await repo.importSource(source(HOSTILE, 'csaf', { path: HOSTILE, documentDate: HOSTILE }), {
        advisories: [a],
        kev: [k],
        defaultCredentials: [c],
      });
      assert.ok(await repo.hasSource(HOSTILE));
      a.products.sort((x, y) => (x.productId < y.productId ? -1 : 1));
      assert.deepEqual(await repo.listAdvisories(), [a]);
      assert.deepEqual(await repo.listKev(), [k]);
      assert.deepEqual(await repo.listDefaultCredentials(), [c]);
      assert.equal((await repo.listSources())[0]?.path, HOSTILE);
    });

    test('large batches go in one transaction', async (t) => {
      const o = await open(t);
      if (o === null) return;
      const { repo } = o;
      const advisories = Array.from({ length: 300 }, (_, i) =>
        advisory({ id: `ICSA-BULK-${i}`, cve: `CVE-2022-${10000 + i}` }),
      );
      const kev = Array.from({ length: 5000 }, (_, i) => ({ ...(KEV[0] as KevEntry), cve: `CVE-2020-${10000 + i}` }));
      const creds = Array.from({ length: 5000 }, (_, i) => ({ ...(CREDS[0] as DefaultCredential), user: `u${i}` }));
      const t0 = performance.now();
      await repo.importSource(source('bulk', 'csaf'), { advisories, kev, defaultCredentials: creds });
      const ms = performance.now() - t0;
      const s = await repo.summary();
      assert.deepEqual([s.advisories, s.products, s.kev, s.defaultCredentials], [300, 1200, 5000, 5000]);
      t.diagnostic(`${target.name}: 300 advisories + 5,000 KEV + 5,000 credentials in ${ms.toFixed(0)} ms`);
      const bad = advisory({ id: 'ICSA-BAD' });
      bad.products.push({ ...(bad.products[0] as Advisory['products'][number]) });
      await repo.importSource(source('dup-products', 'csaf'), { advisories: [bad] });
      assert.ok(
        await repo.hasSource('dup-products'),
        'duplicate product ids inside one advisory are dropped, not fatal',
      );
    });
  });
}
