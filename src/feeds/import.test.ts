import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { KyselyFeedsRepository } from '../store/kysely-feeds-repository.js';
import { openStore } from '../store/open.js';
import { hasCorpus } from '../testing/corpus.js';
import { benchImportCorpus } from './bench.js';
import { importFeeds, jsonErrorOffset } from './import.js';
import {
  CHEATSHEET_CSV,
  csafFixture,
  GENERIC_CSV,
  ITI_CSV,
  KEV_CSV,
  kevJsonFixture,
  SCADAPASS_CSV,
  tar,
  zip,
} from './test-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-feeds-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function repoAt(name: string) {
  const store = await openStore(join(dir, name));
  return { store, repo: KyselyFeedsRepository.over(store.db) };
}

test('import: files and directory trees recognised by content, duplicates skipped, errors placed', async (t) => {
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'csaf', '2022'), { recursive: true });
  writeFileSync(join(tree, 'csaf', '2022', 'a.json'), JSON.stringify(csafFixture()));
  writeFileSync(join(tree, 'csaf', '2022', 'b.txt'), JSON.stringify(csafFixture({ id: 'ICSA-99-002-02' }))); // name does not matter
  writeFileSync(join(tree, 'csaf', '2022', 'copy.json'), JSON.stringify(csafFixture())); // same bytes as a.json
  writeFileSync(join(tree, 'csaf', 'broken.json'), '{"document": {"csaf_version": "2.0",\n  "tracking": }');
  writeFileSync(join(tree, 'csaf', 'noid.json'), JSON.stringify({ document: { csaf_version: '2.0', tracking: {} } }));
  writeFileSync(join(tree, 'README.md'), '# feeds\n');
  writeFileSync(join(tree, 'other.json'), '{"hello": "world"}');
  writeFileSync(join(tree, 'kev.json'), JSON.stringify(kevJsonFixture()));
  writeFileSync(join(tree, 'kev.csv'), KEV_CSV);
  writeFileSync(join(tree, 'scadapass.csv'), SCADAPASS_CSV);
  writeFileSync(join(tree, 'iti.csv'), ITI_CSV);
  writeFileSync(join(tree, 'cheat.csv'), CHEATSHEET_CSV);
  writeFileSync(join(tree, 'mine.csv'), GENERIC_CSV);
  symlinkSync(tree, join(tree, 'loop'));
  const { store, repo } = await repoAt('tree.db');
  t.after(() => store.close());
  const events: string[] = [];
  const r = await importFeeds([tree, join(dir, 'missing.json')], repo, {
    now: () => new Date('2025-01-01T00:00:00Z'),
    onFile: (e) => events.push(e.type),
  });
  const rel = (p: string) => p.slice(tree.length + 1);
  assert.deepEqual(
    r.imported.map((s) => [rel(s.path), s.kind, s.records]),
    [
      ['cheat.csv', 'default-credentials', 3],
      ['csaf/2022/a.json', 'csaf', 1],
      ['csaf/2022/b.txt', 'csaf', 1],
      ['iti.csv', 'default-credentials', 2],
      ['kev.csv', 'kev', 2],
      ['kev.json', 'kev', 2],
      ['mine.csv', 'default-credentials', 2],
      ['scadapass.csv', 'default-credentials', 10],
    ],
  );
  assert.equal(r.imported[1]?.documentDate, '2022-04-12T00:00:00.000Z');
  assert.equal(r.imported[1]?.importedAt, '2025-01-01T00:00:00.000Z');
  assert.match(r.imported[1]?.id ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(
    r.skipped.map((s) => [s.path.startsWith(tree) ? rel(s.path) : s.path, s.reason.replace(tree, '<tree>')]),
    [
      ['README.md', 'not a feed file (CSAF advisory, KEV catalogue or default-credential CSV)'],
      ['csaf/2022/copy.json', 'same content as <tree>/csaf/2022/a.json'],
      ['loop', 'symbolic link not followed'],
      ['other.json', 'JSON, but neither a CSAF 2.0 advisory nor the KEV catalogue'],
    ],
  );
  assert.deepEqual(
    r.errors.map((e) => [
      e.path.startsWith(tree) ? rel(e.path) : e.path.slice(dir.length + 1),
      e.where,
      e.message.replace(/:.*$/, ''),
    ]),
    [
      ['csaf/broken.json', 'line 2 column 15', 'invalid JSON'],
      ['csaf/noid.json', '/document/tracking/id', 'missing tracking id'],
      ['missing.json', '', 'cannot read'],
    ],
  );
  assert.ok(r.warnings.some((w) => rel(w.path) === 'csaf/2022/a.json' && w.where === '/vulnerabilities/2/cve'));
  assert.ok(r.warnings.some((w) => rel(w.path) === 'mine.csv' && w.where === 'line 4'));
  assert.equal(r.unparsedVersions, 2);
  assert.equal(events.length, r.imported.length + r.skipped.length + r.errors.length);
  const s = await repo.summary();
  assert.deepEqual([s.advisories, s.products, s.kev], [2, 8, 4]);

  // Again: every file already imported, nothing written twice.
  const again = await importFeeds([tree], repo);
  assert.equal(again.imported.length, 0);
  assert.equal(again.skipped.filter((x) => x.reason === 'already imported').length, 8);
});

test('import: zip and tar.gz archives of advisories, bounded sizes', async (t) => {
  const { store, repo } = await repoAt('archives.db');
  t.after(() => store.close());
  const z = join(dir, 'advisories.zip');
  writeFileSync(
    z,
    zip([
      { name: '2022/one.json', data: JSON.stringify(csafFixture({ id: 'ICSA-Z-1' })) },
      { name: '2022/two.json', data: JSON.stringify(csafFixture({ id: 'ICSA-Z-2' })) },
      { name: 'LICENSE', data: 'public domain' },
      { name: 'inner.zip', data: 'PK\u0003\u0004...', method: 0 },
    ]),
  );
  const tgz = join(dir, 'advisories.tar.gz');
  writeFileSync(
    tgz,
    gzipSync(
      tar([
        { name: 'a/one.json', data: JSON.stringify(csafFixture({ id: 'ICSA-Z-1' })) }, // same bytes as in the zip
        { name: 'a/three.json', data: JSON.stringify(csafFixture({ id: 'ICSA-T-3' })) },
      ]),
    ),
  );
  const big = join(dir, 'big.json');
  writeFileSync(big, `{"x":"${'a'.repeat(5000)}"}`);
  const r = await importFeeds([z, tgz, big], repo, { maxFileBytes: 4096 });
  assert.deepEqual(
    r.imported.map((s) => s.path.slice(dir.length + 1)),
    ['advisories.zip!2022/one.json', 'advisories.zip!2022/two.json', 'advisories.tar.gz!a/three.json'],
  );
  assert.deepEqual(
    r.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason.replace(dir, '')]),
    [
      ['advisories.zip!LICENSE', 'not a feed file (CSAF advisory, KEV catalogue or default-credential CSV)'],
      ['advisories.zip!inner.zip', 'archive inside an archive (unpack it first)'],
      ['advisories.tar.gz!a/one.json', 'same content as /advisories.zip!2022/one.json'],
      ['big.json', 'larger than 4096 bytes'],
    ],
  );
  assert.deepEqual(
    (await repo.listAdvisories()).map((a) => a.id),
    ['ICSA-T-3', 'ICSA-Z-1', 'ICSA-Z-2'],
  );
});

test('import: the whole corpus feed set (PW_SLOW=1)', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  if (process.env.PW_SLOW !== '1') return t.skip('set PW_SLOW=1 (about 3 s on SQLite)');
  const r = await benchImportCorpus(join(dir, 'corpus.db'));
  t.diagnostic(JSON.stringify(r));
  assert.equal(r.advisories, 1655);
  assert.equal(r.kev, 1404);
  assert.equal(r.errors, 0);
  assert.ok(r.defaultCredentials > 4000);
  assert.ok(r.importMs < 60_000, `import took ${r.importMs} ms`);
});

test('import: JSON syntax errors are placed', () => {
  const cases: [string, number][] = [
    ['{"a": }', 6],
    ['{"a":1,}', 7],
    ['[1,2', 4],
    ['{"a" 1}', 5],
    ['{"a":"x\u0001"}', 7],
    ['{"a":[1,2]} x', 12],
    ['{"a":{"b":[true,null,-1.5e3,"\\u00e9"]}}', -1],
    ['['.repeat(100_000), 100_000],
  ];
  for (const [text, at] of cases) assert.equal(jsonErrorOffset(text), at, text.slice(0, 30));
});
