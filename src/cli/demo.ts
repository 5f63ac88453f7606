import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { importFeeds } from '../feeds/import.js';
import type { FeedSource } from '../feeds/model.js';
import type { Check } from '../findings/check.js';
import { compareFindings } from '../findings/engine.js';
import type { Finding } from '../findings/model.js';
import { formatCheckSummary, runAndSaveChecks } from '../findings/run.js';
import type { AssetRecord } from '../inventory/model.js';
import type { FeedsRepository } from '../store/feeds-repository.js';
import { KyselyFeedsRepository } from '../store/kysely-feeds-repository.js';
import { KyselyFindingsRepository } from '../store/kysely-findings-repository.js';
import { openStore, type Store } from '../store/open.js';
import { analyzeCommand } from './analyze.js';
import { renderAssetTable } from './assets.js';
import { fmtInt, safe, table } from './format.js';
import { sortAssets } from './inventory-view.js';

type Out = (line: string) => void;

/** What `importFeeds` (src/feeds/import.ts) reports. */
export interface FeedImportResult {
  imported: FeedSource[];
  skipped: { path: string; reason: string }[];
  errors: { path: string; where: string; message: string }[];
}

/**
 * The feeds module as the demo uses it: a repository over the demo database and the importer
 * (`demoFeeds` below; a parameter so tests can hand in their own).
 */
export interface DemoFeeds {
  /** `new KyselyFeedsRepository(store.db)` */
  repository(store: Store): FeedsRepository;
  /** `importFeeds` from src/feeds/import.ts */
  importFeeds(paths: string[], repo: FeedsRepository): Promise<FeedImportResult>;
}

/** The project's feeds importer over the feeds tables of the demo database. */
const demoFeeds: DemoFeeds = {
  repository: (store) => new KyselyFeedsRepository(store.db as unknown as Kysely<unknown>),
  importFeeds: (paths, repo) => importFeeds(paths, repo),
};

/**
 * `plantwarden demo`: write a capture of the project's own demo factory, analyse it into a
 * fresh database, show the inventory, then import the demo feeds, run the checks and show the
 * findings (see `showFindings`).
 */
export async function demoCommand(
  opts: { out: string; db: string; packets: number },
  out: Out = console.log,
  findingsOpts: ShowFindingsOptions = { feeds: demoFeeds },
): Promise<number> {
  const capture = resolve(opts.out);
  const db = resolve(opts.db);
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${db}${suffix}`, { force: true });
  // The generator is only loaded for the demo.
  const { writePlantCapture } = await import('../demo/plant.js');
  const gen = writePlantCapture(capture, { packets: opts.packets });
  out(`Wrote the demo plant's traffic to ${capture} (${fmtInt(gen.packets)} packets).`);
  out('');
  const code = await analyzeCommand([capture], { db, progress: false }, out);
  if (code !== 0) return code;
  const store = await openStore(db);
  try {
    const assets = sortAssets(await store.listAssets());
    out('');
    out(renderAssetTable(assets));
  } finally {
    await store.close();
  }
  out('');
  await showFindings(db, findingsOpts, out);
  out('');
  out(`Next: plantwarden findings --db ${opts.db}   |   plantwarden risk --db ${opts.db}`);
  out(`      plantwarden assets --db ${opts.db}   |   plantwarden asset <ip|mac> --db ${opts.db}`);
  return 0;
}

export interface ShowFindingsOptions {
  /** The feeds module; null = run the checks without the demo feeds. */
  feeds: DemoFeeds | null;
  /** Checks to run (default: all registered checks). */
  checks?: readonly Check[];
  /** Wall clock of the run (default now). */
  now?: string;
}

/** How a planted problem of the demo plant shows up among the findings: the rules that report it. */
const PLANTED_RULES: Record<string, (ruleId: string) => boolean> = {
  'default-web-password': (r) => r === 'cred.default',
  'telnet-to-switch': (r) => r === 'enc.cleartext-management' || r === 'cred.cleartext',
  'outdated-firmware': (r) => r.startsWith('vuln.'),
  'hmi-to-internet': (r) => r === 'exp.internet' || r === 'exp.internet-names',
};

/** Which planted problems the open findings report, and by which finding. */
export interface PlantedResult {
  id: string;
  what: string;
  found: Finding | null;
}

/**
 * The second half of the demo: write the demo advisory (CSAF) and default-credential list (CSV)
 * to a temp folder, import them into the demo database, run the checks, and print the open
 * findings (severity, score, title, assets), the risk summary, and which planted problems were
 * found. Returns what became of each planted problem.
 */
export async function showFindings(db: string, opts: ShowFindingsOptions, out: Out): Promise<PlantedResult[]> {
  const { writeDemoAdvisory, writeDemoDefaultCredentials, DEMO_ADVISORY_ID } = await import('../demo/advisory.js');
  const { plantDevices, plantedProblems } = await import('../demo/plant.js');
  const dir = mkdtempSync(join(tmpdir(), 'plantwarden-demo-feeds-'));
  const store = await openStore(db);
  try {
    let feedsRepo: FeedsRepository | undefined;
    if (opts.feeds) {
      const advisory = join(dir, `${DEMO_ADVISORY_ID}.json`);
      const creds = join(dir, 'plantwarden-demo-default-credentials.csv');
      writeDemoAdvisory(advisory);
      writeDemoDefaultCredentials(creds);
      feedsRepo = opts.feeds.repository(store);
      const r = await opts.feeds.importFeeds([advisory, creds], feedsRepo);
      const records = r.imported.map((s) => `${fmtInt(s.records)} ${s.kind}`).join(', ');
      out(`Imported the demo feeds (made up for this plant): ${records || 'nothing new'}.`);
      for (const e of r.errors) out(`  could not import ${e.path} at ${e.where}: ${e.message}`);
    } else {
      out('The feeds importer is not built in: running the checks without the demo advisory and credential list.');
    }

    const summary = await runAndSaveChecks(store, {
      ...(feedsRepo ? { feeds: feedsRepo } : {}),
      ...(opts.checks ? { checks: opts.checks } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    const findings = (await new KyselyFindingsRepository(store.db).listFindings())
      .filter((f) => f.status === 'open' || f.status === 'acknowledged')
      .sort(compareFindings);
    const assets = await store.listAssets();
    const label = assetLabeler(assets);

    out('');
    if (findings.length === 0) out('No open findings.');
    else
      out(
        table(
          ['SEVERITY', 'SCORE', 'TITLE', 'ASSETS'],
          findings.map((f) => [f.severity, f.score.toFixed(1), f.title, f.assetKeys.map(label).join(' ') || '-']),
          90,
        ),
      );
    out('');
    for (const line of formatCheckSummary(summary)) out(line);

    const keyOfIp = (ip: string) => assets.find((a) => a.ips.includes(ip))?.key;
    const results: PlantedResult[] = plantedProblems.map((p) => {
      const device = plantDevices.find((d) => d.name === p.device);
      const key = device ? keyOfIp(device.ip) : undefined;
      const rule = PLANTED_RULES[p.id] ?? (() => false);
      const found = findings.find((f) => rule(f.ruleId) && key !== undefined && f.assetKeys.includes(key)) ?? null;
      return { id: p.id, what: p.what, found };
    });
    const n = results.filter((r) => r.found).length;
    out('');
    out(`Planted problems found: ${n} of ${results.length}`);
    for (const r of results) {
      out(`  ${r.found ? 'found ' : 'MISSED'}  ${r.what}`);
      if (r.found) out(`          -> ${r.found.severity}: ${safe(r.found.title)}`);
    }
    return results;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asset key -> what a reader recognises: its first IP, else the key. */
function assetLabeler(assets: readonly AssetRecord[]): (key: string) => string {
  const byKey = new Map(assets.map((a) => [a.key, a]));
  return (key) => byKey.get(key)?.ips[0] ?? key;
}
