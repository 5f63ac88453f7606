import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusPath, hasCorpus } from '../testing/corpus.js';
import { isCsaf, modelsInText, parseCsaf, versionsInText } from './csaf.js';
import { FeedError } from './problems.js';
import { csafFixture } from './test-fixtures.js';

test('csaf: the annotated fixture maps to an Advisory', () => {
  const doc = csafFixture();
  assert.ok(isCsaf(doc));
  const { advisory: a, problems, unparsed } = parseCsaf(doc);
  assert.equal(a.id, 'ICSA-99-001-01');
  assert.equal(a.title, 'Siemens SIMATIC S7-1500 and ACME Gateway');
  assert.equal(a.publisher, 'CISA');
  assert.equal(a.published, '2022-03-01T00:00:00.000Z');
  assert.equal(a.updated, '2022-04-12T00:00:00.000Z');
  assert.equal(a.url, 'https://www.cisa.gov/news-events/ics-advisories/icsa-99-001-01');
  assert.deepEqual(a.cves, ['CVE-2022-0001', 'CVE-2022-0002']);
  assert.deepEqual(a.cwes, ['CWE-20', 'CWE-787']);
  assert.equal(a.cvssScore, 9.8);
  assert.equal(a.cvssVector, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
  assert.deepEqual(
    a.remediations.map((r) => [r.category, r.productIds.join(' ')]),
    [
      ['vendor_fix', 'CSAFPID-0001'],
      ['mitigation', 'CSAFPID-0001 CSAFPID-0002'],
      ['vendor_fix', 'CSAFPID-0003'],
    ],
  );
  assert.equal(a.remediations[0]?.url, 'https://support.example.invalid/fix');

  const [s7, scalance, gw, legacy] = a.products;
  assert.deepEqual(s7, {
    productId: 'CSAFPID-0001',
    vendor: 'Siemens',
    product: 'SIMATIC S7-1500 CPU 1511-1 PN (6ES7 511-1AK02-0AB0)',
    models: ['6ES7511-1AK02-0AB0'],
    affected: [{ kind: 'range', upper: '2.9.4', raw: 'vers:all/<V2.9.4' }],
    fixedVersion: '2.9.4',
    cpe: null,
    status: 'known_affected',
  });
  assert.equal(scalance?.product, 'SCALANCE X200');
  assert.deepEqual(scalance?.affected, [{ kind: 'range', upper: '5.2.5', raw: 'All versions < V5.2.5' }]);
  assert.equal(scalance?.fixedVersion, null, 'a mitigation without a fix names no fixed version');
  assert.equal(gw?.vendor, 'ACME Automation');
  assert.deepEqual(gw?.models, ['GW-100', 'GW-200']);
  assert.deepEqual(gw?.affected, [], 'model codes are not versions');
  assert.equal(gw?.fixedVersion, '3.1');
  assert.equal(legacy?.status, 'under_investigation', 'a product no vulnerability lists is not claimed affected');
  assert.deepEqual(unparsed, [
    { where: '/product_tree/branches/1/branches/0/branches/1/product', text: 'the first 5 digits of serial number' },
  ]);
  assert.deepEqual(problems, [{ where: '/vulnerabilities/2/cve', message: 'not a CVE id: "not-a-cve"' }]);
});

test('csaf: a document it cannot use is refused with the place', () => {
  const noId = csafFixture();
  delete (noId.document as { tracking: { id?: string } }).tracking.id;
  assert.throws(
    () => parseCsaf(noId),
    (e: unknown) => e instanceof FeedError && e.where === '/document/tracking/id',
  );
  const v1 = csafFixture();
  (v1.document as { csaf_version: string }).csaf_version = '1.2';
  assert.throws(
    () => parseCsaf(v1),
    (e: unknown) => e instanceof FeedError && e.where === '/document/csaf_version',
  );
  assert.throws(() => parseCsaf(null), FeedError);
  assert.throws(() => parseCsaf([]), FeedError);
  assert.ok(!isCsaf({ vulnerabilities: [] }));
});

test('csaf: broken parts are reported and skipped, the rest is kept', () => {
  const doc = csafFixture();
  const tree = doc.product_tree as { branches: unknown[] };
  tree.branches.push(
    'not a branch',
    { category: 'vendor', name: 'X', branches: 'nope' },
    { category: 'product_name', name: 'P', product: { name: 'no id' } },
  );
  (doc.vulnerabilities as unknown[]).push(42, {
    cve: 'CVE-2020-1234',
    scores: [{ cvss_v3: { baseScore: 'high' } }],
    remediations: [{ details: 'x' }],
  });
  const { advisory, problems } = parseCsaf(doc);
  assert.equal(advisory.products.length, 4);
  assert.ok(advisory.cves.includes('CVE-2020-1234'));
  const where = problems.map((p) => p.where);
  assert.ok(where.includes('/product_tree/branches/2'));
  assert.ok(where.includes('/product_tree/branches/3/branches'));
  assert.ok(where.includes('/product_tree/branches/4/product'));
  assert.ok(where.includes('/vulnerabilities/3'));
  assert.ok(where.includes('/vulnerabilities/4/remediations/0/category'));
});

test('csaf: a deep or huge product tree is bounded', () => {
  const doc = csafFixture();
  let deep: Record<string, unknown> = {
    category: 'product_name',
    name: 'leaf',
    product: { name: 'x', product_id: 'DEEP' },
  };
  for (let i = 0; i < 5000; i++) deep = { category: 'product_family', name: `f${i}`, branches: [deep] };
  (doc.product_tree as { branches: unknown[] }).branches.push(deep);
  const { advisory, problems } = parseCsaf(doc);
  assert.ok(!advisory.products.some((p) => p.productId === 'DEEP'));
  assert.ok(problems.some((p) => /deeper than/.test(p.message)));
  const wide = csafFixture();
  (wide.product_tree as { branches: unknown[] }).branches = Array.from({ length: 60_000 }, (_, i) => ({
    category: 'product_name',
    name: 'p',
    product: { name: 'p', product_id: `P${i}` },
  }));
  const r = parseCsaf(wide);
  assert.equal(r.advisory.products.length, 50_000);
});

test('csaf: hostile JSON keys and values stay data', () => {
  const doc = JSON.parse(
    '{"document":{"csaf_version":"2.0","tracking":{"id":"X-1"},"__proto__":{"title":"polluted"}},' +
      '"product_tree":{"branches":[{"category":"vendor","name":"V\\u0000\\ud800","branches":[{"category":"product_name","name":"P","product":{"name":"P","product_id":"__proto__"}}]}]},' +
      '"vulnerabilities":[{"cve":"CVE-2020-0001","product_status":{"known_affected":["__proto__"]}}]}',
  );
  const { advisory } = parseCsaf(doc);
  assert.equal(advisory.title, '');
  assert.equal(advisory.products[0]?.productId, '__proto__');
  assert.equal(advisory.products[0]?.status, 'known_affected');
  assert.equal(advisory.products[0]?.vendor, 'V\u0000\ud800');
});

test('csaf: order numbers in names, versions in remediation texts', () => {
  assert.deepEqual(modelsInText('SIMATIC S7-300 CPU 315-2 DP (6ES7 315-2EH14-0AB0)'), ['6ES7315-2EH14-0AB0']);
  assert.deepEqual(modelsInText('1756-ENBT/A EtherNet/IP module'), ['1756-ENBT/A']);
  assert.deepEqual(modelsInText('Stratix 5950 (1783-SAD4T0SBK9)'), ['1783-SAD4T0SBK9']);
  assert.deepEqual(modelsInText('AXC 3050: Article number 2700989'), ['2700989']);
  assert.deepEqual(modelsInText('Infiniti JX35 2013-2016'), []);
  assert.deepEqual(versionsInText('Update to V2.9.4 or later version'), ['2.9.4']);
  assert.deepEqual(versionsInText('Update to V16 Update 4 or later version'), ['16 Update 4']);
  assert.deepEqual(versionsInText('Users of Prosafe-RS: Update to R4.07.02 or later'), ['R4.07.02']);
  assert.deepEqual(versionsInText('Update to V1.22 - Download: https://support.example/view/109745821'), ['1.22']);
  assert.deepEqual(versionsInText('See CVE-2020-10606 and Windows 10'), []);
  assert.deepEqual(versionsInText('Delta Electronics released Version 1.1.0 of DIAScreen'), ['1.1.0']);
});

test('csaf: real advisories from the corpus', (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const read = (y: string, f: string) =>
    JSON.parse(readFileSync(corpusPath('vulns', 'csaf-ot', 'white', y, f), 'utf8'));
  // Siemens SCALANCE: vers: ranges, model numbers from the helper and the name.
  const scalance = parseCsaf(read('2022', 'icsa-22-349-04.json')).advisory;
  assert.equal(scalance.id, 'ICSA-22-349-04');
  const p = scalance.products.find((x) => x.product.startsWith('SCALANCE XB213-3LD (SC, PN)'));
  assert.ok(p);
  assert.deepEqual(p.models, ['6GK5213-3BF00-2AB2']);
  assert.equal(p.vendor, 'Siemens');
  assert.equal(p.status, 'known_affected');
  assert.ok(scalance.cvssScore !== null && scalance.cvssScore > 0);
  // ProSoft: free-text range in the leaf.
  const prosoft = parseCsaf(read('2021', 'icsa-21-056-04.json')).advisory;
  const icx = prosoft.products.find((x) => x.product === 'ICX35-HWC-E');
  assert.deepEqual(
    icx?.affected.map((r) => [r.kind, r.upper, r.upperInclusive]),
    [['range', '1.9.62', true]],
  );
  // Medtronic: product_version branches are model numbers.
  const med = parseCsaf(read('2022', 'icsma-22-263-01.json')).advisory;
  assert.ok(med.products.some((x) => x.models.includes('MMT-1754')));
});
