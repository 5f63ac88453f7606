import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCorpus } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { GOLDEN_TRACES, goldenFile, goldenLines, observe } from './nbns.golden.js';

// No Zeek NetBIOS baseline in the corpus: our own baselines, reviewed against `tshark -V`.
describe('nbns golden: our JSON-lines baselines', { skip: !hasCorpus && 'no ../shared/corpus' }, () => {
  for (const parts of GOLDEN_TRACES) {
    it(goldenFile(parts).replace(/^.*\//, 'golden/'), async (t) => {
      const obs = await observe(...parts);
      checkGolden(t, goldenFile(parts), goldenLines(obs));
      assert.ok(obs.some((o) => o.kind === 'transaction'));
    });
  }
});
