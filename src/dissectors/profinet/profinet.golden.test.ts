import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCorpus } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { GOLDEN_TRACES, goldenFile, goldenLines, goldenScores, NO_CRASH_TRACES, observe } from './profinet.golden.js';

describe('profinet golden', { skip: !hasCorpus && 'corpus not present (../shared/corpus)' }, () => {
  for (const t of GOLDEN_TRACES) {
    it(`matches golden/${t[t.length - 1]}`, async (ctx) => {
      checkGolden(ctx, goldenFile(t), goldenLines(await observe(t)));
    });
  }

  it('ChangeIPUsingDCP: identify answer and the IP Set are what Wireshark shows', async () => {
    const obs = await observe(GOLDEN_TRACES[1] as string[]);
    const facts = obs.flatMap((o) => (o.kind === 'asset.identity' ? o.facts.map((f) => `${f.field}=${f.value}`) : []));
    for (const f of [
      'device_name=X208-BORD',
      'profinet_vendor_id=0x002a',
      'vendor=Siemens',
      'profinet_device_id=0x0a01',
      'profinet_role=IO-Device',
      'ip_address=192.168.0.6',
      'subnet_mask=255.255.255.0',
      'gateway=192.168.0.1',
    ]) {
      assert.ok(facts.includes(f), f);
    }
    const set = obs.find((o) => o.kind === 'transaction' && o.fn === 'SET' && o.status === 'no-response');
    assert.equal(set?.kind === 'transaction' && set.op, 'write');
    assert.equal(set?.kind === 'transaction' && set.detail?.ipAddress, '192.168.0.10');
  });

  it('IO-CM traces go through without a parser error', async () => {
    for (const t of NO_CRASH_TRACES) {
      const obs = await observe(t);
      const bad = obs.filter((o) => o.kind === 'anomaly' && o.code.endsWith('-parser-error'));
      assert.deepEqual(bad, [], t.join('/'));
    }
  });

  it('scores', async () => {
    const scores = await goldenScores();
    for (const s of scores) console.log(`[profinet golden] ${s.baseline}: ${s.matched}/${s.total}`);
    if (process.env.UPDATE_GOLDEN !== '1') for (const s of scores) assert.equal(s.matched, s.total, s.baseline);
  });
});
