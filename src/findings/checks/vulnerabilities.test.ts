import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Advisory, KevEntry } from '../../feeds/model.js';
import type { VulnMatch } from '../../vuln/match.js';
import { asset, context } from './testkit.js';
import { cvssSeverity, vulnerabilityCheck } from './vulnerabilities.js';

const plc = asset('ip:10.0.0.5', {
  role: 'plc',
  facts: [
    ['vendor', 'Siemens'],
    ['order_number', '6ES7 315-2EH14-0AB0'],
    ['firmware', 'V3.2.8', 's7comm'],
  ],
});

function advisory(over: Partial<Advisory> = {}): Advisory {
  return {
    id: 'ICSA-22-132-05',
    title: 'Siemens SIMATIC S7-300 CPUs denial of service',
    publisher: 'CISA',
    published: '2022-05-12',
    updated: null,
    cves: ['CVE-2022-0001', 'CVE-2022-0002', 'CVE-2022-0003'],
    cvssScore: 7.5,
    cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    cwes: ['CWE-20'],
    remediations: [
      {
        category: 'vendor_fix',
        text: 'Update to V3.3.0 or later version',
        productIds: ['CSAFPID-1'],
        url: 'https://example.test/fix',
      },
      { category: 'mitigation', text: 'Restrict access to port 102/tcp', productIds: ['CSAFPID-1'], url: null },
    ],
    products: [],
    url: 'https://www.cisa.gov/news-events/ics-advisories/icsa-22-132-05',
    ...over,
  };
}

function vm(over: Partial<VulnMatch> = {}): VulnMatch {
  return {
    assetKey: plc.key,
    advisoryId: 'ICSA-22-132-05',
    productId: 'CSAFPID-1',
    vendor: 'Siemens',
    product: 'SIMATIC S7-300 CPU 315-2 PN/DP',
    cves: ['CVE-2022-0001', 'CVE-2022-0002', 'CVE-2022-0003'],
    kev: [],
    cvssScore: 7.5,
    confidence: 'exact',
    reason: 'order number 6ES7 315-2EH14-0AB0, firmware V3.2.8 < V3.3.0',
    assetVersion: 'V3.2.8',
    fixedVersion: 'V3.3.0',
    ...over,
  };
}

const kevEntry: KevEntry = {
  cve: 'CVE-2022-0002',
  vendor: 'Siemens',
  product: 'S7-300',
  name: 'Siemens S7-300 DoS',
  dateAdded: '2022-06-01',
  dueDate: null,
  knownRansomware: false,
  requiredAction: 'Apply updates',
};

describe('vuln.advisory-match', () => {
  it('one finding per (asset, advisory), severity from CVSS, fixed version in the remediation', () => {
    const check = vulnerabilityCheck(() => [
      vm(),
      vm({ productId: 'CSAFPID-2', confidence: 'model', cves: ['CVE-2022-0004'] }),
    ]);
    const f = check.run(context({ assets: [plc], advisories: [advisory()] }));
    assert.equal(f.length, 1);
    const x = f[0];
    assert.ok(x);
    assert.equal(x.ruleId, 'vuln.advisory-match');
    assert.equal(x.scope, `${plc.key}|ICSA-22-132-05`);
    assert.equal(x.severity, 'high');
    assert.equal(x.score, 7.5);
    assert.match(
      x.title,
      /^Controller \(10\.0\.0\.5, Siemens 6ES7 315-2EH14-0AB0\) is affected by ICSA-22-132-05 \(CVE-2022-0001, CVE-2022-0002, 2 more\)/,
    );
    assert.match(x.remediation, /version V3\.3\.0 or later \(it runs V3\.2\.8\)/);
    assert.match(x.remediation, /Vendor fix: Update to V3\.3\.0/);
    const kinds = x.references.map((r) => `${r.kind}:${r.id}`);
    for (const k of ['advisory:ICSA-22-132-05', 'cve:CVE-2022-0004', 'cwe:CWE-20', 'nist-csf:ID.RA-01'])
      assert.ok(kinds.includes(k), k);
    assert.ok(!kinds.some((k) => k.startsWith('kev:')));
  });

  it('KEV raises the severity one level and adds kev references', () => {
    const check = vulnerabilityCheck(() => [vm({ cvssScore: 9.8 }), vm({ assetKey: 'ip:10.0.0.6', cvssScore: 7.5 })]);
    const f = check.run(
      context({
        assets: [plc, asset('ip:10.0.0.6')],
        advisories: [advisory()],
        kev: new Map([[kevEntry.cve, kevEntry]]),
      }),
    );
    assert.deepEqual(f.map((x) => x.severity).sort(), ['critical', 'critical']);
    assert.ok(f[0]?.references.some((r) => r.kind === 'kev' && r.id === 'CVE-2022-0002'));
    assert.match(f[0]?.title ?? '', /exploited in the wild/);
  });

  it('family matches are info only; mitigations when no fix is named', () => {
    const check = vulnerabilityCheck(() => [vm({ confidence: 'family', fixedVersion: null })]);
    const adv = advisory({
      remediations: [{ category: 'mitigation', text: 'Block 102/tcp', productIds: [], url: null }],
    });
    const [x] = check.run(context({ assets: [plc], advisories: [adv] }));
    assert.equal(x?.severity, 'info');
    assert.equal(x?.score, 0);
    assert.match(x?.remediation ?? '', /Until a fix is installed: Block 102\/tcp/);
  });

  it('no advisories or no matches: nothing', () => {
    let called = 0;
    const check = vulnerabilityCheck(() => {
      called++;
      return [];
    });
    assert.deepEqual(check.run(context({ assets: [plc] })), []);
    assert.deepEqual(check.run(context({ assets: [plc], advisories: [advisory()] })), []);
    assert.equal(called, 1);
  });

  it('works with the real matcher on an order number and firmware in range', () => {
    const adv = advisory({
      cves: ['CVE-2022-0001'],
      products: [
        {
          productId: 'CSAFPID-1',
          vendor: 'Siemens',
          product: 'SIMATIC S7-300 CPU 315-2 PN/DP',
          models: ['6ES7315-2EH14-0AB0'],
          affected: [{ kind: 'range', upper: 'V3.2.17', raw: 'vers:intdot/<3.2.17' }],
          fixedVersion: 'V3.2.17',
          cpe: null,
          status: 'known_affected',
        },
      ],
    });
    const [x, ...rest] = vulnerabilityCheck().run(context({ assets: [plc], advisories: [adv] }));
    assert.equal(rest.length, 0);
    assert.equal(x?.severity, 'high');
    assert.match(x?.remediation ?? '', /version V3\.2\.17 or later \(it runs V3\.2\.8\)/);
    const fixed = asset('ip:10.0.0.7', {
      role: 'plc',
      facts: [
        ['vendor', 'Siemens'],
        ['order_number', '6ES7 315-2EH14-0AB0'],
        ['firmware', 'V3.2.17'],
      ],
    });
    assert.deepEqual(vulnerabilityCheck().run(context({ assets: [fixed], advisories: [adv] })), []);
  });

  it('maps CVSS to severity', () => {
    assert.deepEqual([9, 8.9, 7, 6.9, 4, 3.9, 0, null].map(cvssSeverity), [
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
      'medium',
    ]);
  });
});
