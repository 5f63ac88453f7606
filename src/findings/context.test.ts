import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultRegistry } from '../dissectors/index.js';
import { Pipeline } from '../engine/pipeline.js';
import { openStore } from '../store/open.js';
import type { Check } from './check.js';
import { buildCheckContext } from './context.js';
import { fingerprintWith } from './fingerprint.js';
import { runAndSaveChecks, sideRepositories } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-findings-ctx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the context fingerprints exactly as the pipeline does under the inventory key', async () => {
  const store = await openStore(join(dir, 'c.db'));
  try {
    const key = await store.credentialKey();
    const ctx = await buildCheckContext(store, null, null, '2026-01-01T00:00:00.000Z');
    const want = createHmac('sha256', key).update('admin').digest('hex').slice(0, 32);
    assert.equal(ctx.fingerprint('admin'), want);
    assert.equal(fingerprintWith(key, 'admin'), want);
    const pipe = new Pipeline({ registry: defaultRegistry(), credentialKey: key });
    assert.equal(pipe.back.fingerprint('admin'), want, 'src/engine/back.ts fingerprint()');
    assert.equal(ctx.now, '2026-01-01T00:00:00.000Z');
    assert.deepEqual([ctx.assets, ctx.advisories, ctx.plantInventory, [...ctx.kev]], [[], [], [], []]);
  } finally {
    await store.close();
  }
});

test('the context loads feeds and the plant inventory; KEV is keyed by upper-case CVE', async () => {
  const store = await openStore(join(dir, 'f.db'));
  try {
    const { feeds, plant } = sideRepositories(store);
    assert.ok(feeds && plant);
    await feeds.importSource(
      { id: 'a'.repeat(64), kind: 'kev', path: 'kev.json', importedAt: '2026-01-01', documentDate: null, records: 1 },
      {
        kev: [
          {
            cve: 'cve-2021-44228',
            vendor: 'Apache',
            product: 'Log4j2',
            name: 'Log4Shell',
            dateAdded: '2021-12-10',
            dueDate: null,
            knownRansomware: true,
            requiredAction: 'Apply updates',
          },
        ],
      },
    );
    await plant.replacePlantInventory(
      [
        {
          row: 1,
          name: 'PLC-1',
          ip: '10.0.0.5',
          mac: null,
          vendor: 'Siemens',
          model: null,
          firmware: null,
          serial: null,
          location: null,
          zone: null,
          criticality: 'High',
          owner: null,
          assetKey: null,
        },
      ],
      'plant.csv',
    );
    const ctx = await buildCheckContext(store, feeds, plant);
    assert.equal(ctx.kev.get('CVE-2021-44228')?.name, 'Log4Shell');
    assert.equal(ctx.plantInventory[0]?.name, 'PLC-1');

    // runAndSaveChecks hands the same context to the checks by default.
    let seen = 0;
    const probe: Check = {
      id: 'probe',
      revision: 1,
      summary: '',
      run: (c) => {
        seen = c.kev.size + c.plantInventory.length;
        return [];
      },
    };
    await runAndSaveChecks(store, { checks: [probe] });
    assert.equal(seen, 2);
  } finally {
    await store.close();
  }
});
