import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { BACNET_TESTS, type Comparison, compareAll, goldenLines, observe } from './bacnet.golden.js';

/**
 * Golden tests: our BACnet observations against the logs CISA ICSNPP's Zeek parser writes for
 * its own test traces (../shared/corpus/icsnpp/icsnpp-bacnet), and against our reviewed
 * JSON-lines baselines in ./golden (`UPDATE_GOLDEN=1` rewrites them).
 */

const OWN_GOLDEN = new Set(['bacnet_error_reject_abort.pcap', 'bacnet_segmented_data.pcap']);

function report(c: Comparison): void {
  console.log(`[bacnet golden] ${c.baseline}: ${c.matched}/${c.total} baseline rows matched`);
  for (const m of c.mismatches.slice(0, 10)) console.log(`  - ${m}`);
  if (c.mismatches.length > 10) console.log(`  - ... ${c.mismatches.length - 10} more`);
  if (c.allowed.length)
    console.log(`  (${c.allowed.length} row(s) with documented disagreements, e.g. ${c.allowed[0]})`);
}

describe('bacnet golden: ICSNPP baselines', { skip: !hasCorpus && 'corpus not present (../shared/corpus)' }, () => {
  for (const [trace, test, logs] of BACNET_TESTS) {
    it(`${trace} against ${test}`, async (t) => {
      const run = await observe(trace);
      const results = compareAll(test, logs, run);
      for (const c of results) report(c);
      for (const c of results) {
        // Every baseline we compare against must agree exactly (see README for the allowed
        // disagreements: vendor names without commas / vendor ids newer than ICSNPP's table).
        assert.deepEqual(c.mismatches, [], `${c.baseline}: ${c.matched}/${c.total}`);
        assert.ok(c.total > 0 || c.baseline.includes('property'), `${c.baseline} has no rows`);
      }
      // Our own reviewed baselines for the two small traces (the others are thousands of reads).
      if (OWN_GOLDEN.has(trace)) {
        checkGolden(
          t,
          join(repoRoot, 'src/dissectors/bacnet/golden', trace.replace(/\.pcap$/, '.jsonl')),
          goldenLines(run.obs),
        );
      }
    });
  }
});
