import type { Severity } from '../findings/model.js';

/**
 * An alert: detections of one rule with one aggregation key, folded together (one alert with a
 * count and first/last seen, not thousands). Times are packet times (µs).
 */
export interface Alert {
  /** sha256(ruleId + '\0' + key), hex, first 20 characters: stable across analyses. */
  id: string;
  ruleId: string;
  revision: number;
  key: string;
  severity: Severity;
  title: string;
  remediation: string;
  attack: string[];
  /** Asset keys involved (resolved from the detections' hosts; unresolved hosts stay as IPs). */
  assets: string[];
  count: number;
  firstSeenUs: number;
  lastSeenUs: number;
  /** The most recent evidence lines (at most 10), newest last. */
  evidence: string[];
  protocol: string | null;
  status: 'open' | 'acknowledged' | 'closed';
  /** Id of the suppression that matched (the alert is kept, counted, but not forwarded), or null. */
  suppressedBy: string | null;
}

/** Suppress a rule (or all rules) for some assets (or all) until a date, with a reason. */
export interface Suppression {
  id: string;
  /** null = every rule. */
  ruleId: string | null;
  /** Asset keys or IPs; empty = every asset. */
  assets: string[];
  reason: string;
  /** ISO date-time after which the suppression no longer applies. */
  until: string;
  createdAt: string;
}
