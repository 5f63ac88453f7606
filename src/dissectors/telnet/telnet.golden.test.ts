import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { goldenLines, leakedSecrets, runTrace } from '../snmp/snmp.golden.js';
import { telnetDissector } from './telnet.dissector.js';
import { compareTelnet, goldenScores, TELNET_TRUTH } from './telnet.golden.js';

/** Golden tests: hand-read logins of the Telnet traces, and our own JSON-lines baselines. */
const GOLDEN = join(repoRoot, 'src', 'dissectors', 'telnet', 'golden');
/** The password typed in the OpenBSD traces ("user"), and the two characters of telnet.pcap. */
const SECRETS = ['user', 'ca'];

function skip(t: TestContext): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}

describe('telnet golden', () => {
  for (const truth of TELNET_TRUTH) {
    const name = truth.trace.at(-1) as string;
    it(`logins and banner of ${name}`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(telnetDissector, corpusPath(...truth.trace));
      const r = compareTelnet(run, truth);
      console.log(`[telnet golden] ${name}: ${r.matched}/${r.total} matched`);
      assert.equal(r.matched, r.total, r.mismatches.join('\n'));
      assert.deepEqual(leakedSecrets(run.observations, SECRETS), []);
      checkGolden(t, join(GOLDEN, name.replace(/\.pcap$/, '.jsonl')), goldenLines(run.observations, 'telnet'));
    });
  }

  for (const gz of ['telnet-long-line-no-eol.pcapng.gz', 'telnet-unclosed-suboption.pcapng.gz']) {
    it(`stays bounded on ${gz}`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(
        telnetDissector,
        corpusPath('zeek-btest', 'testing', 'btest', 'Traces', 'contentline', gz),
      );
      checkGolden(t, join(GOLDEN, gz.replace(/\.pcapng\.gz$/, '.jsonl')), goldenLines(run.observations, 'telnet'));
    });
  }

  it('goldenScores: exact agreement', async (t) => {
    if (skip(t)) return;
    for (const s of await goldenScores()) assert.equal(s.matched, s.total, s.baseline);
  });
});
