/**
 * Feeds a plant imports offline (CSAF 2.0 advisories, CISA KEV, default-credential lists), as
 * the importers produce them and the store keeps them. Nothing here is fetched at run time.
 */

/** One imported file (or archive member), for `plantwarden feeds` and evidence. */
export interface FeedSource {
  /** sha256 of the file's bytes: importing the same file twice is a no-op. */
  id: string;
  kind: 'csaf' | 'kev' | 'default-credentials';
  /** Path as given by the user (or path inside the archive). */
  path: string;
  importedAt: string;
  /** Publisher-side date of the document (CSAF current_release_date, KEV dateReleased), ISO. */
  documentDate: string | null;
  records: number;
}

/** A version constraint in normalised form (see src/vuln/versions.ts for the comparison rules). */
export interface VersionRange {
  /** 'all' = every version; 'eq' one version; 'range' with optional bounds. */
  kind: 'all' | 'eq' | 'range';
  version?: string;
  /** Lower bound (inclusive unless `lowerExclusive`). */
  lower?: string;
  lowerExclusive?: boolean;
  /** Upper bound (exclusive unless `upperInclusive`). */
  upper?: string;
  upperInclusive?: boolean;
  /** The text it was read from ("vers:intdot/<2.9.4", "prior to V2.9.4", "<= 4.1", "All versions"). */
  raw: string;
}

/** One affected (or fixed) product of an advisory, flattened from the CSAF product tree. */
export interface AdvisoryProduct {
  /** CSAF product_id within its advisory. */
  productId: string;
  vendor: string;
  /** Product family / name as the vendor writes it ("SIMATIC S7-1500 CPU family"). */
  product: string;
  /** Model or order numbers when the tree gives them (product_identification_helper: model numbers, SKUs, CPE). */
  models: string[];
  /** The affected versions; an empty list means the product name itself is the only key. */
  affected: VersionRange[];
  /** First fixed version when a vendor_fix remediation names one. */
  fixedVersion: string | null;
  cpe: string | null;
  status: 'known_affected' | 'fixed' | 'known_not_affected' | 'under_investigation';
}

export interface Advisory {
  /** CSAF document tracking id ("ICSA-22-132-05"). */
  id: string;
  title: string;
  publisher: string;
  published: string | null;
  updated: string | null;
  cves: string[];
  /** Highest CVSS base score and its vector (v3 preferred, else v4, else v2). */
  cvssScore: number | null;
  cvssVector: string | null;
  cwes: string[];
  /** Remediation texts by category (vendor_fix, mitigation, workaround, ...), short. */
  remediations: { category: string; text: string; productIds: string[]; url: string | null }[];
  products: AdvisoryProduct[];
  /** Link to the advisory (references of category self). */
  url: string | null;
}

export interface KevEntry {
  cve: string;
  vendor: string;
  product: string;
  name: string;
  dateAdded: string;
  dueDate: string | null;
  knownRansomware: boolean;
  requiredAction: string;
}

/**
 * A default credential from a public list. These are public knowledge, stored as published;
 * matching against observed credentials happens by fingerprint (the observed secret is never
 * stored, so the default's fingerprint is computed with the inventory key at match time).
 */
export interface DefaultCredential {
  vendor: string;
  product: string;
  user: string;
  password: string;
  /** Protocol or port as the list gives it ('http', 'telnet', '23', 'snmp'...), '' when not given. */
  protocol: string;
  /** Access type / notes ('web', 'console', 'ftp'...). */
  access: string;
  /** Which list it came from ('scadapass', 'iti-ics-default-passwords', 'defaultcreds-cheat-sheet', 'generic'). */
  list: string;
}
