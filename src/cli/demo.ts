import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Alert } from '../alerts/model.js';
import { baselineRepository, freezeBaseline } from '../baseline/baseline.js';
import { importFeeds } from '../feeds/import.js';
import type { FeedSource } from '../feeds/model.js';
import type { Check } from '../findings/check.js';
import { compareFindings, severityRank } from '../findings/engine.js';
import type { Finding } from '../findings/model.js';
import { formatCheckSummary, runAndSaveChecks } from '../findings/run.js';
import type { AssetRecord } from '../inventory/model.js';
import type { FeedsRepository } from '../store/feeds-repository.js';
import { KyselyAlertsRepository } from '../store/kysely-alerts-repository.js';
import { KyselyFeedsRepository } from '../store/kysely-feeds-repository.js';
import { KyselyFindingsRepository } from '../store/kysely-findings-repository.js';
import { openStore, type Store } from '../store/open.js';
import { type AnalyzeCommandOptions, analyzeCommand } from './analyze.js';
import { renderAssetTable } from './assets.js';
import { fmtInt, fmtTime, safe, table } from './format.js';
import { sortAssets, withStore } from './inventory-view.js';

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

/** The files the demo writes next to `--out`: two days of traffic and the plant's zone file. */
export function demoPaths(out: string): { day1: string; day2: string; zones: string } {
  const base = resolve(out).replace(/\.pcap$/i, '');
  return { day1: `${base}-day1.pcap`, day2: `${base}-day2.pcap`, zones: `${base}-zones.yaml` };
}

/**
 * `plantwarden demo`: write two days of the project's own demo factory (day 1 normal, day 2 with
 * the planted behaviour problems) and its zone file, analyse day 1 into a fresh database while
 * the baseline learns, freeze the baseline, analyse day 2 with the zone file, then show the
 * inventory, the findings (see `showFindings`) and the alerts (see `showAlerts`).
 */
export async function demoCommand(
  opts: { out: string; db: string; packets: number },
  out: Out = console.log,
  findingsOpts: ShowFindingsOptions = { feeds: demoFeeds },
): Promise<number> {
  const paths = demoPaths(opts.out);
  const db = resolve(opts.db);
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${db}${suffix}`, { force: true });
  // The generator is only loaded for the demo.
  const { writePlantCapture, behaviourPackets, PLANT_START_US, PLANT_DAY_US } = await import('../demo/plant.js');
  const { writeDemoZones } = await import('../demo/zones.js');
  const day1 = writePlantCapture(paths.day1, { packets: opts.packets });
  // Day 2 plays the same plant a day later; its problems start halfway through, and their packets
  // come on top so that the normal traffic covers about the same time as on day 1.
  const day2 = writePlantCapture(paths.day2, {
    packets: opts.packets + behaviourPackets(),
    startUs: PLANT_START_US + PLANT_DAY_US,
    behaviourAtUs: Math.floor((day1.lastUs - day1.firstUs) / 2),
  });
  writeDemoZones(paths.zones);
  out(`Wrote the demo plant's traffic: day 1 (a normal day) to ${paths.day1} (${fmtInt(day1.packets)} packets),`);
  out(`  day 2 (the next day, with problems) to ${paths.day2} (${fmtInt(day2.packets)} packets),`);
  out(`  and the plant's zones and conduits to ${paths.zones}.`);
  out('');
  out('Day 1: learning what normal looks like.');
  let code = await analyzeCommand([paths.day1], analyzeOptions(db, paths.zones, false), out);
  if (code !== 0) return code;
  await freezeDemoBaseline(db);
  out('');
  out('Baseline frozen after day 1. Day 2: deviations and zone violations now raise alerts.');
  code = await analyzeCommand([paths.day2], analyzeOptions(db, paths.zones, true), out);
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
  await showAlerts(db, out);
  out('');
  out(`Next: plantwarden alerts --db ${opts.db}   |   plantwarden findings --db ${opts.db}`);
  out(`      plantwarden risk --db ${opts.db}   |   plantwarden zones show --db ${opts.db} --zones ${paths.zones}`);
  out(`      plantwarden assets --db ${opts.db}   |   plantwarden asset <ip|mac> --db ${opts.db}`);
  return 0;
}

/** Analyse options for the demo: the zone file, and detection on (the analyze command's defaults). */
function analyzeOptions(db: string, zones: string, checks: boolean): AnalyzeCommandOptions {
  // `zones` is the analyze command's `--zones` (src/cli/analyze.ts); detection is on by default.
  const o: AnalyzeCommandOptions & { zones: string } = { db, progress: false, checks, zones };
  return o;
}

/** `baseline freeze`: what was learned so far becomes the normal that day 2 is compared with. */
async function freezeDemoBaseline(db: string): Promise<void> {
  await withStore(db, async (store) => {
    await freezeBaseline(baselineRepository(store));
  });
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

/**
 * How a planted behaviour problem shows up among the alerts: the rule (by id family) and the
 * devices the alert must name (by name in `plantDevices`/`DEMO_LAPTOP`, or an IP).
 */
const PLANTED_ALERTS: Record<string, { rule: (ruleId: string) => boolean; hosts: string[] }> = {
  'zone-violation': { rule: (r) => /^(zones?|policy)\./.test(r), hosts: ['laptop-unknown', 'plc-s7-1500'] },
  'plc-stop-from-laptop': {
    rule: (r) => r === 'ops.mode-change' || r === 'ops.unauthorized-command',
    hosts: ['laptop-unknown', 'plc-s7-1500'],
  },
  'volume-anomaly': { rule: (r) => /volume/.test(r), hosts: ['plc-controllogix'] },
};

/** Which planted behaviour problems the alerts report, and by which alert. */
export interface PlantedAlertResult {
  id: string;
  what: string;
  found: Alert | null;
}

/** The alerts of the demo database (the engine's repository); a parameter so tests can hand in their own. */
export type AlertsSource = (store: Store) => Promise<Alert[]>;

const demoAlerts: AlertsSource = (store) => new KyselyAlertsRepository(store.db).listAlerts();

/**
 * The third part of the demo: the alerts (severity, title, count, first seen), most severe
 * first, and which planted behaviour problems (`plantedBehaviours`) they report.
 */
export async function showAlerts(
  db: string,
  out: Out,
  source: AlertsSource = demoAlerts,
): Promise<PlantedAlertResult[]> {
  const { plantDevices, plantedBehaviours, DEMO_LAPTOP } = await import('../demo/plant.js');
  const store = await openStore(db);
  try {
    const alerts = (await source(store)).sort(
      (a, b) =>
        severityRank(a.severity) - severityRank(b.severity) ||
        a.firstSeenUs - b.firstSeenUs ||
        a.id.localeCompare(b.id),
    );
    const assets = await store.listAssets();
    if (alerts.length === 0) out('No alerts.');
    else
      out(
        table(
          ['SEVERITY', 'TITLE', 'COUNT', 'FIRST SEEN (UTC)'],
          alerts.map((a) => [a.severity, safe(a.title), fmtInt(a.count), fmtTime(a.firstSeenUs)]),
          90,
        ),
      );
    // An alert names a device by its asset key, or by its IP when the asset was not resolved.
    const names = (host: string): string[] => {
      const device = host === DEMO_LAPTOP.name ? DEMO_LAPTOP : plantDevices.find((d) => d.name === host);
      const ip = device?.ip ?? host;
      return [ip, ...assets.filter((a) => a.ips.includes(ip)).map((a) => a.key)];
    };
    const results: PlantedAlertResult[] = plantedBehaviours.map((p) => {
      const m = PLANTED_ALERTS[p.id];
      const found =
        (m &&
          alerts.find((a) => m.rule(a.ruleId) && m.hosts.every((h) => names(h).some((n) => a.assets.includes(n))))) ??
        null;
      return { id: p.id, what: p.what, found };
    });
    const n = results.filter((r) => r.found).length;
    out('');
    out(`Planted behaviour problems alerted: ${n} of ${results.length}`);
    for (const r of results) {
      out(`  ${r.found ? 'found ' : 'MISSED'}  ${r.what}`);
      if (r.found) out(`          -> ${r.found.severity}: ${safe(r.found.title)}`);
    }
    return results;
  } finally {
    await store.close();
  }
}
