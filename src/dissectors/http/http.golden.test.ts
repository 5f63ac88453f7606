import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { goldenLines, leakedSecrets, runTrace } from '../snmp/snmp.golden.js';
import { httpDissector } from './http.dissector.js';
import { compareHttpLog, goldenScores, HTTP_BASELINES, httpBaseline, httpTrace } from './http.golden.js';

/** Golden tests: Zeek's http.log (basic-auth tests) and our own JSON-lines baselines. */
const GOLDEN = join(repoRoot, 'src', 'dissectors', 'http', 'golden');
/** Passwords Zeek shows for the basic-auth traces: never in our output. */
const SECRETS = ['1:34', '1234', 'dGVzdDoxOjM0', 'dGVzdDoxMjM0'];

function skip(t: TestContext): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}

describe('http golden', () => {
  for (const [trace, test] of HTTP_BASELINES) {
    it(`Zeek ${test}/http.log`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(httpDissector, httpTrace(trace));
      const r = compareHttpLog(run, httpBaseline(test));
      console.log(`[http golden] ${test}: ${r.matched}/${r.total} rows matched`);
      assert.equal(r.matched, r.total, r.mismatches.join('\n'));
      assert.deepEqual(leakedSecrets(run.observations, SECRETS), []);
      checkGolden(t, join(GOLDEN, trace.replace(/\.pcap$/, '.jsonl')), goldenLines(run.observations, 'http'));
    });
  }

  it('goldenScores: exact agreement', async (t) => {
    if (skip(t)) return;
    for (const s of await goldenScores()) assert.equal(s.matched, s.total, s.baseline);
  });

  const OWN: [string, string[]][] = [
    ['http_2.pcap', ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'http', 'http_2.pcap']],
    ['http_1.pcap', ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'http', 'http_1.pcap']],
    ['m-send-req.mms.pcap', ['pcaps', 'iti-ics-security-tools', 'pcaps', 'IEC61850', 'm-send-req.mms.pcap']],
  ];
  for (const [name, path] of OWN) {
    it(`own baseline ${name}`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(httpDissector, corpusPath(...path));
      checkGolden(t, join(GOLDEN, name.replace(/\.pcap$/, '.jsonl')), goldenLines(run.observations, 'http'));
    });
  }
});
