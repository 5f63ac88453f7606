import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import {
  allTraces,
  type Comparison,
  compareAll,
  goldenLines,
  OPCUA_TESTS,
  observe,
  tracePath,
} from './opcua.golden.js';

/**
 * Golden tests: our OPC UA observations against CISA ICSNPP's opcua-binary logs for its test
 * traces, a crash-free sweep over every OPC UA capture of the corpus, and our own reviewed
 * JSON-lines baselines in ./golden for a few of them (`UPDATE_GOLDEN=1` rewrites them).
 */

/** Our own baselines: a plain session, a Sign-mode channel and an encrypted channel. */
const OWN_GOLDEN = new Set([
  'open62541_client-server_mainloop.pcap',
  'open62541_client-server_encrypted.pcap',
  'python_opcua-client-server_encrypted.pcap',
]);

function report(c: Comparison): void {
  console.log(`[opcua golden] ${c.baseline}: ${c.matched}/${c.total} baseline rows matched`);
  for (const m of c.mismatches.slice(0, 10)) console.log(`  - ${m}`);
}

const skip = !hasCorpus && 'corpus not present (../shared/corpus)';

describe('opcua golden: ICSNPP baselines', { skip }, () => {
  for (const [trace, test] of OPCUA_TESTS) {
    it(`${trace} against ${test}`, async () => {
      const run = await observe(tracePath(trace));
      const results = compareAll(test, run);
      for (const c of results) report(c);
      assert.ok(results.length > 0);
      for (const c of results) assert.deepEqual(c.mismatches, [], `${c.baseline}: ${c.matched}/${c.total}`);
    });
  }
});

describe('opcua golden: every OPC UA capture of the corpus', { skip }, () => {
  it('parses without violations on the ICSNPP traces; encrypted bodies are named', async (t) => {
    for (const path of allTraces()) {
      const run = await observe(path);
      const name = basename(path);
      const violations = run.obs.filter((o) => o.kind === 'anomaly' && o.code === 'opcua-protocol-violation');
      assert.deepEqual(violations, [], name);
      if (name.includes('encrypted') && name.startsWith('open62541')) {
        assert.ok(
          run.obs.some((o) => o.kind === 'transaction' && o.detail?.encrypted === true),
          `${name}: encrypted`,
        );
      }
      if (OWN_GOLDEN.has(name) && path.includes('/pcaps/')) {
        checkGolden(
          t,
          join(repoRoot, 'src/dissectors/opcua/golden', name.replace(/\.pcap$/, '.jsonl')),
          goldenLines(run.obs),
        );
      }
    }
  });
});
