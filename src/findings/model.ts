/**
 * Findings: the things a plant must fix, each with its evidence, a remediation a plant engineer
 * can act on, and references to the frameworks it bears on. Produced by checks (pure functions
 * over the inventory and the feeds), reconciled with the stored findings by the engine: a
 * finding found again is updated, not duplicated; one no longer found is resolved.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type FindingStatus = 'open' | 'acknowledged' | 'resolved' | 'accepted';

export interface FindingEvidence {
  /** What was seen, in plain words ("telnet login 'admin' to 10.20.0.11, in the clear"). */
  text: string;
  protocol?: string;
  /** Protocol field or data source ('ftp.USER/PASS', 'csaf ICSA-22-132-05', 'plant inventory row 12'). */
  source?: string;
  firstSeenUs?: number;
  lastSeenUs?: number;
  count?: number;
}

export interface FindingReference {
  kind: 'cve' | 'advisory' | 'kev' | 'cwe' | 'nist-csf' | 'iec62443' | 'cyber-essentials' | 'url';
  /** 'CVE-2022-1234', 'ICSA-22-132-05', 'PR.AA-01', 'SR 1.5', 'User access control'. */
  id: string;
  title?: string;
}

/** What a check returns: a finding without its stored lifecycle. */
export interface FindingDraft {
  ruleId: string;
  ruleRevision: number;
  /**
   * What makes this finding itself, stable across analyses (e.g. the asset key + CVE, or the
   * credential's client/server/user). The finding id is derived from (ruleId, scope).
   */
  scope: string;
  severity: Severity;
  /** A title a plant manager understands ("Telnet login in the clear to switch 10.20.0.11"). */
  title: string;
  /** Why it matters, two or three sentences. */
  description: string;
  /** What to do, in plain words, specific to the asset where possible. */
  remediation: string;
  assetKeys: string[];
  evidence: FindingEvidence[];
  references: FindingReference[];
  /** 0-10, how much this finding adds to its assets' risk (severity, exploitability, exposure). */
  score: number;
}

export interface Finding extends FindingDraft {
  /** sha256(ruleId + '\0' + scope), hex, first 20 characters. */
  id: string;
  status: FindingStatus;
  /** Why it was acknowledged/accepted, and until when an accepted risk stands (ISO date). */
  statusReason: string | null;
  statusUntil: string | null;
  /** Wall-clock times of the runs that first/last produced it, and when it was resolved. */
  firstFoundAt: string;
  lastFoundAt: string;
  resolvedAt: string | null;
}
