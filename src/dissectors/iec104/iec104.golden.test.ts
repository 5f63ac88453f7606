import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCorpus } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { GOLDEN_DIR, GOLDEN_TRACES, goldenScores, goldenStem, observeLines } from './iec104.golden.js';

/** Our reviewed JSON-lines baselines for the IEC 104 traces of the corpus (`UPDATE_GOLDEN=1` rewrites). */
describe('iec104 golden: our JSON-lines baselines', () => {
  for (const parts of GOLDEN_TRACES) {
    const stem = goldenStem(parts);
    it(`golden/${stem}.jsonl`, async (t) => {
      if (!hasCorpus) return t.skip('corpus not present');
      checkGolden(t, join(GOLDEN_DIR, `${stem}.jsonl`), await observeLines(parts));
    });
  }
  it('scores', async (t) => {
    if (!hasCorpus || process.env.UPDATE_GOLDEN === '1') return t.skip('no corpus or updating');
    for (const s of await goldenScores()) {
      console.log(`[iec104 golden] ${s.baseline}: ${s.matched}/${s.total}`);
      assert.equal(s.matched, s.total);
    }
  });
});
