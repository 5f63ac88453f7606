import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { parseZeekLog } from '../../testing/zeek-log.js';
import { goldenLines, leakedSecrets, runTrace } from '../snmp/snmp.golden.js';
import { ftpDissector } from './ftp.dissector.js';
import { compareFtpLog, FTP_BASELINES, ftpAllow, ftpBaseline, ftpTrace, goldenScores } from './ftp.golden.js';

/** Golden tests: Zeek's ftp.log for twelve traces, and our own JSON-lines baselines. */
const GOLDEN = join(repoRoot, 'src', 'dissectors', 'ftp', 'golden');

function skip(t: TestContext): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}

/** Passwords Zeek shows in a baseline (plus the hidden one of the PASS test, 'qwerty'). */
function secretsOf(text: string): string[] {
  const set = new Set(['qwerty']);
  for (const r of parseZeekLog(text).rows) if (r.password && r.password !== '<hidden>') set.add(r.password);
  return [...set];
}

describe('ftp golden', () => {
  for (const [trace, test, allow] of FTP_BASELINES) {
    it(`Zeek ${test}/ftp.log (${trace})`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(ftpDissector, ftpTrace(trace));
      const base = ftpBaseline(test);
      const r = compareFtpLog(run, base, ftpAllow(allow));
      console.log(
        `[ftp golden] ${test}: ${r.matched}/${r.total} rows matched, ${r.allowed} documented disagreement(s)`,
      );
      for (const m of r.mismatches) console.log(`  - ${m}`);
      assert.equal(r.matched + r.allowed, r.total, r.mismatches.join('\n'));
      assert.equal(r.allowed, Object.keys(allow).length);
      assert.deepEqual(leakedSecrets(run.observations, secretsOf(base)), []);
    });
  }

  it('goldenScores covers every baseline', async (t) => {
    if (skip(t)) return;
    const scores = await goldenScores();
    assert.equal(scores.length, FTP_BASELINES.length);
  });

  const OWN: [string, string[]][] = [
    ['ipv4.pcap', ['zeek-btest', 'testing', 'btest', 'Traces', 'ftp', 'ipv4.pcap']],
    [
      'ftp-password-pass-command.pcap',
      ['zeek-btest', 'testing', 'btest', 'Traces', 'ftp', 'ftp-password-pass-command.pcap'],
    ],
    ['ftp-invalid-reply-code.pcap', ['zeek-btest', 'testing', 'btest', 'Traces', 'ftp', 'ftp-invalid-reply-code.pcap']],
    ['ftp.pcap', ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ftp', 'ftp.pcap']],
    ['cap3.cap', ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ftp', 'cap3.cap']],
  ];
  for (const [name, path] of OWN) {
    it(`own baseline ${name}`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(ftpDissector, corpusPath(...path));
      // Passwords of these traces (tshark: ftp.request.arg of PASS): cap3 '123456', ftp.pcap 'echo'.
      assert.deepEqual(leakedSecrets(run.observations, ['123456', 'echo']), []);
      checkGolden(t, join(GOLDEN, `${name.replace(/\.(pcap|cap)$/, '')}.jsonl`), goldenLines(run.observations, 'ftp'));
    });
  }
});
