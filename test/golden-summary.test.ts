/**
 * Prints, per protocol, how many rows of the peer's expected logs (Zeek with CISA's ICSNPP
 * parsers, ../shared/corpus) our dissectors agree with. Every dissector folder's
 * `<proto>.golden.ts` exports `goldenScores()`; each dissector's own golden test asserts on its
 * numbers, this one gathers them into one table.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasCorpus } from '../src/testing/corpus.js';
import type { GoldenScore } from '../src/testing/golden.js';

test('golden summary: baseline rows matched per protocol', { timeout: 300_000 }, async (t) => {
  if (!hasCorpus) return t.skip('no ../shared/corpus');
  const root = fileURLToPath(new URL('../src/dissectors/', import.meta.url));
  const scores: GoldenScore[] = [];
  for (const dir of readdirSync(root).sort()) {
    const folder = join(root, dir);
    if (!statSync(folder).isDirectory()) continue;
    for (const f of readdirSync(folder)) {
      if (!f.endsWith('.golden.js')) continue;
      const mod = (await import(pathToFileURL(join(folder, f)).href)) as {
        goldenScores?: () => Promise<GoldenScore[]>;
      };
      if (typeof mod.goldenScores === 'function') scores.push(...(await mod.goldenScores()));
    }
  }
  const width = Math.max(...scores.map((s) => s.baseline.length), 10);
  console.log(`${'protocol'.padEnd(14)}${'baseline'.padEnd(width + 2)}matched/total`);
  for (const s of scores) {
    const pct = s.total ? ` (${((100 * s.matched) / s.total).toFixed(1)}%)` : '';
    console.log(`${s.protocol.padEnd(14)}${s.baseline.padEnd(width + 2)}${s.matched}/${s.total}${pct}`);
  }
  const byProto = new Map<string, [number, number]>();
  for (const s of scores) {
    const cur = byProto.get(s.protocol) ?? [0, 0];
    byProto.set(s.protocol, [cur[0] + s.matched, cur[1] + s.total]);
  }
  console.log(`per protocol: ${[...byProto].map(([p, [m, n]]) => `${p} ${m}/${n}`).join(', ')}`);
  assert.ok(
    scores.some((s) => s.protocol === 'modbus' && s.total > 0),
    'at least the Modbus baselines were scored',
  );
});
