import type { Kysely } from 'kysely';
import type { FeedsRepository } from '../store/feeds-repository.js';
import { KyselyFeedsRepository } from '../store/kysely-feeds-repository.js';
import { KyselyFindingsRepository } from '../store/kysely-findings-repository.js';
import { KyselyPlantRepository } from '../store/kysely-plant-repository.js';
import { openStore, type Store } from '../store/open.js';
import type { PlantInventoryRepository } from '../store/plant-repository.js';
import type { FeedsDatabase } from '../store/schema-feeds.js';
import type { PlantDatabase } from '../store/schema-plant.js';
import type { Check } from './check.js';
import { ALL_CHECKS } from './checks/index.js';
import { buildCheckContext } from './context.js';
import { type CheckError, runChecks } from './engine.js';
import { SEVERITIES, type Severity } from './model.js';
import { computeRisk, type RiskSummary } from './score.js';

/** The feeds and plant-inventory repositories over the store's database. */
export interface SideRepositories {
  feeds: FeedsRepository | null;
  plant: PlantInventoryRepository | null;
}

/** The feeds and plant repositories sharing an open store's database handle. */
export function sideRepositories(store: Store): SideRepositories {
  return {
    feeds: new KyselyFeedsRepository(store.db as unknown as Kysely<FeedsDatabase>),
    plant: new KyselyPlantRepository(store.db as unknown as Kysely<PlantDatabase>),
  };
}

export interface RunChecksOptions {
  /** The checks to run (default ALL_CHECKS). */
  checks?: readonly Check[];
  /** Wall clock of the run (default now). */
  now?: string;
  /** Override the feeds/plant repositories (default: `sideRepositories(store)`). */
  feeds?: FeedsRepository | null;
  plant?: PlantInventoryRepository | null;
}

export interface CheckRunSummary {
  checks: number;
  /** Findings stored after the run, in any status. */
  total: number;
  /** Open and acknowledged findings by severity. */
  bySeverity: Record<Severity, number>;
  opened: number;
  updated: number;
  resolved: number;
  reopened: number;
  expired: number;
  /** Checks that failed (their stored findings were left as they were). */
  errors: CheckError[];
  risk: RiskSummary['overall'];
  ms: number;
}

/**
 * Build the check context from a store (a database URL/path, or an open Store that stays open),
 * run the checks, reconcile them with the stored findings and save the result in one
 * transaction. A failing check is reported in `errors`; the others' findings are saved.
 */
export async function runAndSaveChecks(target: string | Store, opts: RunChecksOptions = {}): Promise<CheckRunSummary> {
  const t0 = performance.now();
  const store = typeof target === 'string' ? await openStore(target) : target;
  try {
    const now = opts.now ?? new Date().toISOString();
    const side = sideRepositories(store);
    const feeds = opts.feeds !== undefined ? opts.feeds : side.feeds;
    const plant = opts.plant !== undefined ? opts.plant : side.plant;
    const checks = opts.checks ?? ALL_CHECKS;
    const repo = new KyselyFindingsRepository(store.db);
    const ctx = await buildCheckContext(store, feeds, plant, now);
    const previous = await repo.listFindings();
    const r = runChecks(checks, ctx, previous, now);
    await repo.saveFindings(r.findings);
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const f of r.findings) if (f.status === 'open' || f.status === 'acknowledged') bySeverity[f.severity]++;
    const risk = computeRisk(r.findings, ctx.assets, ctx.plantInventory, now);
    return {
      checks: checks.length,
      total: r.findings.length,
      bySeverity,
      opened: r.opened,
      updated: r.updated,
      resolved: r.resolved,
      reopened: r.reopened,
      expired: r.expired,
      errors: r.errors,
      risk: risk.overall,
      ms: Math.round(performance.now() - t0),
    };
  } finally {
    if (typeof target === 'string') await store.close();
  }
}

/** The summary as the CLI prints it (a few lines). */
export function formatCheckSummary(s: CheckRunSummary): string[] {
  const open = SEVERITIES.map((sev) => `${s.bySeverity[sev]} ${sev}`).join(', ');
  const lines = [
    `Ran ${s.checks} checks in ${s.ms} ms: ${s.opened} new, ${s.updated} found again, ${s.reopened} reopened, ${s.resolved} resolved${s.expired > 0 ? `, ${s.expired} accepted risks expired` : ''}`,
    `Open findings: ${open}`,
    `Overall risk: ${s.risk.score} (${s.risk.band})${s.risk.top[0] ? `; riskiest asset ${s.risk.top[0].label} at ${s.risk.top[0].score}` : ''}`,
  ];
  for (const e of s.errors) lines.push(`check ${e.checkId} failed: ${e.message}`);
  return lines;
}
