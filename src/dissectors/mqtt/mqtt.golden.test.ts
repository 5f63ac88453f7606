import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCorpus } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { compareAll, goldenFile, goldenScores, mqttLines, observeMqtt } from './mqtt.golden.js';

describe('mqtt golden', { skip: !hasCorpus && 'corpus not present (../shared/corpus)' }, () => {
  it('matches golden/mqtt.jsonl', async (ctx) => {
    checkGolden(ctx, goldenFile, mqttLines(await observeMqtt()));
  });

  // Exact agreement on every row of Zeek's connect/publish/subscribe logs: protocol name and
  // version, client id, connect status, will topic; direction, retain, QoS, topic, payload length;
  // subscribed topics, requested and granted QoS.
  it("agrees with Zeek's mqtt_connect/publish/subscribe logs", async () => {
    for (const c of await compareAll()) {
      assert.deepEqual(c.mismatches, [], c.log);
      assert.equal(c.matched, c.total, c.log);
    }
  });

  it('the anonymous logins of mqtt.pcap make no credential; client ids are identity facts', async () => {
    const obs = await observeMqtt();
    assert.deepEqual(
      obs.filter((o) => o.kind === 'credential'),
      [],
    );
    const ids = obs.flatMap((o) => (o.kind === 'asset.identity' ? o.facts.map((f) => f.value) : []));
    assert.deepEqual(ids, ['paho/34AAE54A75D839566E', 'paho/DDE4DDAF4108D3E363']);
  });

  it('scores', async () => {
    const scores = await goldenScores();
    for (const s of scores) console.log(`[mqtt golden] ${s.baseline}: ${s.matched}/${s.total}`);
    if (process.env.UPDATE_GOLDEN !== '1') for (const s of scores) assert.equal(s.matched, s.total, s.baseline);
  });
});
