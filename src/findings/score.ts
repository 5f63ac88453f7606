import type { AssetRecord } from '../inventory/model.js';
import type { PlantAssetRow } from './check.js';
import { isPublicIp } from './checks/support.js';
import { acceptanceExpired, compareFindings } from './engine.js';
import type { Finding, Severity } from './model.js';

/** One finding's share of an asset's score. The parts of an asset add up to its score. */
export interface RiskPart {
  findingId: string;
  title: string;
  severity: Severity;
  /** The finding's own 0-10 score. */
  findingScore: number;
  /** Points (0-100 scale) it adds to the asset's score, after the ones above it. */
  contribution: number;
}

export interface AssetRisk {
  /** Asset key; '' for the plant-wide entry (findings that name no asset). */
  assetKey: string;
  /** What to show: the asset's IPs, else its key; '(plant-wide)' for the plant-wide entry. */
  label: string;
  role: string;
  /** 0.4-1: how much this asset matters (see `assetWeight`). */
  weight: number;
  /** Where the weight came from ("plant inventory criticality 'High'", "role plc"). */
  weightReason: string;
  /** 0-100, one decimal. */
  score: number;
  band: RiskBand;
  /** Highest contribution first. */
  parts: RiskPart[];
}

export type RiskBand = 'critical' | 'high' | 'medium' | 'low' | 'none';

export interface RiskSummary {
  /** Every asset (and the plant-wide entry when some finding names no asset), riskiest first. */
  assets: AssetRisk[];
  overall: {
    /** 0-100: the mean of the `basis` riskiest entries' scores. */
    score: number;
    band: RiskBand;
    basis: number;
    /** Number of entries in each band. */
    distribution: Record<RiskBand, number>;
    /** The riskiest entries with a score above 0 (at most 10). */
    top: { assetKey: string; label: string; score: number }[];
    /** Findings that count (open, acknowledged, or accepted past their expiry). */
    findings: number;
  };
}

/** Entries averaged into the overall score. */
export const OVERALL_BASIS = 5;

const ROLE_WEIGHT: Record<string, number> = {
  plc: 1,
  hmi: 0.9,
  'engineering-workstation': 0.9,
  historian: 0.8,
  'network-device': 0.8,
  unknown: 0.7,
  'it-host': 0.6,
};

/** Criticality words a plant inventory uses -> weight. Numbers are not guessed (1 is "highest" in some plants). */
const CRITICALITY_WEIGHT: [RegExp, number][] = [
  [/^(critical|very high|vital|safety)$/, 1],
  [/^(high|a)$/, 0.9],
  [/^(medium|moderate|normal|b)$/, 0.7],
  [/^(low|c)$/, 0.5],
  [/^(very low|none|d)$/, 0.4],
];

/** The band of a 0-100 score: critical >= 80, high >= 60, medium >= 30, low > 0, none = 0. */
export function riskBand(score: number): RiskBand {
  return score >= 80 ? 'critical' : score >= 60 ? 'high' : score >= 30 ? 'medium' : score > 0 ? 'low' : 'none';
}

/**
 * How much an asset matters: the plant inventory's criticality when it is one of the known words
 * (critical/very high 1, high/A 0.9, medium/moderate/normal/B 0.7, low/C 0.5, very low/none/D 0.4),
 * else its role (plc 1, hmi and engineering workstation 0.9, historian and network device 0.8,
 * unknown 0.7, IT host 0.6).
 */
export function assetWeight(
  asset: AssetRecord | undefined,
  plantRow: PlantAssetRow | undefined,
): { weight: number; reason: string } {
  const crit = plantRow?.criticality?.trim();
  if (crit) {
    const c = crit.toLowerCase().replace(/\s+/g, ' ');
    for (const [re, w] of CRITICALITY_WEIGHT)
      if (re.test(c)) return { weight: w, reason: `plant inventory criticality '${crit}'` };
  }
  const role = asset?.classification.role ?? 'unknown';
  return { weight: ROLE_WEIGHT[role] ?? ROLE_WEIGHT.unknown!, reason: `role ${role}` };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** An internet host seen from the plant: not a router, and every address it has is public. */
export function isInternetHost(a: AssetRecord): boolean {
  return !a.isRouter && a.ips.length > 0 && a.ips.every(isPublicIp);
}

/**
 * Does a finding count towards risk at `now`? Open and acknowledged ones do (acknowledged is known,
 * not fixed); accepted ones only once their acceptance has expired; resolved ones never.
 */
export function countsTowardsRisk(f: Finding, now: string): boolean {
  if (f.status === 'open' || f.status === 'acknowledged') return true;
  return f.status === 'accepted' && acceptanceExpired(f.statusUntil, now);
}

/**
 * Risk per asset and overall, with every number explained by its parts.
 *
 * Asset score = 100 * weight * (1 - prod(1 - s_i / 10)) over the asset's counting findings (s_i
 * their 0-10 scores): the chance that at least one of them is used against the asset, if each
 * were an independent chance of s_i / 10, scaled by how much the asset matters. Parts: findings in
 * display order (severity, score), each contributing what it adds to the ones before it,
 * 100 * weight * (s_i / 10) * prod_{j<i}(1 - s_j / 10); the parts add up to the score.
 * Internet hosts (every address public) are not scored: a finding naming one counts on the plant
 * assets it names (unless more than half of all assets are public: then the plant uses public
 * addressing and nothing is left out). A finding naming only internet hosts still counts on them.
 * Overall = mean of the OVERALL_BASIS highest entry scores: one way in is enough, so the worst
 * assets set the plant's risk, and fixing any of them lowers it.
 */
export function computeRisk(
  findings: readonly Finding[],
  assets: readonly AssetRecord[],
  plant: readonly PlantAssetRow[],
  now: string,
): RiskSummary {
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const plantByKey = new Map<string, PlantAssetRow>();
  for (const r of plant) if (r.assetKey !== null && !plantByKey.has(r.assetKey)) plantByKey.set(r.assetKey, r);

  // Internet peers named by exposure findings are not the plant's to fix: their findings count on
  // the plant side. Unless most assets are public: some plants address their own networks so.
  const internet = assets.filter(isInternetHost);
  const outside = new Set(internet.length * 2 > assets.length ? [] : internet.map((a) => a.key));

  const counting = findings.filter((f) => countsTowardsRisk(f, now)).sort(compareFindings);
  const perAsset = new Map<string, Finding[]>();
  for (const a of assets) if (!outside.has(a.key)) perAsset.set(a.key, []);
  for (const f of counting) {
    const inside = [...new Set(f.assetKeys)].filter((k) => !outside.has(k));
    const keys = inside.length > 0 ? inside : f.assetKeys.length > 0 ? [...new Set(f.assetKeys)] : [''];
    for (const k of keys) {
      const list = perAsset.get(k);
      if (list === undefined) perAsset.set(k, [f]);
      else list.push(f);
    }
  }

  const entries: AssetRisk[] = [];
  for (const [key, list] of perAsset) {
    const asset = byKey.get(key);
    const { weight, reason } =
      key === '' ? { weight: 1, reason: 'plant-wide findings' } : assetWeight(asset, plantByKey.get(key));
    let remaining = 1;
    const parts: RiskPart[] = [];
    for (const f of list) {
      const p = Math.min(1, Math.max(0, f.score / 10));
      const add = 100 * weight * p * remaining;
      remaining *= 1 - p;
      parts.push({
        findingId: f.id,
        title: f.title,
        severity: f.severity,
        findingScore: f.score,
        contribution: round1(add),
      });
    }
    const score = round1(100 * weight * (1 - remaining));
    entries.push({
      assetKey: key,
      label: key === '' ? '(plant-wide)' : asset && asset.ips.length > 0 ? asset.ips.join(', ') : key,
      role: key === '' ? '-' : (asset?.classification.role ?? 'unknown'),
      weight,
      weightReason: reason,
      score,
      band: riskBand(score),
      parts: parts.sort((a, b) => b.contribution - a.contribution),
    });
  }
  entries.sort((a, b) => b.score - a.score || (a.assetKey < b.assetKey ? -1 : a.assetKey > b.assetKey ? 1 : 0));

  const distribution: Record<RiskBand, number> = { critical: 0, high: 0, medium: 0, low: 0, none: 0 };
  for (const e of entries) distribution[e.band]++;
  const basis = Math.min(OVERALL_BASIS, entries.length);
  const overallScore = basis === 0 ? 0 : round1(entries.slice(0, basis).reduce((s, e) => s + e.score, 0) / basis);
  return {
    assets: entries,
    overall: {
      score: overallScore,
      band: riskBand(overallScore),
      basis,
      distribution,
      top: entries
        .filter((e) => e.score > 0)
        .slice(0, 10)
        .map((e) => ({ assetKey: e.assetKey, label: e.label, score: e.score })),
      findings: counting.length,
    },
  };
}
