import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import type { TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { compareAll, compareDnp3Log, goldenLines, observe, zeekView } from './dnp3.golden.js';

/**
 * Golden tests: Zeek's and ICSNPP's dnp3.log (fc_request, fc_reply, iin: exact agreement on
 * every row), and our own reviewed JSON-lines baselines in ./golden (`UPDATE_GOLDEN=1`).
 */

const tx = (over: Partial<TransactionObservation>): TransactionObservation => ({
  kind: 'transaction',
  ts: 0,
  flowId: 1,
  protocol: 'dnp3',
  op: 'read',
  fn: 'READ',
  fnCode: 1,
  status: 'ok',
  ...over,
});

describe('dnp3 golden: replaying our transactions as Zeek rows', () => {
  it("reproduces Zeek's single-slot pairing", () => {
    // Two retried SELECTs answered in order: Zeek pairs the last request with the first response.
    const rows = zeekView([
      tx({ fn: 'SELECT', ts: 1, rttUs: 10, detail: { replyFn: 'RESPONSE', iin: 512 } }),
      tx({ fn: 'SELECT', ts: 2, rttUs: 10, detail: { replyFn: 'RESPONSE', iin: 512 } }),
      tx({ fn: 'UNSOLICITED_RESPONSE', ts: 20, status: 'unsolicited', detail: { iin: 0, confirmed: true } }),
      tx({ fn: 'UNSOLICITED_RESPONSE', ts: 30, status: 'unsolicited', detail: { iin: 0 } }),
      tx({ fn: 'STOP_APPL', ts: 40, status: 'no-response' }),
    ]);
    assert.deepEqual(
      rows.map((r) => `${r.fcRequest} ${r.fcReply} ${r.iin}`),
      [
        'SELECT RESPONSE 512',
        '- RESPONSE 512',
        '- UNSOLICITED_RESPONSE 0',
        'CONFIRM UNSOLICITED_RESPONSE 0',
        'STOP_APPL - -1',
      ],
    );
  });

  it('compares a hand-made log', () => {
    const log = [
      '#separator \\x09',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tfc_request\tfc_reply\tiin',
      'X\tC\t10.0.0.1\t1000\t10.0.0.2\t20000\tREAD\tRESPONSE\t0',
    ].join('\n');
    const r = compareDnp3Log(log, [tx({ rttUs: 5, detail: { replyFn: 'RESPONSE', iin: 0 } })]);
    assert.deepEqual([r.matched, r.total, r.mismatches], [1, 1, []]);
  });
});

describe('dnp3 golden: Zeek and ICSNPP dnp3.log', () => {
  it('every row of every baseline matches (fc_request, fc_reply, iin)', async (t) => {
    if (!hasCorpus) return t.skip('corpus not present (../shared/corpus)');
    for (const { name, r } of await compareAll()) {
      console.log(`[dnp3 golden] ${name}: ${r.matched}/${r.total} baseline rows matched`);
      for (const m of r.mismatches) console.log(`  - ${m}`);
      assert.deepEqual(r.mismatches, [], name);
      assert.equal(r.matched, r.total, name);
    }
  });

  it('pairs by sequence number where Zeek pairs by order (events test, port 1184)', async (t) => {
    if (!hasCorpus) return t.skip('corpus not present');
    // The outstation answers STOP_APPL seq 1 with seq 3 and 4: we still pair them (and flag
    // dnp3-sequence-mismatch); its IIN 0x1001 says "function not supported": an exception.
    const obs = await observe(['zeek-btest', 'testing', 'btest', 'Traces', 'dnp3', 'dnp3.pcap']);
    const stop = obs.filter((o): o is TransactionObservation => o.kind === 'transaction' && o.fn === 'STOP_APPL');
    assert.ok(stop.some((s) => s.status === 'exception' && s.exception === 'NO_FUNC_CODE_SUPPORT'));
    assert.ok(obs.some((o) => o.kind === 'anomaly' && o.code === 'dnp3-sequence-mismatch'));
  });
});

const ITI = ['pcaps', 'iti-ics-security-tools', 'pcaps', 'dnp3'];
const CONFORMANCE = [...ITI, 'opendnp3-3', 'conformance'];
const GOLDEN_TRACES: string[][] = [
  [...ITI, 'cold_restart_and_response.pcap'],
  [...ITI, 'warm_restart_and_response.pcap'],
  [...ITI, 'select_operate_and_responses.pcap'],
  [...ITI, 'unsolcited_response_and_confirm.pcap'],
  [...ITI, 'file_read.pcap'],
  [...ITI, 'file_delete.pcap'],
  [...ITI, 'auth_control_challenge_response.pcap'],
  [...ITI, 'dataset_exchange.pcap'],
  [...ITI, 'direct_operate_crob_malform_but_good_crc.pcap'],
  [...ITI, 'full_exchange.pcap'],
  [...CONFORMANCE, '8.6.3.2', 'dump.pcap'],
  [...CONFORMANCE, '6.6.2.4', 'dump.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 'bro', 'dnp3', 'dnp3_read_p20001.pcap'],
];

describe('dnp3 golden: our JSON-lines baselines', () => {
  const dir = join(repoRoot, 'src', 'dissectors', 'dnp3', 'golden');
  for (const parts of GOLDEN_TRACES) {
    const stem =
      parts[parts.length - 1] === 'dump.pcap'
        ? `conformance-${parts[parts.length - 2]}`
        : basename(parts[parts.length - 1] as string, '.pcap');
    it(`golden/${stem}.jsonl`, async (t) => {
      if (!hasCorpus) return t.skip('corpus not present');
      readFileSync(corpusPath(...parts));
      checkGolden(t, join(dir, `${stem}.jsonl`), goldenLines(await observe(parts)));
    });
  }
});
