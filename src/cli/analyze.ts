import cliProgress from 'cli-progress';
import { parseForwardUrl } from '../alerts/forward/config.js';
import { forwardNewAlerts, snapshotAlerts } from '../alerts/forward/forwarder.js';
import { NotACaptureError } from '../capture/types.js';
import type { PolicyView } from '../detect/contract.js';
import { createDetection, type DetectionRun, type DetectionSummary, formatDetectionSummary } from '../detect/run.js';
import { type AnalysisOutcome, type AnalyzeOptions, analyzeCapture, usesWorker } from '../engine/analyze.js';
import { prewarmFront } from '../engine/parallel.js';
import { formatCheckSummary, runAndSaveChecks } from '../findings/run.js';
import { classifyAssets } from '../inventory/classify.js';
import { loadPolicy } from '../policy/policy.js';
import { KyselyAlertsRepository } from '../store/kysely-alerts-repository.js';
import { openStore } from '../store/open.js';
import type { InventoryRepository } from '../store/repository.js';
import { fmtBytes, fmtInt, safe } from './format.js';
import { summarizeAsset } from './inventory-view.js';

export interface AnalyzeCommandOptions {
  db: string;
  quiet?: boolean;
  progress?: boolean;
  statsJson?: boolean;
  /** Run the finding checks after the analysis (default true). */
  checks?: boolean;
  /** Run the detection rules (and feed the baseline) during the analysis (default true). */
  detect?: boolean;
  /** Zone file (YAML) for the zone rules and host zones. */
  zones?: string;
  /** 1, 2 or 'auto' (default): see AnalyzeOptions.threads. */
  threads?: AnalyzeOptions['threads'];
  /** Forward the alerts this analysis raised or grew to these targets (CEF/syslog/JSON lines/webhook URLs). */
  forward?: string[];
  /** Loads the zone file (default src/policy `loadPolicy`). */
  loadPolicy?: (path: string) => Promise<PolicyView>;
}

type Out = (line: string) => void;

/**
 * `plantwarden analyze <capture...>`: analyse each capture, merge it into the inventory, then
 * re-classify every asset from the merged evidence and print a summary. Exit code 1 only when
 * nothing at all could be read.
 */
export async function analyzeCommand(
  paths: string[],
  opts: AnalyzeCommandOptions,
  out: Out = console.log,
): Promise<number> {
  const t0 = process.hrtime.bigint();
  const phases = { openS: 0, analyzeS: 0, mergeS: 0, detectS: 0, classifyS: 0, checksS: 0 };
  const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
  // The first capture's reader thread starts on it while the store opens.
  const first = paths[0];
  if (first !== undefined && (await usesWorker(first, { threads: opts.threads ?? 'auto' }))) prewarmFront(first);
  const store = await openStore(opts.db);
  phases.openS = since(t0);
  let credentialKey: Uint8Array;
  try {
    credentialKey = await store.credentialKey();
  } catch (err) {
    await store.close();
    throw err;
  }
  let readable = 0;
  let threads = 1;
  let totalPackets = 0;
  let totalBytes = 0;
  let alerts: DetectionSummary | null = null;
  const forward = opts.forward ?? [];
  // Validate targets up front: a typo must not cost a whole analysis.
  for (const url of forward) parseForwardUrl(url);
  const alertsRepo = forward.length > 0 ? new KyselyAlertsRepository(store.db as never) : null;
  const before = alertsRepo ? await snapshotAlerts(alertsRepo) : null;
  try {
    // The zone file is read once, before any capture: a bad file fails the command up front.
    let policy: PolicyView | null = null;
    if (opts.detect !== false && opts.zones !== undefined) policy = await (opts.loadPolicy ?? loadPolicy)(opts.zones);
    for (const path of paths) {
      const ta = process.hrtime.bigint();
      // One detection run per capture, over the inventory as merged so far.
      const detection: DetectionRun | null =
        opts.detect === false
          ? null
          : await createDetection(store, {
              ...(policy !== null ? { zonesFile: opts.zones as string, loadPolicy: async () => policy } : {}),
            });
      const outcome = await analyzeOne(path, opts, credentialKey, detection?.hooks ?? {});
      phases.analyzeS += since(ta);
      if (typeof outcome === 'string') {
        process.stderr.write(`plantwarden: ${outcome}\n`);
        continue;
      }
      totalPackets += outcome.capture.packets;
      threads = Math.max(threads, outcome.threads);
      totalBytes += outcome.capture.bytes;
      if (outcome.capture.packets > 0 || !outcome.capture.stop) readable++;
      const tm = process.hrtime.bigint();
      const merged = await store.mergeSnapshot(outcome.snapshot);
      phases.mergeS += since(tm);
      if (!opts.quiet) printCaptureSummary(outcome, merged, out);
      // A capture analysed before already gave its alerts: counting them again would double them.
      if (detection !== null && merged) {
        const td = process.hrtime.bigint();
        alerts = addSummaries(alerts, await detection.finish());
        phases.detectS += since(td);
      }
    }
    if (readable === 0) return 1;
    const tc = process.hrtime.bigint();
    await reclassify(store);
    phases.classifyS = since(tc);
    if (!opts.quiet) await printInventorySummary(store, opts.db, out);
    if (opts.checks !== false) {
      const tf = process.hrtime.bigint();
      // Findings follow the evidence: re-analysis updates them and resolves what is gone.
      const summary = await runAndSaveChecks(store);
      phases.checksS = since(tf);
      if (!opts.quiet) for (const line of formatCheckSummary(summary)) out(line);
    }
    if (alerts !== null && !opts.quiet) out(safe(formatDetectionSummary(alerts)));
    if (alertsRepo && before) {
      const r = await forwardNewAlerts(alertsRepo, forward, { since: before });
      if (!opts.quiet) {
        out(
          `Forwarded: ${r.sent} sent, ${r.queued} still queued, ${r.dropped} dropped` +
            (r.complete ? '' : ' (some alerts did not reach every target)'),
        );
      }
    }
  } finally {
    await store.close();
  }
  if (opts.statsJson) {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    out(
      JSON.stringify({
        packets: totalPackets,
        bytes: totalBytes,
        seconds,
        threads,
        ...phases,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      }),
    );
  }
  return 0;
}

/** Totals over the captures of one command. */
function addSummaries(a: DetectionSummary | null, b: DetectionSummary): DetectionSummary {
  if (a === null) return b;
  const bySeverity = { ...a.bySeverity };
  for (const [k, n] of Object.entries(b.bySeverity)) bySeverity[k as keyof typeof bySeverity] += n;
  return {
    alerts: a.alerts + b.alerts,
    newAlerts: a.newAlerts + b.newAlerts,
    bySeverity,
    suppressed: a.suppressed + b.suppressed,
    dropped: a.dropped + b.dropped,
    errors: [...a.errors, ...b.errors],
    list: [...a.list, ...b.list],
  };
}

async function analyzeOne(
  path: string,
  opts: AnalyzeCommandOptions,
  credentialKey: Uint8Array,
  hooks: Pick<AnalyzeOptions, 'onObservation' | 'repeatOps' | 'onFlowEnd' | 'onArp'>,
): Promise<AnalysisOutcome | string> {
  const showBar = opts.progress !== false && !opts.quiet && process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  const started = Date.now();
  try {
    return await analyzeCapture(path, {
      credentialKey,
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
      ...hooks,
      ...(showBar
        ? {
            onProgress: (p) => {
              const secs = Math.max((Date.now() - started) / 1000, 0.001);
              const payload = {
                packets: fmtInt(p.packets),
                pps: fmtInt(p.packets / secs),
                read: fmtBytes(p.bytesRead),
              };
              if (!bar) {
                bar = new cliProgress.SingleBar(
                  {
                    stream: process.stderr,
                    format:
                      p.totalBytes !== null
                        ? ' {bar} {percentage}% | {read} | {packets} packets | {pps} packets/s'
                        : ' {read} | {packets} packets | {pps} packets/s',
                    hideCursor: true,
                    clearOnComplete: true,
                  },
                  cliProgress.Presets.shades_classic,
                );
                bar.start(p.totalBytes ?? 1, 0, payload);
              }
              bar.update(p.totalBytes !== null ? p.bytesRead : 0, payload);
            },
          }
        : {}),
    });
  } catch (err) {
    // The reader names the file itself when it knows it: do not say it twice.
    if (err instanceof NotACaptureError) return err.message.includes(path) ? err.message : `${path}: ${err.message}`;
    return err instanceof Error ? err.message : String(err);
  } finally {
    (bar as cliProgress.SingleBar | null)?.stop();
  }
}

export async function reclassify(store: InventoryRepository): Promise<void> {
  const [assets, links] = await Promise.all([store.listAssets(), store.listLinks()]);
  const cls = classifyAssets(assets, links);
  await store.setClassifications([...cls].map(([key, classification]) => ({ key, classification })));
}

function printCaptureSummary(o: AnalysisOutcome, merged: boolean, out: Out): void {
  const c = o.capture;
  const pps = o.seconds > 0 ? c.packets / o.seconds : 0;
  const mbs = o.seconds > 0 ? c.bytes / 1e6 / o.seconds : 0;
  out(
    `${safe(o.source)}: ${c.format ?? 'unknown'}${c.gzip ? ' (gzip)' : ''}, ${fmtInt(c.packets)} packets, ` +
      `${fmtBytes(c.bytes)}, ${fmtInt(o.flows)} flows in ${o.seconds.toFixed(2)} s ` +
      `(${fmtInt(pps)} packets/s, ${mbs.toFixed(0)} MB/s)`,
  );
  if (!merged) out('  already analysed into this database: not merged again');
  if (c.stop) out(`  stopped early at byte ${fmtInt(c.stop.offset)}: ${c.stop.reason}`);
  const skipped: string[] = [];
  for (const [name, n] of Object.entries(o.skippedLinkTypes)) skipped.push(`${fmtInt(n)} packets of link type ${name}`);
  for (const [name, n] of Object.entries(c.skippedBlocks)) skipped.push(`${fmtInt(n)} pcapng ${name} block(s)`);
  if (o.counts.undecoded > 0) skipped.push(`${fmtInt(o.counts.undecoded)} packets not decodable`);
  if (skipped.length) out(`  skipped: ${skipped.join('; ')}`);
  if (c.truncatedPackets > 0) out(`  ${fmtInt(c.truncatedPackets)} packets cut short by the capture's snaplen`);
  const protos = Object.entries(o.protocols)
    .slice(0, 12)
    .map(([name, p]) => `${name}${p.dissected ? '' : '*'} ${fmtInt(p.packets)}`);
  if (protos.length) out(`  protocols (packets; * = named by port only): ${protos.join(', ')}`);
  const creds = o.snapshot.credentials;
  if (creds.length) {
    const clear = creds.filter((c) => c.cleartext).length;
    const protos = [...new Set(creds.map((c) => c.protocol))].join(', ');
    out(
      `  credentials seen: ${creds.length} (${clear} in the clear) over ${protos}; secrets kept only as fingerprints`,
    );
  }
  const anomalies = new Map<string, number>();
  for (const a of o.snapshot.anomalies) anomalies.set(a.code, (anomalies.get(a.code) ?? 0) + a.count);
  if (anomalies.size) {
    const top = [...anomalies].sort((a, b) => b[1] - a[1]).slice(0, 8);
    out(`  anomalies: ${top.map(([code, n]) => `${code} ${fmtInt(n)}`).join(', ')}`);
  }
}

async function printInventorySummary(store: InventoryRepository, db: string, out: Out): Promise<void> {
  const assets = await store.listAssets();
  const byRole = new Map<string, number>();
  const byVendor = new Map<string, number>();
  for (const a of assets) {
    byRole.set(a.classification.role, (byRole.get(a.classification.role) ?? 0) + 1);
    const v = summarizeAsset(a).vendor || 'unknown vendor';
    byVendor.set(v, (byVendor.get(v) ?? 0) + 1);
  }
  out(`Inventory in ${safe(db)}: ${fmtInt(assets.length)} assets`);
  out(
    `  by role: ${[...byRole]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  out(
    `  by vendor: ${[...byVendor]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, n]) => `${safe(k)} ${n}`)
      .join(', ')}`,
  );
}
