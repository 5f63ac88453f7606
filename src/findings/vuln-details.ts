import type { Finding, FindingEvidence } from './model.js';

/** What `plantwarden vulns` shows of a vulnerability finding ('vuln.*' rule ids). */
export interface VulnDetails {
  /** Advisory ids (references of kind 'advisory'). */
  advisories: string[];
  /** CVE ids (references of kind 'cve'). */
  cves: string[];
  /** CVEs in CISA KEV (references of kind 'kev'). */
  kev: string[];
  cvss: number | null;
  confidence: 'exact' | 'model' | 'family' | null;
  fixedVersion: string | null;
}

/**
 * The evidence line a vulnerability check writes, in the fixed phrasing `vulnDetails` reads back:
 * "<reason>; confidence <exact|model|family>; CVSS <score>; fixed version <v>" (parts omitted
 * when unknown), source 'csaf <advisory id>'.
 */
export function vulnEvidence(m: {
  advisoryId: string;
  reason: string;
  confidence: 'exact' | 'model' | 'family';
  cvssScore: number | null;
  fixedVersion: string | null;
}): FindingEvidence {
  const parts = [m.reason, `confidence ${m.confidence}`];
  if (m.cvssScore !== null && Number.isFinite(m.cvssScore)) parts.push(`CVSS ${m.cvssScore.toFixed(1)}`);
  if (m.fixedVersion) parts.push(`fixed version ${m.fixedVersion}`);
  return { text: parts.join('; '), source: `csaf ${m.advisoryId}` };
}

const CVSS = /\bCVSS(?:\s*v\d(?:\.\d)?)?(?:\s+base)?(?:\s+score)?\s*[:=]?\s*(\d{1,2}(?:\.\d+)?)\b/i;
const CONFIDENCE = /\bconfidence\s*[:=]?\s*(exact|model|family)\b|\b(exact|model|family)[- ](?:match|confidence)\b/i;
const FIXED = /\bfixed(?: in| version)(?:\s*[:=])?\s+(?:version\s+)?(V?\d[\w.-]*\w)/i;
const UPDATE_TO = /\b(?:update|upgrade) to (?:firmware |version )*(V?\d[\w.-]*\w)/i;
const OR_LATER = /\bversion (V?\d[\w.-]*\w) or later\b/i;
/** How checks/vulnerabilities.ts words its confidence in the description, when no evidence says it. */
const CONFIDENCE_PROSE: [RegExp, 'exact' | 'model' | 'family'][] = [
  [/\bmodel and the firmware version match\b/i, 'exact'],
  [/\bmodel matches an affected product\b/i, 'model'],
  [/\bonly the vendor and product family match\b/i, 'family'],
];

/**
 * Read the advisory details back from a vulnerability finding: ids from its references, the rest
 * from its evidence (the `vulnEvidence` phrasing, or close variants) and description (the
 * wording of checks/vulnerabilities.ts), then its remediation ("Update to V2.9.4 or later",
 * "... version 2.9.4 or later") for the fixed version.
 */
export function vulnDetails(f: Finding): VulnDetails {
  const ids = (kind: string) => [...new Set(f.references.filter((r) => r.kind === kind).map((r) => r.id))];
  const texts = [...f.evidence.map((e) => e.text), f.description];
  let cvss: number | null = null;
  let confidence: VulnDetails['confidence'] = null;
  let fixedVersion: string | null = null;
  for (const t of texts) {
    if (typeof t !== 'string') continue;
    if (cvss === null) {
      const m = CVSS.exec(t);
      const n = m ? Number(m[1]) : Number.NaN;
      if (n >= 0 && n <= 10) cvss = n;
    }
    if (confidence === null) {
      const m = CONFIDENCE.exec(t);
      if (m) confidence = (m[1] ?? m[2] ?? '').toLowerCase() as VulnDetails['confidence'];
    }
    if (fixedVersion === null) fixedVersion = FIXED.exec(t)?.[1] ?? null;
  }
  if (confidence === null) confidence = CONFIDENCE_PROSE.find(([re]) => re.test(f.description))?.[1] ?? null;
  if (fixedVersion === null)
    fixedVersion = (UPDATE_TO.exec(f.remediation) ?? OR_LATER.exec(f.remediation))?.[1] ?? null;
  return { advisories: ids('advisory'), cves: ids('cve'), kev: ids('kev'), cvss, confidence, fixedVersion };
}
