import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusPath, hasCorpus } from '../testing/corpus.js';
import { isKevJson, parseKevCsv, parseKevJson } from './kev.js';
import { FeedError } from './problems.js';
import { KEV_CSV, kevJsonFixture } from './test-fixtures.js';

test('kev: JSON catalogue', () => {
  const doc = kevJsonFixture();
  assert.ok(isKevJson(doc));
  const r = parseKevJson(doc);
  assert.equal(r.catalogVersion, '2025.08.25');
  assert.equal(r.documentDate, '2025-08-25T17:04:19.979Z');
  assert.deepEqual(r.entries[0], {
    cve: 'CVE-2022-0001',
    vendor: 'Siemens',
    product: 'SIMATIC S7-1500',
    name: 'Siemens SIMATIC S7-1500 Out-of-Bounds Write',
    dateAdded: '2023-01-10',
    dueDate: '2023-01-31',
    knownRansomware: true,
    requiredAction: 'Apply updates per vendor instructions.',
  });
  assert.equal(r.entries[1]?.knownRansomware, false);
  assert.deepEqual(r.problems, [{ where: '/vulnerabilities/2/cveID', message: 'not a CVE id: "CVE-BAD"' }]);
  assert.throws(() => parseKevJson({ title: 'x' }), FeedError);
  assert.ok(!isKevJson({ vulnerabilities: [] }));
});

test('kev: CSV export, quoted fields, bad rows reported by line', () => {
  const r = parseKevCsv(`${KEV_CSV}\r\nCVE-2023-9999,Acme,X,Y,not-a-date,,,,,,\r\n`);
  assert.equal(r.entries.length, 2);
  assert.equal(r.entries[0]?.name, 'Citrix Session Recording "Improper" Privilege Management');
  assert.equal(r.entries[1]?.dueDate, null);
  assert.equal(r.entries[1]?.knownRansomware, true);
  assert.equal(r.documentDate, '2025-08-25T00:00:00.000Z');
  assert.deepEqual(r.problems, [
    { where: 'line 4 (dateAdded)', message: 'CVE-2023-9999: missing or invalid dateAdded' },
  ]);
  assert.throws(
    () => parseKevCsv('a,b,c\n1,2,3'),
    (e: unknown) => e instanceof FeedError && e.where === 'line 1',
  );
});

test('kev: the corpus JSON and CSV agree', (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const json = parseKevJson(
    JSON.parse(readFileSync(corpusPath('vulns', 'kev', 'known_exploited_vulnerabilities.json'), 'utf8')),
  );
  const csv = parseKevCsv(readFileSync(corpusPath('vulns', 'kev', 'known_exploited_vulnerabilities.csv'), 'utf8'));
  assert.equal(json.entries.length, 1404);
  assert.equal(json.problems.length, 0);
  assert.equal(csv.problems.length, 0);
  assert.deepEqual(csv.entries.map((e) => e.cve).sort(), json.entries.map((e) => e.cve).sort());
  const byCve = new Map(json.entries.map((e) => [e.cve, e]));
  for (const e of csv.entries) assert.deepEqual(e, byCve.get(e.cve));
});
