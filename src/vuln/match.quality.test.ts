import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Advisory, KevEntry } from '../feeds/model.js';
import { hasCorpus } from '../testing/corpus.js';
import { buildQualityCases, loadCorpusAdvisories, syntheticAsset } from './csaf-cases.js';
import { AdvisoryIndex, matchAsset, matchAssets, type VulnMatch } from './match.js';

/**
 * Matching quality on the real CISA CSAF advisories of 2017-2022 (../shared/corpus): cases built
 * from the advisories' own product trees (see buildQualityCases), and the real identities seen
 * in the corpus captures with the advisories that name them (checked by hand).
 */

const NO_KEV = new Map<string, KevEntry>();
let advisories: Advisory[] = [];

function skip(t: { skip: (m: string) => void }): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}

before(() => {
  if (hasCorpus) advisories = loadCorpusAdvisories();
});

describe('matching quality on the 2017-2022 CSAF advisories', () => {
  it('precision >= 0.95 overall, recall >= 0.90 on exact-model cases', { timeout: 60_000 }, (t) => {
    if (skip(t)) return;
    const cases = buildQualityCases(advisories);
    const index = new AdvisoryIndex(advisories);
    const n = { affected: [0, 0], fixed: [0, 0], neighbour: [0, 0], exact: [0, 0] };
    const wrong: string[] = [];
    for (const c of cases) {
      const got = matchAsset(c.asset, index, NO_KEV).some((m) => m.advisoryId === c.advisoryId);
      n[c.kind][got ? 1 : 0]!++;
      if (c.kind === 'affected' && c.exactModel) n.exact[got ? 1 : 0]!++;
      if (got !== c.expected && wrong.length < 10) wrong.push(`${c.kind} ${c.advisoryId}: ${c.note}`);
    }
    const tp = n.affected[1]!;
    const fp = n.fixed[1]! + n.neighbour[1]!;
    const precision = tp / (tp + fp);
    const recall = tp / (tp + n.affected[0]!);
    const exactRecall = n.exact[1]! / (n.exact[0]! + n.exact[1]!);
    console.log(
      `match quality: ${cases.length} cases from ${advisories.length} advisories: affected ${tp}/${tp + n.affected[0]!} matched, ` +
        `fixed versions matched ${n.fixed[1]}/${n.fixed[0]! + n.fixed[1]!}, neighbours matched ${n.neighbour[1]}/${n.neighbour[0]! + n.neighbour[1]!}; ` +
        `precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}, exact-model recall ${exactRecall.toFixed(4)} (${n.exact[0]! + n.exact[1]!} cases)`,
    );
    for (const w of wrong) console.log(`  e.g. ${w}`);
    assert.ok(n.fixed[0]! + n.fixed[1]! > 1000 && n.neighbour[0]! + n.neighbour[1]! > 500, 'enough negative cases');
    assert.ok(precision >= 0.95, `precision ${precision}`);
    assert.ok(exactRecall >= 0.9, `exact-model recall ${exactRecall}`);
    assert.ok(recall >= 0.9, `recall ${recall}`);
  });
});

/** Identities read from the corpus captures by the dissectors (see their golden tests). */
const REAL = {
  // ENIP ListIdentity, ICSNPP enip_cip_example.pcap.
  enbt: {
    vendor: 'Rockwell Automation/Allen-Bradley',
    product_name: '1756-ENBT/A',
    product_code: '58',
    firmware: '4.3',
  },
  // S7 SZL 0x0011 / S7comm-plus, iti-ics-security-tools and liushiwen555 traces.
  im151: { vendor: 'Siemens', order_number: '6ES7 151-8AB01-0AB0', firmware: 'V3.2.6' },
  s7315v327: { vendor: 'Siemens', order_number: '6ES7 315-2EH14-0AB0', firmware: 'V3.2.7' },
  s7315v3214: { vendor: 'Siemens', order_number: '6ES7 315-2EH14-0AB0', firmware: 'V3.2.14' },
  s71214: { vendor: 'Siemens', order_number: '6ES7 214-1HE30-0XB0', firmware: 'V2.2' },
  s71211: { vendor: 'Siemens', order_number: '6ES7 211-1BE31-0XB0', firmware: 'V3.0' },
  s71511: { vendor: 'Siemens', order_number: '6ES7 511-1AK00-0AB0', firmware: 'V1.0' },
} as const;

/**
 * Checked by hand against the advisories' product trees. S7-300 CPU 315-2 PN/DP and the
 * IM151-8 PN/DP CPU are named by order number in the 2018-2022 S7-300 advisories and covered by
 * the "S7-300 CPU family" ones (ranges "< V3.X.14/16/17" or all versions).
 */
const S7_300_EXACT = [
  'ICSA-18-079-02',
  'ICSA-19-099-06',
  'ICSA-19-283-01',
  'ICSA-19-283-02',
  'ICSA-20-042-05',
  'ICSA-20-105-08',
  'ICSA-22-104-06',
  'ICSA-22-314-02',
];
const S7_300_FAMILY = ['ICSA-17-339-01', 'ICSA-19-043-04', 'ICSA-20-070-02', 'ICSA-20-252-02', 'ICSA-20-315-04'];
/**
 * Every "S7-1200 CPU family" advisory whose range holds V2.2 / V3.0; not ICSA-18-282-04 (the
 * "version 4" family), ICSA-21-222-09 (= V4.5.0) or ICSA-21-257-23 (= V4.4).
 */
const S7_1200_FAMILY = [
  'ICSA-17-129-02',
  'ICSA-17-339-01',
  'ICSA-18-226-02',
  'ICSA-18-317-05',
  'ICSA-19-283-02',
  'ICSA-19-318-02',
  'ICSA-19-344-06',
  'ICSA-20-042-05',
  'ICSA-20-105-08',
  'ICSA-21-152-01',
  'ICSA-21-194-03',
  'ICSA-22-041-01',
  'ICSA-22-104-05',
  'ICSA-22-167-14',
  'ICSA-22-286-04',
  'ICSA-22-314-02',
  'ICSA-22-349-03',
];
/**
 * "S7-1500 CPU family" advisories whose range holds V1.0 (not the ">= V2.0" / ">= V2.5" ones),
 * and ICSA-22-314-02, which names 6ES7511-1AK00-0AB0 (ICSA-22-349-03 names only AK01/AK02).
 */
const S7_1500_FAMILY = [
  'ICSA-17-129-02',
  'ICSA-17-339-01',
  'ICSA-18-079-02',
  'ICSA-18-226-02',
  'ICSA-18-317-05',
  'ICSA-19-036-04',
  'ICSA-19-099-06',
  'ICSA-19-283-02',
  'ICSA-19-344-06',
  'ICSA-20-105-08',
  'ICSA-21-152-01',
  'ICSA-22-041-01',
  'ICSA-22-104-06',
  'ICSA-22-167-14',
  'ICSA-22-286-04',
];

function got(ms: VulnMatch[], key: string): string[] {
  return ms
    .filter((m) => m.assetKey === key)
    .map((m) => `${m.advisoryId} ${m.confidence}`)
    .sort();
}
function want(exact: string[], family: string[]): string[] {
  return [...exact.map((a) => `${a} exact`), ...family.map((a) => `${a} family`)].sort();
}

describe('real identities from the corpus captures get the advisories that name them', () => {
  it('1756-ENBT/A rev 4.3 and the S7 CPUs', (t) => {
    if (skip(t)) return;
    const assets = Object.entries(REAL).map(([k, f]) => syntheticAsset(k, f));
    const ms = matchAssets(assets, advisories, NO_KEV);
    assert.deepEqual(got(ms, 'enbt'), ['ICSA-18-310-02 exact']);
    const enbt = ms.find((m) => m.assetKey === 'enbt')!;
    assert.match(enbt.reason, /catalog number 1756-ENBT series A is affected in all versions/);
    assert.deepEqual(got(ms, 's7315v327'), want(S7_300_EXACT, ['ICSA-17-129-02', ...S7_300_FAMILY]));
    assert.deepEqual(got(ms, 'im151'), want(S7_300_EXACT, ['ICSA-17-129-02', ...S7_300_FAMILY]));
    assert.deepEqual(got(ms, 's7315v3214'), want(S7_300_EXACT, S7_300_FAMILY), 'V3.2.14 is the fix of ICSA-17-129-02');
    const fix = ms.find((m) => m.assetKey === 's7315v327' && m.advisoryId === 'ICSA-20-070-02')!;
    assert.equal(fix.fixedVersion, 'V3.2.17', "the 'V3.X.17' bound, for the asset's own V3.2 line");
    assert.deepEqual(got(ms, 's71214'), want([], S7_1200_FAMILY));
    assert.deepEqual(got(ms, 's71211'), want([], S7_1200_FAMILY));
    assert.deepEqual(got(ms, 's71511'), want(['ICSA-22-314-02'], S7_1500_FAMILY));
    assert.ok(
      ms.every((m) => !(m.assetKey.startsWith('s712') && /S7-1500/.test(m.product))),
      'no S7-1200 gets an S7-1500 product',
    );
  });
});
