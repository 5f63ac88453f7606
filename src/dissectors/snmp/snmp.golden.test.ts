import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { snmpDissector } from './snmp.dissector.js';
import {
  compareSnmpEvents,
  compareSnmpLog,
  goldenLines,
  goldenScores,
  leakedSecrets,
  parseSnmpEvents,
  runTrace,
  SNMP_EVENT_BASELINES,
  SNMP_LOG_BASELINES,
  snmpBaseline,
  snmpEventAllow,
  snmpTrace,
} from './snmp.golden.js';

/**
 * Golden tests: our SNMP observations against Zeek's event dumps (snmp-test.zeek, v1/v2/v3)
 * and snmp.log, and our own reviewed JSON-lines baselines (`UPDATE_GOLDEN=1` rewrites them).
 * Every trace is also checked for plaintext communities in the observations.
 */
const GOLDEN = join(repoRoot, 'src', 'dissectors', 'snmp', 'golden');
/** Communities in the traces (from Zeek's dumps and INDEX_pcaps.csv): never in our output. */
const SECRETS = ['public', '[R0_C@cti!]'];

function skip(t: TestContext): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}

describe('snmp golden', () => {
  for (const [trace, base] of SNMP_EVENT_BASELINES) {
    it(`Zeek events ${base.join('/')} (${trace})`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(snmpDissector, snmpTrace(trace));
      const r = compareSnmpEvents(run, parseSnmpEvents(snmpBaseline(base)), snmpEventAllow(trace));
      console.log(
        `[snmp golden] ${trace}: ${r.matched}/${r.total} events matched, ${r.allowed} documented disagreement(s)`,
      );
      for (const m of r.mismatches) console.log(`  - ${m}`);
      assert.equal(r.matched + r.allowed, r.total, r.mismatches.join('\n'));
      assert.deepEqual(leakedSecrets(run.observations, SECRETS), []);
    });
  }
  for (const [trace, base, allow] of SNMP_LOG_BASELINES) {
    it(`Zeek ${base.join('/')} (${trace})`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(snmpDissector, snmpTrace(trace));
      const r = compareSnmpLog(run, snmpBaseline(base), (f) => allow.includes(f));
      console.log(`[snmp golden] ${base.join('/')}: ${r.matched}/${r.total} rows matched, ${r.allowed} documented`);
      assert.equal(r.matched + r.allowed, r.total, r.mismatches.join('\n'));
    });
  }

  it('goldenScores covers every baseline', async (t) => {
    if (skip(t)) return;
    const scores = await goldenScores();
    assert.equal(scores.length, SNMP_EVENT_BASELINES.length + SNMP_LOG_BASELINES.length);
    // Exact agreement except the three documented rows (two GetNext labels, one v3 counter).
    assert.equal(
      scores.reduce((n, s) => n + s.total - s.matched, 0),
      3,
    );
  });

  const OWN: [string, string[], (o: { kind: string }) => boolean][] = [
    ['snmpv1_get.pcap', ['zeek-btest', 'testing', 'btest', 'Traces', 'snmp', 'snmpv1_get.pcap'], () => true],
    ['snmpv3_get_next.pcap', ['zeek-btest', 'testing', 'btest', 'Traces', 'snmp', 'snmpv3_get_next.pcap'], () => true],
    // A walk of 400 packets: identities, credentials and anomalies only.
    [
      'snmpwalk-short.pcap',
      ['zeek-btest', 'testing', 'btest', 'Traces', 'snmp', 'snmpwalk-short.pcap'],
      (o) => o.kind !== 'transaction',
    ],
    [
      'snmp_usm.pcap',
      ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'snmp', 'snmp_usm.pcap'],
      (o) => o.kind !== 'transaction',
    ],
    [
      'Sample_File_MMS_and_GOOSE.pcap',
      ['pcaps', 'iti-ics-security-tools', 'pcaps', 'IEC61850', 'Sample_File_MMS_and_GOOSE.pcap'],
      () => true,
    ],
  ];
  for (const [name, path, keep] of OWN) {
    it(`own baseline ${name}`, async (t) => {
      if (skip(t)) return;
      const run = await runTrace(snmpDissector, corpusPath(...path));
      assert.deepEqual(leakedSecrets(run.observations, SECRETS), []);
      checkGolden(
        t,
        join(GOLDEN, name.replace(/\.pcap$/, '.jsonl')),
        goldenLines(run.observations.filter(keep), 'snmp'),
      );
    });
  }
});
