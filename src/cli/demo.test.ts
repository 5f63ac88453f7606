import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KyselyFindingsRepository } from '../store/kysely-findings-repository.js';
import { openStore } from '../store/open.js';
import { demoCommand } from './demo.js';

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
  assert.doesNotMatch(text, /MISSED/);
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
