import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { csafFixture, GENERIC_CSV, kevJsonFixture } from '../feeds/test-fixtures.js';
import { registerFeedsCommands } from './feeds.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-cli-feeds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run `plantwarden <args>` with only the feeds commands, in-process, capturing stdout. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  process.exitCode = 0;
  try {
    const program = new Command().name('plantwarden').exitOverride();
    registerFeedsCommands(program);
    await program.parseAsync(['node', 'plantwarden', ...args]);
    return { code: Number(process.exitCode ?? 0), out: lines.join('\n') };
  } finally {
    console.log = log;
    process.exitCode = 0;
  }
}

test('feeds import and feeds list', async () => {
  const db = join(dir, 'f.db');
  const feeds = join(dir, 'feeds');
  mkdirSync(feeds);
  writeFileSync(join(feeds, 'a.json'), JSON.stringify(csafFixture()));
  writeFileSync(join(feeds, 'kev.json'), JSON.stringify(kevJsonFixture()));
  writeFileSync(join(feeds, 'creds.csv'), GENERIC_CSV);
  writeFileSync(join(feeds, 'bad.json'), '{"document":{"csaf_version":"2.0","tracking":{"id":""}}}');
  writeFileSync(join(feeds, 'evil\u001b[31m.txt'), 'hello');

  const empty = await cli('feeds', '--db', db);
  assert.equal(empty.code, 0);
  assert.match(empty.out, /No feeds loaded/);

  const r = await cli('feeds', 'import', feeds, '--db', db);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^imported {2}.*a\.json: advisory ICSA-99-001-01 \(4 products, 2 CVEs\) \(1 warning\)$/m);
  assert.match(r.out, /^imported {2}.*kev\.json: KEV catalogue 2025\.08\.25 \(2 entries\) \(1 warning\)$/m);
  assert.match(r.out, /^imported {2}.*creds\.csv: default credentials, generic layout \(2 entries\)/m);
  assert.match(r.out, /^failed {4}.*bad\.json at \/document\/tracking\/id: missing tracking id$/m);
  assert.match(
    r.out,
    /^skipped {3}.*evil\.\[31m\.txt: not a feed file/m,
    'terminal escapes from names are neutralised',
  );
  assert.match(r.out, /^warning {3}.*a\.json at \/vulnerabilities\/2\/cve: not a CVE id/m);
  assert.match(
    r.out,
    /^Imported 3 files \(1 advisories, KEV 2 entries from 1 file, 2 default credentials from 1 list\); skipped 1, failed 1\.$/m,
  );
  assert.ok(!r.out.includes('\u001b'));

  const again = await cli('feeds', 'import', feeds, '--db', db, '--quiet');
  assert.equal(again.code, 0, 'everything already imported is not a failure');
  assert.doesNotMatch(again.out, /^skipped/m);
  assert.match(again.out, /^failed .*bad\.json/m);

  const list = await cli('feeds', '--db', db);
  assert.match(list.out, /CSAF advisories\s+1\s+1 advisories, 4 products, 2 CVEs\s+2022-04-12/);
  assert.match(list.out, /CISA KEV\s+1\s+2 exploited CVEs\s+2025-08-25/);
  assert.match(list.out, /Default credentials\s+1\s+2 credentials/);

  const json = JSON.parse((await cli('feeds', '--json', '--db', db)).out) as {
    summary: { advisories: number; kev: number };
    sources: unknown[];
  };
  assert.equal(json.summary.advisories, 1);
  assert.equal(json.summary.kev, 2);
  assert.equal(json.sources.length, 3);
});

test('feeds import: exit 1 when nothing could be imported', async () => {
  const db = join(dir, 'g.db');
  const bad = join(dir, 'only-bad.json');
  writeFileSync(bad, '{ not json');
  const r = await cli('feeds', 'import', bad, join(dir, 'nope.csv'), '--db', db);
  assert.equal(r.code, 1);
  assert.match(r.out, /failed {4}.*only-bad\.json at line 1 column 3: invalid JSON/);
  assert.match(r.out, /failed {4}.*nope\.csv: cannot read: no such file or directory/);
  assert.match(r.out, /Nothing could be imported\./);
  const j = await cli('feeds', 'import', bad, '--db', db, '--json');
  assert.equal(j.code, 1);
  assert.equal((JSON.parse(j.out) as { errors: unknown[] }).errors.length, 1);
});
