import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Advisory, AdvisoryProduct, KevEntry } from '../feeds/model.js';
import { hasCorpus } from '../testing/corpus.js';
import { benchMatch } from './bench.js';
import { syntheticAsset } from './csaf-cases.js';
import { assetIdentity, matchAssets } from './match.js';
import { parseVersionRanges } from './versions.js';

function product(
  id: string,
  vendor: string,
  name: string,
  range: string,
  extra: Partial<AdvisoryProduct> = {},
): AdvisoryProduct {
  return {
    productId: id,
    vendor,
    product: name,
    models: [],
    affected: parseVersionRanges(range) ?? [],
    fixedVersion: null,
    cpe: null,
    status: 'known_affected',
    ...extra,
  };
}

function advisory(id: string, products: AdvisoryProduct[], cves: string[] = ['CVE-2022-0001']): Advisory {
  return {
    id,
    title: id,
    publisher: 'CISA',
    published: null,
    updated: null,
    cves,
    cvssScore: 7.5,
    cvssVector: null,
    cwes: [],
    remediations: [],
    products,
    url: null,
  };
}

const NO_KEV = new Map<string, KevEntry>();

const S7_1500 = advisory('ICSA-T-1500', [
  product(
    'P1',
    'Siemens',
    'SIMATIC S7-1500 CPU family (incl. related ET200 CPUs and SIPLUS variants)',
    'vers:all/<V2.9.4',
    {
      fixedVersion: 'V2.9.4',
    },
  ),
  product('P2', 'Siemens', 'SIMATIC S7-1500 Software Controller', 'vers:all/<V21.9'),
]);
const S7_1200 = advisory('ICSA-T-1200', [
  product('P1', 'Siemens', 'SIMATIC S7-1200 CPU family (incl. SIPLUS variants)', '< V4.5.2'),
]);
const S7_1511 = advisory('ICSA-T-1511', [
  product('P1', 'Siemens', 'SIMATIC S7-1500 CPU 1511-1 PN (6ES7511-1AK00-0AB0)', 'vers:all/<V2.9.4', {
    models: ['6ES7511-1AK00-0AB0'],
  }),
]);
const L8 = advisory('ICSA-T-L8', [product('P1', 'Rockwell Automation', 'ControlLogix 5580 controllers', '<= 32.011')]);
const ENBT = advisory('ICSA-T-ENBT', [
  product('P1', 'Rockwell Automation', '1756 ControlLogix EtherNet/IP Communications Modules 1756-ENBT', 'vers:all/*'),
  product(
    'P2',
    'Rockwell Automation',
    '1756 ControlLogix EtherNet/IP Communications Modules 1756-EN2T Series D',
    '<= 10.10',
  ),
]);
const ALL = [S7_1500, S7_1200, S7_1511, L8, ENBT];

function ids(facts: Record<string, string | null>, advisories = ALL, kev = NO_KEV): string[] {
  return matchAssets([syntheticAsset('a', facts)], advisories, kev).map((m) => `${m.advisoryId}:${m.confidence}`);
}

describe('matchAssets', () => {
  it('matches an S7-1500 by order number to its family and its exact model, with why', () => {
    const ms = matchAssets(
      [syntheticAsset('plc', { vendor: 'Siemens', order_number: '6ES7 511-1AK00-0AB0', firmware: 'V2.9.2' })],
      ALL,
      NO_KEV,
    );
    assert.deepEqual(
      ms.map((m) => [m.advisoryId, m.productId, m.confidence]),
      [
        ['ICSA-T-1500', 'P1', 'family'],
        ['ICSA-T-1511', 'P1', 'exact'],
      ],
    );
    const fam = ms[0]!;
    assert.match(
      fam.reason,
      /S7-1500 family \(6ES7 511-1AK00-0AB0\) and firmware V2\.9\.2 are in 'vers:all\/<V2\.9\.4'/,
    );
    assert.equal(fam.fixedVersion, 'V2.9.4');
    assert.equal(fam.assetVersion, 'V2.9.2');
    assert.match(ms[1]!.reason, /order number 6ES7 511-1AK00-0AB0 and firmware V2\.9\.2/);
    assert.equal(ms[1]!.fixedVersion, 'V2.9.4', 'the exclusive upper bound when no vendor fix is named');
  });

  it('never matches the neighbouring family, a fixed version, or a vendor alone', () => {
    assert.deepEqual(ids({ vendor: 'Siemens', order_number: '6ES7 214-1HE30-0XB0', firmware: 'V4.5.1' }), [
      'ICSA-T-1200:family',
    ]);
    assert.deepEqual(
      ids({ vendor: 'Siemens', order_number: '6ES7 511-1AK00-0AB0', firmware: 'V2.9.4' }),
      [],
      'fixed version',
    );
    assert.deepEqual(ids({ vendor: 'Siemens', order_number: '6ES7 511-1AK00-0AB0', firmware: 'V3.0' }), []);
    assert.deepEqual(
      ids({ vendor: 'Siemens', order_number: '6ES7 511-1AK01-0AB0', firmware: 'V2.0' }),
      ['ICSA-T-1500:family'],
      'AK01 is not AK00',
    );
    assert.deepEqual(ids({ vendor: 'Siemens', firmware: 'V1.0' }), [], 'vendor alone');
    assert.deepEqual(ids({ vendor: 'Siemens', product_name: 'Siemens', firmware: 'V1.0' }), []);
    assert.deepEqual(
      ids({ order_number: '6ES7 511-1AK00-0AB0', firmware: 'V2.0', vendor: 'Rockwell Automation' }),
      [],
      'vendor disagrees',
    );
  });

  it('does not take an S7-1500 CPU for the S7-1500 Software Controller', () => {
    assert.deepEqual(ids({ vendor: 'Siemens', order_number: '6ES7 515-2AM01-0AB0', firmware: 'V2.0' }, [S7_1500]), [
      'ICSA-T-1500:family',
    ]);
    const ms = matchAssets(
      [syntheticAsset('a', { vendor: 'Siemens', order_number: '6ES7 672-5DC01-0YA0', firmware: 'V21.8' })],
      [S7_1500],
      NO_KEV,
    );
    assert.deepEqual(
      ms.map((m) => m.productId),
      ['P2'],
    );
  });

  it('tells ControlLogix 5580 from 5570 by catalog number', () => {
    assert.deepEqual(
      ids({ vendor: 'Rockwell Automation/Allen-Bradley', product_name: '1756-L83E/B', firmware: '32.011' }),
      ['ICSA-T-L8:family'],
    );
    assert.deepEqual(
      ids({ vendor: 'Rockwell Automation/Allen-Bradley', product_name: '1756-L83E/B', firmware: '33.011' }),
      [],
    );
    assert.deepEqual(
      ids({ vendor: 'Rockwell Automation/Allen-Bradley', product_name: '1756-L73/B', firmware: '32.011' }),
      [],
    );
  });

  it('matches the 1756-ENBT/A by catalog number, respects series', () => {
    assert.deepEqual(
      ids({
        vendor: 'Rockwell Automation/Allen-Bradley',
        product_name: '1756-ENBT/A',
        product_code: '58',
        firmware: '4.3',
      }),
      ['ICSA-T-ENBT:exact'],
    );
    assert.deepEqual(ids({ vendor: 'Allen-Bradley', product_name: '1756-EN2T/D', firmware: '10.10' }), [
      'ICSA-T-ENBT:exact',
    ]);
    assert.deepEqual(
      ids({ vendor: 'Allen-Bradley', product_name: '1756-EN2T/C', firmware: '10.10' }),
      [],
      'series C is not series D',
    );
    assert.deepEqual(ids({ vendor: 'Allen-Bradley', product_name: '1756-EN2T/D', firmware: '11.1' }), []);
  });

  it("says 'model' when the model is named but the firmware is unknown, and never guesses a family", () => {
    assert.deepEqual(ids({ vendor: 'Siemens', order_number: '6ES7 511-1AK00-0AB0' }), ['ICSA-T-1511:model']);
    assert.deepEqual(ids({ vendor: 'Siemens', order_number: '6ES7 511-1AK00-0AB0', firmware: 'weird build' }), [
      'ICSA-T-1511:model',
    ]);
  });

  it('marks KEV CVEs and carries the score', () => {
    const kev = new Map<string, KevEntry>([
      [
        'CVE-2022-0002',
        {
          cve: 'CVE-2022-0002',
          vendor: 'Siemens',
          product: 'S7',
          name: 'x',
          dateAdded: '2022-01-01',
          dueDate: null,
          knownRansomware: false,
          requiredAction: 'patch',
        },
      ],
    ]);
    const a = advisory('ICSA-T-KEV', S7_1511.products, ['CVE-2022-0001', 'CVE-2022-0002']);
    const [m] = matchAssets(
      [syntheticAsset('a', { vendor: 'SIEMENS AG', order_number: '6ES75111AK000AB0', firmware: 'V2.0' })],
      [a],
      kev,
    );
    assert.ok(m);
    assert.deepEqual(m.cves, ['CVE-2022-0001', 'CVE-2022-0002']);
    assert.deepEqual(m.kev, ['CVE-2022-0002']);
    assert.equal(m.cvssScore, 7.5);
  });

  it('matches products named by words only when the words sit together, and honours exclusions and version lines', () => {
    const adv = [
      advisory('ICSA-T-W', [
        product('P1', 'OSIsoft LLC', 'PI API', '<= 1.6.8.26'),
        product(
          'P2',
          'Siemens',
          'SIMATIC ET200SP (incl. SIPLUS variants, except IM155-6 PN ST and IM155-6 PN HF)',
          'vers:all/*',
        ),
        product('P3', 'Siemens', 'RUGGEDCOM RSG2300NC V4.X', 'vers:all/<V4.3.8'),
      ]),
    ];
    assert.deepEqual(ids({ vendor: 'OSIsoft', product_name: 'PI API', firmware: '1.6.1' }, adv), ['ICSA-T-W:exact']);
    assert.deepEqual(ids({ vendor: 'OSIsoft', product_name: 'PI Web API 2019', firmware: '1.6.1' }, adv), []);
    assert.deepEqual(ids({ vendor: 'Siemens', product_name: 'SIMATIC ET200SP IM155-6 PN BA', firmware: '4.0' }, adv), [
      'ICSA-T-W:family',
    ]);
    assert.deepEqual(
      ids({ vendor: 'Siemens', product_name: 'SIMATIC ET200SP IM155-6 PN ST', firmware: '4.0' }, adv),
      [],
    );
    assert.deepEqual(ids({ vendor: 'Siemens', product_name: 'RUGGEDCOM RSG2300NC', firmware: 'V4.3.7' }, adv), [
      'ICSA-T-W:exact',
    ]);
    assert.deepEqual(
      ids({ vendor: 'Siemens', product_name: 'RUGGEDCOM RSG2300NC', firmware: 'V3.9' }, adv),
      [],
      'not the V4.X line',
    );
  });

  it('survives hostile facts', () => {
    const evil = syntheticAsset('evil', {
      vendor: `Siemens${'\u0000'.repeat(3)}<script>`,
      order_number: '6ES7'.repeat(5000),
      product_name: '((((((((((((('.repeat(1000),
      firmware: '9'.repeat(5000),
    });
    assert.doesNotThrow(() => matchAssets([evil], ALL, NO_KEV));
    const id = assetIdentity(evil);
    assert.ok(id.names.every((n) => n.length <= 300));
  });
});

describe('benchMatch', () => {
  it('matches 10,000 corpus-built assets against all 2017-2022 advisories', { timeout: 60_000 }, (t) => {
    if (!hasCorpus) return t.skip('corpus not present (../shared/corpus)');
    const r = benchMatch(10_000);
    assert.equal(r.assets, 10_000);
    assert.ok(r.advisories > 1000 && r.matches > 0);
    if (r.totalMs < 15_000) {
      console.log(
        `match bench: ${r.assets} assets x ${r.advisories} advisories (${r.products} products): index ${r.indexMs} ms, match ${r.matchMs} ms, total ${r.totalMs} ms, ${r.matches} matches (corpus load ${r.loadMs} ms)`,
      );
    }
  });
});
