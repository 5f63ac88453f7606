import type { FindingReference } from './model.js';

/**
 * The frameworks a finding bears on, as data shipped with the product (nothing is read at run
 * time). Every id below exists in the official lists (checked by references.test.ts against
 * ../shared/corpus/frameworks): NIST CSF 2.0 subcategories with their statement as title (from the
 * NIST OSCAL catalog, withdrawn 1.1 ids excluded), IEC 62443-3-3:2013 system requirements with
 * their short names, and the five UK Cyber Essentials technical controls (v3.2), whose names are
 * their ids (NCSC publishes no numbering; the titles here are our summaries).
 */

/** NIST CSF 2.0 subcategories used by the findings: id -> statement. */
export const NIST_CSF: Readonly<Record<string, string>> = {
  'ID.AM-01': 'Inventories of hardware managed by the organization are maintained',
  'ID.AM-02': 'Inventories of software, services, and systems managed by the organization are maintained',
  'ID.AM-03':
    "Representations of the organization's authorized network communication and internal and external network data flows are maintained",
  'ID.AM-08': 'Systems, hardware, software, services, and data are managed throughout their life cycles',
  'ID.RA-01': 'Vulnerabilities in assets are identified, validated, and recorded',
  'ID.RA-02': 'Cyber threat intelligence is received from information sharing forums and sources',
  'PR.AA-01': 'Identities and credentials for authorized users, services, and hardware are managed by the organization',
  'PR.AA-03': 'Users, services, and hardware are authenticated',
  'PR.AA-04': 'Identity assertions are protected, conveyed, and verified',
  'PR.AA-05':
    'Access permissions, entitlements, and authorizations are defined in a policy, managed, enforced, and reviewed, and incorporate the principles of least privilege and separation of duties',
  'PR.DS-02': 'The confidentiality, integrity, and availability of data-in-transit are protected',
  'PR.PS-01': 'Configuration management practices are established and applied',
  'PR.PS-02': 'Software is maintained, replaced, and removed commensurate with risk',
  'PR.IR-01': 'Networks and environments are protected from unauthorized logical access and usage',
  'DE.CM-01': 'Networks and network services are monitored to find potentially adverse events',
};

/** IEC 62443-3-3:2013 system requirements used by the findings: id -> short name. */
export const IEC_62443_3_3: Readonly<Record<string, string>> = {
  'SR 1.1': 'Human user identification and authentication',
  'SR 1.2': 'Software process and device identification and authentication',
  'SR 1.5': 'Authenticator management',
  'SR 1.7': 'Strength of password-based authentication',
  'SR 1.8': 'Public key infrastructure (PKI) certificates',
  'SR 1.9': 'Strength of public key authentication',
  'SR 1.13': 'Access via untrusted networks',
  'SR 2.6': 'Remote session termination',
  'SR 3.1': 'Communication integrity',
  'SR 4.1': 'Information confidentiality',
  'SR 4.3': 'Use of cryptography',
  'SR 5.1': 'Network segmentation',
  'SR 5.2': 'Zone boundary protection',
  'SR 6.2': 'Continuous monitoring',
  'SR 7.6': 'Network and security configuration settings',
  'SR 7.7': 'Least functionality',
  'SR 7.8': 'Control system component inventory',
};

/** UK Cyber Essentials technical controls (v3.2): name -> what it asks, in short. */
export const CYBER_ESSENTIALS: Readonly<Record<string, string>> = {
  Firewalls: 'Firewalls at the boundary and on devices block unauthenticated inbound connections by default',
  'Secure configuration': 'Default passwords changed; unnecessary accounts, software and services removed or disabled',
  'Security update management': 'Software supported and updated; critical and high-risk updates applied within 14 days',
  'User access control': 'Accounts unique, authenticated, limited to need; strong passwords or MFA',
  'Malware protection': 'Anti-malware or application allow-listing on in-scope devices',
};

/** The finding families the checks report, each mapped once to the frameworks. */
export type FindingFamily =
  | 'asset-inventory'
  | 'unknown-device'
  | 'inventory-mismatch'
  | 'firmware-mismatch'
  | 'cleartext-credentials'
  | 'default-credentials'
  | 'password-reuse'
  | 'cleartext-protocol'
  | 'insecure-industrial-protocol'
  | 'weak-tls'
  | 'certificate'
  | 'cleartext-share'
  | 'internet-exposure'
  | 'internet-names'
  | 'remote-access'
  | 'vulnerability'
  | 'known-exploited'
  | 'protocol-anomaly';

interface FamilyMapping {
  nist: readonly string[];
  iec: readonly string[];
  ce: readonly string[];
}

/**
 * Family -> framework ids, most specific first. The reasoning follows the informative references
 * of NIST CSF and the IEC SRs cited by MITRE ATT&CK for ICS mitigations (Password Policies ->
 * SR 1.5, Encrypt Network Traffic -> SR 4.1, Communication Authenticity -> SR 3.1, Network
 * Segmentation -> SR 5.1, Disable or Remove Feature -> SR 7.7). IEC 62443-3-3 has no requirement
 * for patching (that is IEC 62443-2-3), so vulnerability families cite none rather than a
 * far-fetched one.
 */
export const FAMILY_REFERENCES: Readonly<Record<FindingFamily, FamilyMapping>> = {
  'asset-inventory': { nist: ['ID.AM-01', 'ID.AM-02'], iec: ['SR 7.8'], ce: [] },
  'unknown-device': { nist: ['ID.AM-01', 'DE.CM-01'], iec: ['SR 7.8'], ce: [] },
  'inventory-mismatch': { nist: ['ID.AM-01', 'ID.AM-08'], iec: ['SR 7.8'], ce: [] },
  'firmware-mismatch': { nist: ['ID.AM-01', 'PR.PS-02'], iec: ['SR 7.8'], ce: ['Security update management'] },
  'cleartext-credentials': { nist: ['PR.AA-01', 'PR.DS-02'], iec: ['SR 1.5', 'SR 4.1'], ce: ['User access control'] },
  'default-credentials': {
    nist: ['PR.AA-01', 'PR.AA-03'],
    iec: ['SR 1.5', 'SR 1.7'],
    ce: ['Secure configuration', 'User access control'],
  },
  'password-reuse': { nist: ['PR.AA-01'], iec: ['SR 1.5', 'SR 1.7'], ce: ['User access control'] },
  'cleartext-protocol': {
    nist: ['PR.DS-02', 'PR.PS-01'],
    iec: ['SR 4.1', 'SR 7.7', 'SR 7.6'],
    ce: ['Secure configuration'],
  },
  'insecure-industrial-protocol': {
    nist: ['PR.DS-02', 'PR.AA-03'],
    iec: ['SR 3.1', 'SR 4.1', 'SR 1.2'],
    ce: ['Secure configuration'],
  },
  'weak-tls': { nist: ['PR.DS-02'], iec: ['SR 4.3', 'SR 3.1'], ce: ['Secure configuration'] },
  certificate: { nist: ['PR.AA-04', 'PR.DS-02'], iec: ['SR 1.8', 'SR 1.9'], ce: ['Secure configuration'] },
  'cleartext-share': { nist: ['PR.DS-02', 'DE.CM-01'], iec: ['SR 4.1'], ce: [] },
  'internet-exposure': { nist: ['PR.IR-01', 'ID.AM-03'], iec: ['SR 5.1', 'SR 5.2', 'SR 1.13'], ce: ['Firewalls'] },
  'internet-names': { nist: ['PR.IR-01', 'DE.CM-01'], iec: ['SR 5.1', 'SR 5.2'], ce: ['Firewalls'] },
  'remote-access': {
    nist: ['PR.AA-05', 'PR.IR-01'],
    iec: ['SR 1.13', 'SR 2.6', 'SR 5.2'],
    ce: ['Firewalls', 'User access control'],
  },
  vulnerability: { nist: ['ID.RA-01', 'PR.PS-02'], iec: [], ce: ['Security update management'] },
  'known-exploited': { nist: ['ID.RA-01', 'ID.RA-02', 'PR.PS-02'], iec: [], ce: ['Security update management'] },
  'protocol-anomaly': { nist: ['DE.CM-01'], iec: ['SR 6.2'], ce: [] },
};

/** Is this a family name `refs` knows? */
export function isFindingFamily(s: string): s is FindingFamily {
  return Object.hasOwn(FAMILY_REFERENCES, s);
}

/**
 * The framework references of a finding family, with titles, in the order NIST CSF, IEC 62443-3-3,
 * Cyber Essentials; `extra` (CVEs, advisories...) come first.
 * `refs('cleartext-credentials')` -> PR.AA-01, PR.DS-02, SR 1.5, SR 4.1, User access control.
 */
export function refs(family: FindingFamily, ...extra: FindingReference[]): FindingReference[] {
  const m = FAMILY_REFERENCES[family];
  if (m === undefined) throw new Error(`unknown finding family '${String(family)}'`);
  return [
    ...extra,
    ...m.nist.map((id): FindingReference => ({ kind: 'nist-csf', id, title: NIST_CSF[id] as string })),
    ...m.iec.map((id): FindingReference => ({ kind: 'iec62443', id, title: IEC_62443_3_3[id] as string })),
    ...m.ce.map((id): FindingReference => ({ kind: 'cyber-essentials', id, title: CYBER_ESSENTIALS[id] as string })),
  ];
}

export function cveRef(cve: string): FindingReference {
  return { kind: 'cve', id: cve };
}

export function advisoryRef(id: string, title?: string): FindingReference {
  return title === undefined ? { kind: 'advisory', id } : { kind: 'advisory', id, title };
}

/** A CVE listed in CISA's Known Exploited Vulnerabilities catalog. */
export function kevRef(cve: string, title?: string): FindingReference {
  return title === undefined ? { kind: 'kev', id: cve } : { kind: 'kev', id: cve, title };
}

export function cweRef(cwe: string): FindingReference {
  return { kind: 'cwe', id: cwe };
}

export function urlRef(url: string, title?: string): FindingReference {
  return title === undefined ? { kind: 'url', id: url } : { kind: 'url', id: url, title };
}
