import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { IdentityObservation, Observation, TransactionObservation } from '../../observations/observation.js';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { goldenLines, goldenScores, ICSNPP_ENIP, ICSNPP_RUNS, observeTrace, runIcsnpp } from './enip.golden.js';

/**
 * Golden tests: our EtherNet/IP observations against CISA ICSNPP-ENIP's expected logs for the
 * same traces (../shared/corpus), a sweep over every ENIP capture of the corpus, and our own
 * reviewed JSON-lines baselines in ./golden (`UPDATE_GOLDEN=1` rewrites them).
 */

function skipWithoutCorpus(t: TestContext): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}
const ids = (obs: Observation[]) => obs.filter((o): o is IdentityObservation => o.kind === 'asset.identity');
const txs = (obs: Observation[]) => obs.filter((o): o is TransactionObservation => o.kind === 'transaction');

describe('enip golden: ICSNPP-ENIP baselines', () => {
  ICSNPP_RUNS.forEach(([test, trace, log], i) => {
    it(`${test}/${log} (${trace})`, async (t) => {
      if (skipWithoutCorpus(t)) return;
      const r = await runIcsnpp(i);
      console.log(`[enip golden] icsnpp ${test}/${log}: ${r.matched}/${r.total} baseline rows matched`);
      for (const m of r.mismatches.slice(0, 20)) console.log(`  - ${m}`);
      // Every compared column agrees; nothing needs a documented exception today. The compared
      // columns: cip_identity.log all 13 identity columns; enip.log command, session handle and
      // sender context of requests, command and status of replies; cip.log service code and
      // name, status, class id/name, instance and attribute of each request/reply pair (ICSNPP
      // names class-specific services of the Connection Manager and File object as Logix tag
      // services; we name them per class, so fn is not compared for those classes); cip_io.log
      // datagram counts, first sequence number and data lengths per connection and direction.
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.matched, r.total);
      assert.ok(r.total > 0);
    });
  });

  it('the 1756-ENBT/A ListIdentity identity comes out exactly', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observeTrace(...ICSNPP_ENIP, 'traces', 'enip_cip_example.pcap');
    const li = ids(obs).find((o) => o.facts.some((f) => f.source.startsWith('enip.list_identity')));
    const f = (name: string) => li?.facts.find((x) => x.field === name)?.value;
    assert.equal(li?.about, 'server');
    assert.deepEqual(
      ['vendor', 'vendor_id', 'device_type', 'product_code', 'firmware', 'serial', 'product_name'].map(f),
      ['Rockwell Automation/Allen-Bradley', '1', 'Communications Adapter', '58', '4.3', '0x00524d8e', '1756-ENBT/A'],
    );
  });

  it('goldenScores() reports every comparison', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const scores = await goldenScores();
    assert.equal(scores.length, ICSNPP_RUNS.length);
    for (const s of scores) assert.equal(s.matched, s.total, s.baseline);
  });
});

const ITI = ['pcaps', 'iti-ics-security-tools', 'pcaps'];
const LIU = ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 'enip'];

describe('enip golden: corpus sweep', () => {
  const traces: string[][] = [
    [...ITI, 'CIP', 'cip_only.pcap'],
    [...ITI, 'EthernetIP', 'EthernetIP-CIP.pcap'],
    [...ITI, 'ModbusTCP', 'mb2.pcap'],
    [...ITI, 'openics', 'EIP-ChangeDateAttempt.pcap'],
    [...ITI, 'openics', 'EIP-ChangePortConfigurationAttempt.pcap'],
    [...ITI, 'openics', 'EIP-ChangeTimeAttempt.pcap'],
    [...ITI, 'openics', 'EIP-ControlProtocolChangeAttempt.pcap'],
    [...ITI, 'openics', 'EIP-FirmwareChangeFailure.pcap'],
    [...ITI, 'openics', 'EIP-IPAddressChangeAttempt.pcap'],
    [...ITI, 'openics', 'EIP-SoftwareUpload.pcap'],
    [...LIU, 'cip.pcap'],
  ];
  for (const parts of traces) {
    it(`${parts[parts.length - 1]}: no crash, no parser error`, async (t) => {
      if (skipWithoutCorpus(t)) return;
      const obs = await observeTrace(...parts);
      const bad = obs.filter((o) => o.kind === 'anomaly' && o.code === 'enip-parser-error');
      assert.deepEqual(bad, []);
      assert.ok(txs(obs).some((x) => x.protocol === 'enip'));
    });
  }

  it('EIP-IPAddressChangeAttempt: the rack behind the 1756-ENBT/A, module by module', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observeTrace(...ITI, 'openics', 'EIP-IPAddressChangeAttempt.pcap');
    const facts = new Set(ids(obs).flatMap((o) => o.facts.map((f) => `${f.field}=${f.value}`)));
    assert.ok(facts.has('product_name=1756-ENBT/A'));
    assert.ok(
      facts.has(
        'module_1_0=1756-L61/B LOGIX5561, vendor Rockwell Automation/Allen-Bradley, product code 54, rev 16.20, serial 0x0051823f',
      ),
    );
  });

  it('EIP-FirmwareChangeFailure: firmware transfer; ControlProtocolChange: mode changes', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const fw = txs(await observeTrace(...ITI, 'openics', 'EIP-FirmwareChangeFailure.pcap'));
    assert.ok(fw.filter((x) => x.op === 'firmware').length > 5000);
    const cp = txs(await observeTrace(...ITI, 'openics', 'EIP-ControlProtocolChangeAttempt.pcap'));
    assert.deepEqual(
      ['RESET', 'START', 'STOP'].map((fn) => cp.find((x) => x.fn === fn)?.op),
      ['control', 'control', 'control'],
    );
  });
});

/** Our own baselines: JSON lines of transactions and identities, reviewed like code. */
const GOLDEN_TRACES: string[][] = [
  [...ICSNPP_ENIP, 'traces', 'multiple_service_packet_cip.pcapng'],
  [...ICSNPP_ENIP, 'traces', 'set_attribute_single_service_cip.pcapng'],
  [...ITI, 'EthernetIP', 'enip_test.pcap'],
  [...ITI, 'EthernetIP', 'cip_start_plc.pcap'],
  [...ITI, 'EthernetIP', 'cip_stop_plc.pcap'],
  [...ITI, 'EthernetIP', 'cip_unlock_cpu.pcap'],
  [...ITI, 'EthernetIP', 'cip-eth-set-2.pcap'],
  [...ITI, 'EthernetIP', 'cip-multiple-1.pcap'],
  [...ITI, 'EthernetIP', 'cip-multiple-2.pcap'],
  [...ITI, 'openics', 'EIP-ChangePortConfigurationAttempt.pcap'],
  [...LIU, 'cip_1.pcap'],
];

describe('enip golden: our JSON-lines baselines', () => {
  const dir = join(repoRoot, 'src', 'dissectors', 'enip', 'golden');
  for (const parts of GOLDEN_TRACES) {
    const name = basename(parts[parts.length - 1] as string).replace(/\.pcap(ng)?$/, '');
    it(`golden/${name}.jsonl`, async (t) => {
      if (skipWithoutCorpus(t)) return;
      checkGolden(t, join(dir, `${name}.jsonl`), goldenLines(await observeTrace(...parts)));
    });
  }
});
