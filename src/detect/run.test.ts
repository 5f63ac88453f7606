import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { baselineRepository, freezeBaseline } from '../baseline/baseline.js';
import { behaviourPackets, PLANT_DAY_US, PLANT_START_US, writePlantCapture } from '../demo/plant.js';
import { writeDemoZones } from '../demo/zones.js';
import { analyzeCapture } from '../engine/analyze.js';
import { openStore } from '../store/open.js';
import { createDetection } from './run.js';

/**
 * The hooks tell the pipeline which repeated transactions the rules need (`repeatOps`); the
 * pipeline then spares them the polling repeats. That must change no alert: a learning day and a
 * frozen day of the demo plant (new devices, a STOP from a laptop, zone violations, an upload)
 * give the same alerts, counts and evidence with the filter and without it.
 */
test('detection: skipping repeated transactions the rules do not need changes no alert', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-det-'));
  try {
    const day1 = join(dir, 'day1.pcap');
    const day2 = join(dir, 'day2.pcap');
    const zones = join(dir, 'zones.yaml');
    const first = writePlantCapture(day1, { packets: 40_000 });
    writePlantCapture(day2, {
      packets: 40_000 + behaviourPackets(),
      startUs: PLANT_START_US + PLANT_DAY_US,
      behaviourAtUs: Math.floor((first.lastUs - first.firstUs) / 2),
    });
    writeDemoZones(zones);
    const alerts = async (filtered: boolean) => {
      const store = await openStore(':memory:');
      try {
        const lists = [];
        for (const [i, path] of [day1, day2].entries()) {
          const det = await createDetection(store, { zonesFile: zones, now: '2026-03-04T00:00:00.000Z' });
          assert.ok(det.hooks.repeatOps && !det.hooks.repeatOps.has('read'), 'reads are not wanted twice');
          const { repeatOps: _all, ...everything } = det.hooks;
          const o = await analyzeCapture(path, filtered ? det.hooks : everything);
          await store.mergeSnapshot(o.snapshot);
          lists.push((await det.finish()).list);
          if (i === 0) await freezeBaseline(baselineRepository(store), new Date('2026-03-03T00:00:00Z'));
        }
        return lists;
      } finally {
        await store.close();
      }
    };
    const [learnAll, frozenAll] = await alerts(false);
    const [learnSome, frozenSome] = await alerts(true);
    assert.deepStrictEqual(learnSome, learnAll);
    assert.deepStrictEqual(frozenSome, frozenAll);
    assert.ok((frozenAll?.length ?? 0) >= 3, `${frozenAll?.length} alerts on the frozen day`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
