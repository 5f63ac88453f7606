import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { compareNtpLog, goldenLines, NTP_LOGS, observe, TRACES } from './ntp.golden.js';

describe('ntp golden: Zeek ntp.log, ntp_control.log, ntp_private.log', {
  skip: !hasCorpus && 'no ../shared/corpus',
}, () => {
  for (const [test, trace, log] of NTP_LOGS) {
    it(`${test}/${log}.log (${trace})`, async (t) => {
      // Zeek's ref_id keeps NUL bytes (`\x00\x00\x00\x00` for a client); we drop them: compared without.
      const r = await compareNtpLog(test, trace, log);
      t.diagnostic(`${r.matched}/${r.total}`);
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.matched, r.total);
      assert.ok(r.total > 0);
    });
  }

  it('ntp-no-extensions-mac: Zeek rejects the malformed extension field; we flag it', async () => {
    const obs = await observe(...TRACES, 'ntp-no-extensions-mac.pcap');
    assert.ok(obs.some((o) => o.kind === 'anomaly' && o.code === 'ntp-bad-extension'));
  });
});

describe('ntp golden: our JSON-lines baselines', { skip: !hasCorpus && 'no ../shared/corpus' }, () => {
  for (const trace of ['ntp.pcap', 'ntpmode67.pcap', 'misordered-ntp.pcap', 'ntp-no-extensions-mac.pcap']) {
    it(`golden/${trace}.jsonl`, async (t) => {
      const lines = goldenLines(await observe(...TRACES, trace));
      checkGolden(
        t,
        join(repoRoot, 'src', 'dissectors', 'ntp', 'golden', `${trace.replace(/\.pcap$/, '')}.jsonl`),
        lines,
      );
    });
  }
});
