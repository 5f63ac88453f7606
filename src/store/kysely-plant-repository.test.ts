import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { Kysely } from 'kysely';
import { plantRow as row } from '../testing/records.js';
import { storeTargets } from '../testing/store-targets.js';
import { KyselyPlantRepository } from './kysely-plant-repository.js';
import { openStore } from './open.js';
import type { PlantDatabase } from './schema-plant.js';

// The PlantInventoryRepository contract, run on SQLite (a temp file per test) and PostgreSQL
// (a fresh schema per test at PW_TEST_PG_URL, dropped at the end; PW_SKIP_PG=1 skips it when
// the server is unreachable), as repository.contract.test.ts does for the inventory.

const FULL = row({
  row: 3,
  name: 'PLC-1',
  ip: '10.0.0.10',
  mac: '00:1b:1b:01:02:03',
  vendor: 'Siemens',
  model: '6ES7 315-2EH14-0AB0',
  firmware: 'V3.2.6',
  serial: 'S C-X4U421302009',
  location: 'Hall 3',
  zone: 'Cell 1',
  criticality: 'high',
  owner: 'Maintenance',
  assetKey: 'mac:00:1b:1b:01:02:03',
});

/** Text a spreadsheet (or an attacker filling one) may hold: NUL, lone surrogates, the escape mark, SQL. */
const HOSTILE = [
  'a\0b',
  '\uD800x',
  '\uE000"already"',
  "x'); drop table plant_assets; --",
  '\u001b[31mred',
  '😀 Gebäude',
  '',
];

for (const target of storeTargets('pw_plant')) {
  describe(`PlantInventoryRepository contract (${target.name})`, () => {
    before(() => target.setup());
    after(() => target.teardown());

    async function fresh(t: TestContext): Promise<KyselyPlantRepository | null> {
      const url = await target.freshUrl(t);
      if (url === null) return null;
      const store = await openStore(url);
      t.after(() => store.close());
      return new KyselyPlantRepository(store.db as unknown as Kysely<PlantDatabase>);
    }

    test('empty at first; rows come back exactly, in the order given', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      assert.deepEqual(await r.listPlantInventory(), []);
      assert.equal(await r.plantInventorySource(), null);
      const rows = [FULL, row({ row: 1, name: 'HMI', ip: '10.0.0.20' }), row({ row: 2, name: '', serial: '42' })];
      await r.replacePlantInventory(rows, 'plant.csv sha256:ab');
      assert.deepEqual(await r.listPlantInventory(), rows);
      assert.equal(await r.plantInventorySource(), 'plant.csv sha256:ab');
    });

    test('a new import replaces the whole inventory', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      await r.replacePlantInventory([FULL, row({ row: 2, name: 'old' })], 'a');
      const next = [row({ row: 1, name: 'new', ip: '10.0.0.1' })];
      await r.replacePlantInventory(next, 'b');
      assert.deepEqual(await r.listPlantInventory(), next);
      assert.equal(await r.plantInventorySource(), 'b');
      await r.replacePlantInventory([], 'c');
      assert.deepEqual(await r.listPlantInventory(), []);
    });

    test('hostile text round-trips in every column', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      const rows = HOSTILE.map((s, i) =>
        row({
          row: i + 1,
          name: s,
          ip: s,
          mac: s,
          vendor: s,
          model: s,
          firmware: s,
          serial: s,
          location: s,
          zone: s,
          criticality: s,
          owner: s,
          assetKey: s,
        }),
      );
      await r.replacePlantInventory(rows, HOSTILE.join('|'));
      assert.deepEqual(await r.listPlantInventory(), rows);
      assert.equal(await r.plantInventorySource(), HOSTILE.join('|'));
    });

    test('thousands of rows in batches, one transaction', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      const n = 5000;
      const rows = Array.from({ length: n }, (_, i) =>
        row({ ...FULL, row: i + 1, name: `dev-${i}`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }),
      );
      const t0 = performance.now();
      await r.replacePlantInventory(rows, 'big');
      const t1 = performance.now();
      const back = await r.listPlantInventory();
      const t2 = performance.now();
      assert.equal(back.length, n);
      assert.deepEqual(back[n - 1], rows[n - 1]);
      if (process.env.PW_PLANT_TIMING) {
        console.log(`${target.name}: replace ${n} rows ${(t1 - t0).toFixed(0)} ms, list ${(t2 - t1).toFixed(0)} ms`);
      }
    });

    test('rows from untyped callers: a NaN row number is 0, a missing name is ""', async (t) => {
      const r = await fresh(t);
      if (!r) return;
      await r.replacePlantInventory([{ ...FULL, row: Number.NaN, name: undefined as unknown as string }], 'x');
      const [back] = await r.listPlantInventory();
      assert.equal(back?.row, 0);
      assert.equal(back?.name, '');
    });
  });
}
