import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Alert } from '../alerts/model.js';
import { KyselyFindingsRepository } from '../store/kysely-findings-repository.js';
import { openStore } from '../store/open.js';
import { demoCommand, demoPaths, showAlerts } from './demo.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-demo-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('plantwarden demo finds every planted problem and prints findings and risk', async () => {
  const lines: string[] = [];
  const db = join(dir, 'demo.db');
  const code = await demoCommand({ out: join(dir, 'demo.pcap'), db, packets: 20_000 }, (l) => lines.push(l));
  const text = lines.join('\n');
  if (process.env.PW_DEMO_PRINT) console.log(text);
  assert.equal(code, 0, text);
  assert.match(text, /Imported the demo feeds \(made up for this plant\): 1 csaf, 2 default-credentials\./);
  assert.match(text, /SEVERITY\s+SCORE\s+TITLE\s+ASSETS/);
  assert.match(text, /Overall risk: /);
  assert.match(text, /Planted problems found: 4 of 4/, text);
  assert.match(text, /SEVERITY\s+TITLE\s+COUNT\s+FIRST SEEN \(UTC\)/);
  assert.match(text, /Planted behaviour problems alerted: 3 of 3/, text);
  assert.doesNotMatch(text, /MISSED/);
  const paths = demoPaths(join(dir, 'demo.pcap'));
  for (const f of [paths.day1, paths.day2, paths.zones]) assert.ok(existsSync(f), f);
  // The switch's Telnet password ('cisco'; the vendor is 'Cisco') never reaches the output or the
  // stored findings. (The M340's password equals its user name, so it cannot be told apart.)
  const store = await openStore(db);
  try {
    const stored = JSON.stringify(await new KyselyFindingsRepository(store.db).listFindings());
    assert.doesNotMatch(text, /cisco/);
    assert.doesNotMatch(stored, /cisco/);
    assert.match(stored, /PWDEMO-2026-0001/);
  } finally {
    await store.close();
  }
});

test('without the demo feeds the outdated firmware goes unfound, and the demo says so', async () => {
  const lines: string[] = [];
  const code = await demoCommand(
    { out: join(dir, 'bare.pcap'), db: join(dir, 'bare.db'), packets: 20_000 },
    (l) => lines.push(l),
    { feeds: null, now: '2026-03-02T07:00:00.000Z' },
  );
  const text = lines.join('\n');
  assert.equal(code, 0, text);
  assert.match(text, /running the checks without the demo advisory/);
  assert.match(text, /Planted problems found: 3 of 4/);
  assert.match(text, /MISSED {2}S7-1500 .* reports firmware V2\.8\.3/);
});

test('showAlerts counts a planted behaviour only when the alert names its devices', async () => {
  const db = join(dir, 'alerts-only.db');
  const store = await openStore(db);
  await store.close();
  const alert = (ruleId: string, assets: string[]): Alert => ({
    id: ruleId,
    ruleId,
    revision: 1,
    key: ruleId,
    severity: 'critical',
    title: `${ruleId} <title>`,
    remediation: '',
    attack: [],
    assets,
    count: 1,
    firstSeenUs: 1_772_517_600_000_000,
    lastSeenUs: 1_772_517_600_000_000,
    evidence: [],
    protocol: null,
    status: 'open',
    suppressedBy: null,
  });
  const lines: string[] = [];
  const results = await showAlerts(
    db,
    (l) => lines.push(l),
    async () => [
      alert('ops.mode-change', ['10.20.100.77', '10.10.10.11']),
      // Right rule family, wrong devices: the historian, not the laptop.
      alert('zone.no-conduit', ['10.10.30.10', '10.10.10.11']),
      alert('baseline.unusual-volume', ['10.10.10.13']),
    ],
  );
  const text = lines.join('\n');
  assert.deepEqual(
    results.map((r) => [r.id, r.found?.ruleId ?? null]),
    [
      ['zone-violation', null],
      ['plc-stop-from-laptop', 'ops.mode-change'],
      ['volume-anomaly', null],
    ],
  );
  assert.match(text, /Planted behaviour problems alerted: 1 of 3/);
  assert.match(text, /critical\s+ops\.mode-change <title>\s+1\s+2026-03-03 06:00:00Z/);
});
