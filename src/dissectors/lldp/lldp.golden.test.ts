import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCorpus } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { GOLDEN_TRACES, goldenFile, goldenScores, lldpLines, observeLldp } from './lldp.golden.js';

describe('lldp golden', { skip: !hasCorpus && 'corpus not present (../shared/corpus)' }, () => {
  for (const t of GOLDEN_TRACES) {
    it(`matches golden/${t[t.length - 1]}`, async (ctx) => {
      checkGolden(ctx, goldenFile(t), lldpLines(await observeLldp(t)));
    });
  }

  it('lldp.detailed.pcap: the values Wireshark shows', async () => {
    const obs = await observeLldp(GOLDEN_TRACES[0] as string[]);
    const facts = obs.flatMap((o) => (o.kind === 'asset.identity' ? o.facts.map((f) => `${f.field}=${f.value}`) : []));
    for (const f of [
      'lldp_chassis_id=00:01:30:f9:ad:a0',
      'lldp_port_id=1/1',
      'hostname=Summit300-48',
      'description=Summit300-48 - Version 7.4e.1 (Build 5) by Release_Master 05/27/05 04:53:11',
      'lldp_enabled_capabilities=bridge,router',
      'lldp_port_vlan=488',
    ]) {
      assert.ok(facts.includes(f), f);
    }
  });

  it('scores', async () => {
    const scores = await goldenScores();
    for (const s of scores) console.log(`[lldp golden] ${s.baseline}: ${s.matched}/${s.total}`);
    if (process.env.UPDATE_GOLDEN !== '1') for (const s of scores) assert.equal(s.matched, s.total, s.baseline);
  });
});
