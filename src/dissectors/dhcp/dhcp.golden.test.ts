import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { compareDhcpLog, DHCP_LOGS, goldenLines, observe, TRACES } from './dhcp.golden.js';

describe('dhcp golden: Zeek dhcp.log', { skip: !hasCorpus && 'no ../shared/corpus' }, () => {
  for (const [test, trace, extra, maxUids, maxMsgTypes] of DHCP_LOGS) {
    it(`${test} (${trace}): mac, addresses, names, msg_types`, async (t) => {
      const r = await compareDhcpLog(test, trace, extra, maxUids, maxMsgTypes);
      t.diagnostic(`${r.matched}/${r.total} rows, ${r.extra} extra`);
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.matched, r.total);
      assert.ok(r.total > 0);
    });
  }

  it('bad-cookie-clears-options: only the messages with a good cookie, with their own options', async () => {
    // Zeek's baseline: `dhcp_message xid=0x1000 option_count=1` and `xid=0x3000 option_count=1`;
    // the three bad-cookie messages between them raise a violation and no event.
    const obs = await observe(...TRACES, 'dhcp_bad_cookie_option_retention.pcap');
    const txs = obs.filter((o) => o.kind === 'transaction');
    assert.deepEqual(
      txs.map((t) => (t.kind === 'transaction' ? `${t.tid?.toString(16)}:${t.detail?.options}` : '')),
      ['1000:1', '3000:1'],
    );
    assert.equal(obs.filter((o) => o.kind === 'anomaly' && o.code === 'dhcp-bad-cookie').length, 3);
  });
});

describe('dhcp golden: our JSON-lines baselines', { skip: !hasCorpus && 'no ../shared/corpus' }, () => {
  for (const trace of [
    'dhcp.pcap',
    'dhcp_inform.pcap',
    'dhcp_discover_param_req_and_client_id.pcap',
    'hw-type0.pcap',
  ]) {
    it(`golden/${trace}.jsonl`, async (t) => {
      const lines = goldenLines(await observe(...TRACES, trace));
      checkGolden(
        t,
        join(repoRoot, 'src', 'dissectors', 'dhcp', 'golden', `${trace.replace(/\.pcap$/, '')}.jsonl`),
        lines,
      );
    });
  }
});
