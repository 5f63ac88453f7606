import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCorpus } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { cdpLines, GOLDEN_TRACES, goldenFile, goldenScores, observeCdp, zeekScore } from './cdp.golden.js';

describe('cdp golden', { skip: !hasCorpus && 'corpus not present (../shared/corpus)' }, () => {
  for (const t of GOLDEN_TRACES) {
    it(`matches golden/${t[t.length - 1]}`, async (ctx) => {
      checkGolden(ctx, goldenFile(t), cdpLines(await observeCdp(t)));
    });
  }

  it("agrees with Zeek's unknown_protocols.log row for cdp-v1.pcap", async () => {
    const z = await zeekScore();
    assert.deepEqual(z.mismatches, []);
    assert.equal(z.matched, 1);
  });

  it('cdp_v2.pcap: the values Wireshark shows, checksum accepted', async () => {
    const obs = await observeCdp(GOLDEN_TRACES[1] as string[]);
    assert.deepEqual(
      obs.filter((o) => o.kind === 'anomaly' && o.protocol === 'cdp'),
      [],
    );
    const facts = obs.flatMap((o) => (o.kind === 'asset.identity' ? o.facts.map((f) => `${f.field}=${f.value}`) : []));
    for (const f of [
      'hostname=myswitch',
      'management_ip=192.168.0.253',
      'model=cisco WS-C2950-12',
      'firmware=12.1(22)EA14',
      'os=Cisco IOS',
      'cdp_native_vlan=1',
      'cdp_vtp_domain=MYDOMAIN',
    ]) {
      assert.ok(facts.includes(f), f);
    }
  });

  it('scores', async () => {
    const scores = await goldenScores();
    for (const s of scores) console.log(`[cdp golden] ${s.baseline}: ${s.matched}/${s.total}`);
    if (process.env.UPDATE_GOLDEN !== '1') for (const s of scores) assert.equal(s.matched, s.total, s.baseline);
  });
});
