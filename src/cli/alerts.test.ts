import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { KyselyAlertsRepository } from '../store/kysely-alerts-repository.js';
import { openStore } from '../store/open.js';
import { captureOutput } from '../testing/capture-output.js';
import { corpusPath, hasCorpus } from '../testing/corpus.js';
import { registerAlertsCommands } from './alerts.js';
import { analyzeCommand } from './analyze.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-cli-alerts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const S7_ATTACK = corpusPath('pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 's7', 's7_attack.pcap');

/** Run `plantwarden <args>` with only the alerts commands, in-process, capturing stdout. */
async function cli(...args: string[]): Promise<{ code: number; out: string; error: string }> {
  const program = new Command().name('plantwarden').exitOverride();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerAlertsCommands(program);
  const r = await captureOutput(() => program.parseAsync(['node', 'plantwarden', ...args]));
  return { code: r.code, out: r.out, error: r.error?.message ?? '' };
}

test('analyze raises alerts (summary line), alerts lists, shows, acks, suppresses and closes them', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const db = join(dir, 'a.db');
  const lines: string[] = [];
  const code = await analyzeCommand([S7_ATTACK], { db, progress: false, checks: false }, (l) => lines.push(l));
  assert.equal(code, 0);
  const summary = lines.find((l) => l.startsWith('Alerts:'));
  assert.match(summary ?? '', /^Alerts: \d+ \(\d+ new\): 1 critical, /);

  const again: string[] = [];
  await analyzeCommand([S7_ATTACK], { db, progress: false, checks: false }, (l) => again.push(l));
  assert.ok(again.some((l) => /already analysed/.test(l)));
  const store = await openStore(db);
  const stored = await new KyselyAlertsRepository(store.db).listAlerts();
  await store.close();
  assert.equal(
    stored.find((a) => a.ruleId === 'ops.mode-change' && a.severity === 'critical')?.count,
    4,
    'not counted twice',
  );

  const list = await cli('alerts', '--db', db);
  assert.equal(list.code, 0, list.error);
  assert.match(list.out, /^CRITICAL 192\.168\.0\.3 put into STOP by 192\.168\.0\.128 \(s7comm\)$/m);
  assert.match(list.out, /Why and what to do: A controller that stops/);
  assert.match(list.out, /Evidence: s7comm PLC Stop 192\.168\.0\.128 -> 192\.168\.0\.3/);
  assert.match(list.out, /ATT&CK T0858 T0881 T0816/);

  const json = JSON.parse((await cli('alerts', '--json', '--severity', 'critical', '--db', db)).out) as {
    id: string;
    ruleId: string;
  }[];
  assert.equal(json.length, 1);
  const id = json[0]?.id as string;
  const csv = await cli('alerts', 'list', '--csv', '--rule', 'ops', '--db', db);
  assert.match(csv.out.split('\n')[0] ?? '', /^id,severity,status,rule,title,count/);

  const show = await cli('alerts', 'show', id.slice(0, 8), '--db', db);
  assert.match(show.out, /Evidence \(newest last\)/);
  assert.match(show.out, /ATT&CK for ICS: T0858/);

  assert.match((await cli('alerts', 'ack', id, '--db', db)).out, / acknowledged: /);
  assert.match((await cli('alerts', '--db', db)).out, /\[acknowledged\]/);

  const bad = await cli('alerts', 'suppress', '--until', '2099-01-01', '--reason', 'x', '--db', db);
  assert.match(bad.error, /--rule <id> and\/or --asset/);
  assert.match(
    (await cli('alerts', 'suppress', '--rule', 'nope', '--until', '2099-01-01', '--reason', 'x', '--db', db)).error,
    /unknown rule 'nope'/,
  );
  assert.match(
    (await cli('alerts', 'suppress', '--rule', 'ops.mode-change', '--until', '2001-01-01', '--reason', 'x', '--db', db))
      .error,
    /in the past/,
  );
  assert.match(
    (await cli('alerts', 'suppress', '--rule', 'ops.mode-change', '--until', '2099-01-01', '--db', db)).error,
    /--reason/,
  );
  const sup = await cli(
    'alerts',
    'suppress',
    '--rule',
    'ops.mode-change',
    '--asset',
    '192.168.0.3',
    '--until',
    '2099-12-31',
    '--reason',
    'commissioning \u001b[31m',
    '--db',
    db,
  );
  assert.equal(sup.error, '');
  assert.match(
    sup.out,
    /^suppression ([0-9a-f]{12}): rule ops\.mode-change for .*192\.168\.0\.3.* until 2099-12-31 \(commissioning \.\[31m\); covers 2 stored alerts$/,
  );
  assert.ok(!sup.out.includes('\u001b'));
  const sid = /suppression ([0-9a-f]{12})/.exec(sup.out)?.[1] as string;
  assert.doesNotMatch((await cli('alerts', '--db', db)).out, /put into STOP/, 'suppressed alerts are hidden');
  assert.match((await cli('alerts', '--all', '--db', db)).out, new RegExp(`suppressed by ${sid}`));
  assert.match((await cli('alerts', 'suppressions', '--db', db)).out, new RegExp(`^${sid} {2}active`, 'm'));
  assert.match((await cli('alerts', 'unsuppress', sid, '--db', db)).out, /removed/);
  assert.match((await cli('alerts', '--db', db)).out, /put into STOP/);

  assert.match((await cli('alerts', 'close', id, '--db', db)).out, /closed \(it reopens if it fires again\)/);
  assert.doesNotMatch((await cli('alerts', '--severity', 'critical', '--db', db)).out, /put into STOP/);
  assert.match((await cli('alerts', 'show', 'ffffffffff', '--db', db)).error, /no alert with id 'ffffffffff'/);
});

test('analyze --no-detect raises nothing; a bad zone file fails up front with its name', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const db = join(dir, 'b.db');
  const lines: string[] = [];
  assert.equal(
    await analyzeCommand([S7_ATTACK], { db, progress: false, checks: false, detect: false }, (l) => lines.push(l)),
    0,
  );
  assert.ok(!lines.some((l) => l.startsWith('Alerts:')));
  assert.match((await cli('alerts', '--db', db)).out, /No open alerts/);
  const zones = join(dir, 'zones.yaml');
  writeFileSync(zones, 'zones: [oops\n');
  await assert.rejects(
    analyzeCommand([S7_ATTACK], { db: join(dir, 'c.db'), progress: false, checks: false, zones }, () => {}),
    /zones\.yaml/,
  );
});
