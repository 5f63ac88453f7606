import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { corpusPath, hasCorpus } from '../testing/corpus.js';
import { Decoder } from './decoder.js';
import { FlowTable } from './flow-table.js';
import { Layer, PacketInfo } from './packet-info.js';

/**
 * Decode every small classic-pcap capture of the shared corpus (a minimal pcap walk, only for
 * this test): nothing throws, every packet on a supported link type decodes, and anomalies stay rare.
 */
it('decodes the real captures of the corpus', (t) => {
  if (!hasCorpus) {
    t.skip('corpus not present');
    return;
  }
  const rows = readFileSync(corpusPath('INDEX_pcaps.csv'), 'utf8').trim().split('\n').slice(1);
  const d = new Decoder();
  const flows = new FlowTable();
  const p = new PacketInfo();
  let packets = 0;
  let withIp = 0;
  let decoded = 0;
  let files = 0;
  for (const row of rows) {
    const c = row.split(',');
    if (c[4] !== 'pcap' || Number(c[3]) > 300_000 || c[13]) continue;
    let b: Buffer;
    try {
      b = readFileSync(corpusPath(c[0]!));
    } catch {
      continue;
    }
    if (b.length < 24) continue;
    const magic = b.readUInt32LE(0);
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) continue;
    const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const lt = u32(20) & 0xffff;
    files++;
    for (let o = 24; o + 16 <= b.length; ) {
      const cap = u32(o + 8);
      const wire = u32(o + 12);
      if (o + 16 + cap > b.length) break;
      d.decode(lt, b, o + 16, cap, wire, u32(o) * 1e6 + u32(o + 4), p);
      packets++;
      if ((p.layers & (Layer.IP | Layer.ARP)) !== 0) withIp++;
      if (p.layers !== 0) decoded++;
      if ((p.layers & Layer.IP) !== 0) flows.update(p);
      o += 16 + cap;
    }
  }
  let anomalies = 0;
  for (const a of d.anomalies.values()) anomalies += a.count;
  t.diagnostic(
    `${files} files, ${packets} packets, ${withIp} with IP/ARP, ${flows.created} flows, ` +
      `anomalies ${JSON.stringify(Object.fromEntries([...d.anomalies].map(([k, v]) => [k, v.count])))}, ` +
      `unsupported ${JSON.stringify(Object.fromEntries(d.unsupportedLinkTypes))}, truncated ${d.truncatedPayloads}`,
  );
  assert.ok(files > 100);
  let unsupported = 0;
  for (const n of d.unsupportedLinkTypes.values()) unsupported += n;
  // Everything on a supported link type decodes at least its link layer; most of it is IP.
  assert.ok(decoded > (packets - unsupported) * 0.99);
  assert.ok(withIp > packets * 0.75);
  assert.ok(anomalies < packets * 0.01);
  assert.ok(!d.anomalies.has('decode-internal-error'));
});
