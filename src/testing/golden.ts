import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * Compare `lines` (our output, one canonical JSON object a line) with the reviewed baseline at
 * `file`; `UPDATE_GOLDEN=1` rewrites the baseline instead. Baselines live next to the code they
 * test (`src/dissectors/<proto>/golden/<trace>.jsonl`) and are reviewed like code.
 */
export function checkGolden(t: TestContext, file: string, lines: readonly string[]): void {
  const text = lines.map((l) => `${l}\n`).join('');
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    t.diagnostic(`wrote ${file}`);
    return;
  }
  assert.ok(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  const want = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.deepEqual([...lines], want, `${file} differs; review and rerun with UPDATE_GOLDEN=1`);
}

/** Per-protocol baseline agreement, printed by the summary test. */
export interface GoldenScore {
  protocol: string;
  /** Which baseline (log file and trace). */
  baseline: string;
  matched: number;
  total: number;
}

/** How many lines of our own reviewed baseline `file` the output `got` matches, position by position. */
export function ownGoldenScore(protocol: string, file: string, got: readonly string[]): GoldenScore {
  const want = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const matched = want.filter((l, i) => got[i] === l).length;
  return { protocol, baseline: `own golden/${basename(file)}`, matched, total: want.length };
}
