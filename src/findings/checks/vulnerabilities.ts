/**
 * Known vulnerabilities: assets matched to CSAF advisory products (src/vuln/match.ts), one
 * finding per (asset, advisory). Severity follows the advisory's CVSS base score (critical >= 9,
 * high >= 7, medium >= 4, else low), one level up when a CVE is in CISA KEV. Matches on the
 * exact model and version, or on the model alone, open findings; vendor-family matches are
 * shown as info only (a plant drowned in false matches stops reading).
 */
import type { Advisory } from '../../feeds/model.js';
import type { AssetRecord } from '../../inventory/model.js';
import { matchAssets, type VulnMatch } from '../../vuln/match.js';
import type { Check, CheckContext } from '../check.js';
import type { FindingDraft, FindingEvidence, FindingReference, Severity } from '../model.js';
import { advisoryRef, cveRef, cweRef, kevRef, refs, urlRef } from '../references.js';
import { assetIndex, assetLabel, bump, capitalise, clampScore, clean } from './support.js';

/** Matches assets to advisories: `matchAssets` from src/vuln/match.ts, or a fake in tests. */
export type Matcher = (
  assets: readonly AssetRecord[],
  advisories: readonly Advisory[],
  kev: CheckContext['kev'],
) => readonly VulnMatch[];

const CONFIDENCE_RANK = { exact: 0, model: 1, family: 2 } as const;

/** CVSS base score to severity (CVSS v3 qualitative scale); an unscored advisory counts as medium. */
export function cvssSeverity(score: number | null): Severity {
  if (score === null || !Number.isFinite(score)) return 'medium';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

const MAX_CVE_REFS = 25;
const MAX_TEXT = 600;

function cut(s: string, max = MAX_TEXT): string {
  return clean(s, max);
}

/** The advisory's own words on how to fix this product: vendor fix first, else mitigations. */
function remediationFor(adv: Advisory | undefined, m: VulnMatch, label: string): string {
  const forProduct = (cat: string) =>
    (adv?.remediations ?? []).filter(
      (r) => r.category === cat && (r.productIds.length === 0 || r.productIds.includes(m.productId)),
    );
  const fixes = forProduct('vendor_fix');
  const fixed = m.fixedVersion ? clean(m.fixedVersion, 40) : null;
  const parts: string[] = [];
  if (fixed) {
    parts.push(
      `Update ${label} to ${clean(m.product, 80)} version ${fixed} or later` +
        `${m.assetVersion ? ` (it runs ${clean(m.assetVersion, 40)})` : ''}, in a maintenance window after testing.`,
    );
  }
  if (fixes.length > 0) {
    parts.push(`Vendor fix: ${cut(fixes[0]?.text ?? '', 400)}${fixes[0]?.url ? ` (${clean(fixes[0].url, 200)})` : ''}`);
  }
  if (parts.length === 0 || !fixed) {
    const mitigations = [...forProduct('mitigation'), ...forProduct('workaround')];
    if (mitigations.length > 0) {
      parts.push(
        `Until a fix is installed: ${mitigations
          .slice(0, 2)
          .map((r) => cut(r.text, 300))
          .join(' ')}`,
      );
    }
  }
  if (parts.length === 0) {
    parts.push(
      `No fix is named in ${m.advisoryId}: contact ${clean(m.vendor, 60)}, and meanwhile restrict network access to ${label} ` +
        'to the hosts that need it.',
    );
  }
  return parts.join(' ');
}

/**
 * The check, over a matcher (the real one by default; tests inject a fake).
 * Scope: asset key + advisory id.
 */
export function vulnerabilityCheck(match: Matcher = matchAssets): Check {
  const id = 'vuln.advisory-match';
  const revision = 1;
  return {
    id,
    revision,
    summary: 'Assets whose vendor, model and firmware match a known-vulnerable product of an advisory',
    run(ctx: CheckContext): FindingDraft[] {
      if (ctx.advisories.length === 0 || ctx.assets.length === 0) return [];
      const assets = assetIndex(ctx.assets);
      const advisories = new Map(ctx.advisories.map((a) => [a.id, a]));
      // Best match per (asset, advisory): several products of one advisory can match one asset.
      const best = new Map<string, { m: VulnMatch; cves: Set<string> }>();
      for (const m of match(ctx.assets, ctx.advisories, ctx.kev)) {
        const scope = `${m.assetKey}|${m.advisoryId}`;
        const cur = best.get(scope);
        if (!cur) best.set(scope, { m, cves: new Set([...m.cves, ...m.kev]) });
        else {
          for (const c of [...m.cves, ...m.kev]) cur.cves.add(c);
          if (CONFIDENCE_RANK[m.confidence] < CONFIDENCE_RANK[cur.m.confidence]) cur.m = m;
        }
      }
      const out: FindingDraft[] = [];
      for (const [scope, { m, cves: cveSet }] of best) {
        const adv = advisories.get(m.advisoryId);
        const asset = assets.get(m.assetKey);
        const cves = [...cveSet].sort();
        const kevCves = cves.filter((c) => ctx.kev.has(c) || m.kev.includes(c));
        const inKev = kevCves.length > 0;
        const score = m.cvssScore ?? adv?.cvssScore ?? null;
        let severity = cvssSeverity(score);
        if (inKev) severity = bump(severity);
        if (m.confidence === 'family') severity = 'info';
        const label = assetLabel(asset, m.assetKey);
        const cveText =
          cves.length === 0
            ? ''
            : ` (${cves.slice(0, 2).join(', ')}${cves.length > 2 ? `, ${cves.length - 2} more` : ''})`;
        const title =
          m.confidence === 'family'
            ? `${capitalise(label)} may be affected by ${m.advisoryId}${cveText}: same vendor family, model not confirmed`
            : `${capitalise(label)} is affected by ${m.advisoryId}${cveText}${inKev ? ', exploited in the wild' : ''}`;
        const sure =
          m.confidence === 'exact'
            ? 'The model and the firmware version match an affected product and version.'
            : m.confidence === 'model'
              ? 'The model matches an affected product; the firmware version is unknown or not comparable, so check it.'
              : 'Only the vendor and product family match; this is listed for review, not as a confirmed problem.';
        const description =
          `${clean(adv?.title ?? m.advisoryId, 200)}. ${sure} ` +
          `${score !== null ? `CVSS base score ${score}. ` : ''}` +
          (inKev
            ? `CISA lists ${kevCves.length > 0 ? kevCves.join(', ') : 'a CVE of it'} as known to be exploited in the wild. `
            : '') +
          `Match: ${clean(m.reason, 300)}.`;
        const references: FindingReference[] = [
          advisoryRef(m.advisoryId, adv ? clean(adv.title, 200) : undefined),
          ...cves.slice(0, MAX_CVE_REFS).map(cveRef),
          ...kevCves.map((c) => {
            const k = ctx.kev.get(c);
            return kevRef(c, k ? clean(k.name, 200) : undefined);
          }),
          ...(adv?.cwes ?? []).slice(0, 10).map(cweRef),
          ...(adv?.url ? [urlRef(adv.url, m.advisoryId)] : []),
        ];
        const evidence: FindingEvidence[] = [
          {
            text: `${clean(m.reason, 300)}${m.assetVersion ? `; asset firmware ${clean(m.assetVersion, 40)}` : ''}`,
            source: `csaf ${m.advisoryId} product ${m.productId}`,
            ...(asset ? { firstSeenUs: asset.firstSeenUs, lastSeenUs: asset.lastSeenUs } : {}),
          },
        ];
        const firmware = asset?.facts.find((f) => f.field === 'firmware');
        if (firmware) {
          evidence.push({
            text: `Firmware ${clean(firmware.value, 40)} reported by the device`,
            protocol: firmware.protocol,
            source: firmware.source,
            firstSeenUs: firmware.firstSeenUs,
            lastSeenUs: firmware.lastSeenUs,
            count: firmware.count,
          });
        }
        const base = score ?? 5;
        const weight = m.confidence === 'exact' ? 1 : 0.8;
        out.push({
          ruleId: id,
          ruleRevision: revision,
          scope,
          severity,
          title,
          description,
          remediation: remediationFor(adv, m, label),
          assetKeys: [m.assetKey],
          evidence,
          references: inKev ? refs('known-exploited', ...references) : refs('vulnerability', ...references),
          score: m.confidence === 'family' ? 0 : clampScore(base * weight + (inKev ? 1 : 0)),
        });
      }
      return out;
    },
  };
}
