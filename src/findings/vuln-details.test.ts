import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from './model.js';
import { vulnDetails, vulnEvidence } from './vuln-details.js';

function vuln(p: Partial<Finding>): Finding {
  return {
    ruleId: 'vuln.advisory-match',
    ruleRevision: 1,
    scope: 's',
    severity: 'high',
    title: 't',
    description: '',
    remediation: '',
    assetKeys: ['ip:10.0.0.5'],
    evidence: [],
    references: [
      { kind: 'advisory', id: 'ICSA-22-132-05' },
      { kind: 'cve', id: 'CVE-2022-1' },
      { kind: 'cve', id: 'CVE-2022-2' },
      { kind: 'kev', id: 'CVE-2022-2' },
      { kind: 'nist-csf', id: 'ID.RA-01' },
    ],
    score: 8,
    id: 'x',
    status: 'open',
    statusReason: null,
    statusUntil: null,
    firstFoundAt: '',
    lastFoundAt: '',
    resolvedAt: null,
    ...p,
  };
}

test('vulnEvidence round-trips through vulnDetails', () => {
  const e = vulnEvidence({
    advisoryId: 'ICSA-22-132-05',
    reason: "firmware V2.8.3 is in 'vers:intdot/<2.9.4'",
    confidence: 'model',
    cvssScore: 9.8,
    fixedVersion: 'V2.9.4',
  });
  assert.equal(e.source, 'csaf ICSA-22-132-05');
  assert.deepEqual(vulnDetails(vuln({ evidence: [e] })), {
    advisories: ['ICSA-22-132-05'],
    cves: ['CVE-2022-1', 'CVE-2022-2'],
    kev: ['CVE-2022-2'],
    cvss: 9.8,
    confidence: 'model',
    fixedVersion: 'V2.9.4',
  });
});

test('the wording of the vulnerability check is read too', () => {
  const d = vulnDetails(
    vuln({
      description:
        'Siemens SIMATIC. The model and the firmware version match an affected product and version. CVSS base score 8.1. Match: x.',
      remediation:
        'Update controller PLC-1 (10.0.0.5) to SIMATIC S7-1500 version 2.9.4 or later (it runs V2.8.3), in a window.',
    }),
  );
  assert.deepEqual([d.cvss, d.confidence, d.fixedVersion], [8.1, 'exact', '2.9.4']);
  const m = vulnDetails(
    vuln({ description: 'The model matches an affected product; the firmware version is unknown' }),
  );
  assert.equal(m.confidence, 'model');
  const none = vulnDetails(vuln({ references: [], description: 'CVSS 11 is not a score' }));
  assert.deepEqual(none, { advisories: [], cves: [], kev: [], cvss: null, confidence: null, fixedVersion: null });
});
