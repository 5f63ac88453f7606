import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { compareSyslogLog, goldenLines, observe, SYSLOG_LOGS, ZEEK } from './syslog.golden.js';

describe('syslog golden: Zeek syslog.log facility and severity', { skip: !hasCorpus && 'no ../shared/corpus' }, () => {
  for (const [test, trace] of SYSLOG_LOGS) {
    it(`${test} (${trace})`, async (t) => {
      const r = await compareSyslogLog(test, trace);
      t.diagnostic(`${r.matched}/${r.total}, ${r.extra} extra`);
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.matched, r.total);
      assert.equal(r.extra, 0);
    });
  }
});

describe('syslog golden: our JSON-lines baselines', { skip: !hasCorpus && 'no ../shared/corpus' }, () => {
  for (const trace of ['syslog-single-udp.pcap', 'syslog-missing-pri.pcap', 'tcp-syslog.pcap']) {
    it(`golden/${trace}.jsonl`, async (t) => {
      const lines = goldenLines(await observe(...ZEEK, 'Traces', trace));
      checkGolden(
        t,
        join(repoRoot, 'src', 'dissectors', 'syslog', 'golden', `${trace.replace(/\.pcap$/, '')}.jsonl`),
        lines,
      );
    });
  }
});
