import { createHash } from 'node:crypto';
import type { Check, CheckContext } from './check.js';
import { type Finding, type FindingDraft, SEVERITIES, type Severity } from './model.js';

/** A check that could not run (threw, or returned something that is not a list of valid drafts). */
export interface CheckError {
  checkId: string;
  message: string;
}

/** What one reconciliation did. `findings` is every finding, stored and new, in display order. */
export interface RunResult {
  findings: Finding[];
  /** New findings (never seen before). */
  opened: number;
  /** Findings found again (open, acknowledged or accepted), content refreshed. */
  updated: number;
  /** Open or acknowledged findings no longer produced. */
  resolved: number;
  /** Resolved findings produced again (back to open). */
  reopened: number;
  /** Accepted risks whose `statusUntil` has passed (back to open). */
  expired: number;
  /** Checks that failed; their stored findings were left exactly as they were. */
  errors: CheckError[];
}

/** A finding's stable id: sha256(ruleId + '\0' + scope), hex, first 20 characters. */
export function findingId(ruleId: string, scope: string): string {
  return createHash('sha256').update(`${ruleId}\0${scope}`).digest('hex').slice(0, 20);
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** 0 (critical) .. 4 (info); unknown text sorts last. */
export function severityRank(s: string): number {
  return SEVERITY_RANK[s as Severity] ?? SEVERITIES.length;
}

/** Display order: severity (critical first), score descending, id. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) || b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * Has an accepted risk's expiry passed at `now`? A date ('2026-03-31') stands through the end of
 * that day (UTC); a full timestamp until that instant. An unreadable or missing date never expires.
 */
export function acceptanceExpired(until: string | null, now: string): boolean {
  if (until === null) return false;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(until);
  const end = Date.parse(dateOnly ? `${until}T00:00:00Z` : until) + (dateOnly ? 86_400_000 : 0);
  const at = Date.parse(now);
  return Number.isFinite(end) && Number.isFinite(at) && at >= end;
}

/**
 * Run the checks and reconcile their drafts with the stored findings (`previous`), at wall-clock
 * `now` (ISO):
 * - a draft whose id is new opens a finding (status open, firstFoundAt = lastFoundAt = now);
 * - a draft whose id exists refreshes its content and lastFoundAt; acknowledged stays acknowledged,
 *   accepted stays accepted until `statusUntil` has passed (then open), resolved is reopened;
 * - an open or acknowledged finding not produced again is resolved (resolvedAt = now);
 * - a check that throws or returns an invalid draft is reported in `errors` and its stored
 *   findings are left untouched; the other checks run.
 *
 * Which check owns a stored finding: the check that produced its rule id in this run, or the
 * check whose id equals the rule id or prefixes it followed by '.' ('vuln' owns
 * 'vuln.advisory-match'). When every check ran, findings of rule ids nobody produces any more
 * (condition gone, or check removed) are resolved; when one failed, only findings a successful
 * check owns are.
 */
export function runChecks(
  checks: readonly Check[],
  ctx: CheckContext,
  previous: readonly Finding[],
  now: string,
): RunResult {
  const errors: CheckError[] = [];
  const drafts = new Map<string, FindingDraft>();
  const producedRules = new Set<string>();
  const okChecks: string[] = [];
  const failedChecks: string[] = [];

  for (const check of checks) {
    const checkId = String(check.id);
    let out: unknown;
    try {
      out = check.run(ctx);
    } catch (e) {
      errors.push({ checkId, message: errorLine(e) });
      failedChecks.push(checkId);
      continue;
    }
    const valid = validateDrafts(out);
    if (typeof valid === 'string') {
      errors.push({ checkId, message: valid });
      failedChecks.push(checkId);
      continue;
    }
    okChecks.push(checkId);
    for (const d of valid) {
      producedRules.add(d.ruleId);
      const id = findingId(d.ruleId, d.scope);
      // Two drafts of one finding (same rule and scope): the first is kept, deterministically.
      if (!drafts.has(id)) drafts.set(id, d);
    }
  }

  const owns = (checkId: string, ruleId: string) => ruleId === checkId || ruleId.startsWith(`${checkId}.`);
  const resolvable = (ruleId: string): boolean => {
    if (failedChecks.length === 0) return true;
    if (failedChecks.some((c) => owns(c, ruleId))) return false;
    return producedRules.has(ruleId) || okChecks.some((c) => owns(c, ruleId));
  };

  const result: RunResult = { findings: [], opened: 0, updated: 0, resolved: 0, reopened: 0, expired: 0, errors };
  const seen = new Set<string>();
  for (const old of previous) {
    if (seen.has(old.id)) continue;
    seen.add(old.id);
    const draft = drafts.get(old.id);
    let status = old.status;
    let statusReason = old.statusReason;
    let statusUntil = old.statusUntil;
    if (status === 'accepted' && acceptanceExpired(statusUntil, now)) {
      status = 'open';
      statusReason = `accepted risk expired ${statusUntil}${statusReason ? ` (was: ${statusReason})` : ''}`;
      statusUntil = null;
      result.expired++;
    }
    if (draft !== undefined) {
      let resolvedAt = old.resolvedAt;
      if (status === 'resolved') {
        status = 'open';
        statusReason = null;
        statusUntil = null;
        resolvedAt = null;
        result.reopened++;
      } else result.updated++;
      result.findings.push({
        ...copyDraft(draft),
        id: old.id,
        status,
        statusReason,
        statusUntil,
        firstFoundAt: old.firstFoundAt,
        lastFoundAt: now,
        resolvedAt,
      });
    } else if ((status === 'open' || status === 'acknowledged') && resolvable(old.ruleId)) {
      result.resolved++;
      result.findings.push({ ...old, status: 'resolved', statusReason, statusUntil, resolvedAt: now });
    } else {
      result.findings.push({ ...old, status, statusReason, statusUntil });
    }
  }
  for (const [id, draft] of drafts) {
    if (seen.has(id)) continue;
    result.opened++;
    result.findings.push({
      ...copyDraft(draft),
      id,
      status: 'open',
      statusReason: null,
      statusUntil: null,
      firstFoundAt: now,
      lastFoundAt: now,
      resolvedAt: null,
    });
  }
  result.findings.sort(compareFindings);
  return result;
}

function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message || e.name : String(e);
  return (msg.split('\n')[0] ?? '').slice(0, 500) || 'failed';
}

/** Only the draft's own fields (a check may hand back richer objects), with fresh arrays. */
function copyDraft(d: FindingDraft): FindingDraft {
  return {
    ruleId: d.ruleId,
    ruleRevision: d.ruleRevision,
    scope: d.scope,
    severity: d.severity,
    title: d.title,
    description: d.description,
    remediation: d.remediation,
    assetKeys: [...new Set(d.assetKeys)],
    evidence: d.evidence.map((e) => ({ ...e })),
    references: d.references.map((r) => ({ ...r })),
    score: Math.round(Math.min(10, Math.max(0, d.score)) * 100) / 100,
  };
}

const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * The drafts a check returned, or why they cannot be used ("draft 3 (rule x): ..."). Checks are
 * our code, but one with a bug must not resolve findings it merely failed to produce.
 */
export function validateDrafts(out: unknown): FindingDraft[] | string {
  if (!Array.isArray(out)) return 'returned something other than a list of findings';
  for (let i = 0; i < out.length; i++) {
    const d = out[i] as Partial<FindingDraft> | null;
    const where = `draft ${i}${d && isStr(d.ruleId) ? ` (rule ${d.ruleId})` : ''}`;
    if (d === null || typeof d !== 'object') return `${where}: not an object`;
    if (!isStr(d.ruleId) || d.ruleId === '') return `${where}: no ruleId`;
    // The id hashes ruleId NUL scope: a NUL in the rule id would make two findings share an id.
    if (d.ruleId.includes('\0')) return `${where}: ruleId contains NUL`;
    if (!isStr(d.scope)) return `${where}: no scope`;
    if (!isStr(d.severity) || !(SEVERITIES as readonly string[]).includes(d.severity)) {
      return `${where}: severity '${String(d.severity)}' is not one of ${SEVERITIES.join(', ')}`;
    }
    if (typeof d.score !== 'number' || !Number.isFinite(d.score)) return `${where}: score is not a number`;
    if (typeof d.ruleRevision !== 'number' || !Number.isInteger(d.ruleRevision)) return `${where}: no ruleRevision`;
    if (!isStr(d.title) || !isStr(d.description) || !isStr(d.remediation)) {
      return `${where}: title, description and remediation must be text`;
    }
    if (!Array.isArray(d.assetKeys) || !d.assetKeys.every(isStr)) return `${where}: assetKeys must be a list of keys`;
    if (!Array.isArray(d.evidence) || !d.evidence.every((e) => e !== null && typeof e === 'object' && isStr(e.text))) {
      return `${where}: evidence must be a list of { text, ... }`;
    }
    if (
      !Array.isArray(d.references) ||
      !d.references.every((r) => r !== null && typeof r === 'object' && isStr(r.kind) && isStr(r.id))
    ) {
      return `${where}: references must be a list of { kind, id }`;
    }
  }
  return out as FindingDraft[];
}
