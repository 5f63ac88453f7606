import type { Alert } from '../alerts/model.js';
import { loadBaseline } from '../baseline/baseline.js';
import type { FlowInfo } from '../dissectors/contract.js';
import { SEVERITIES, type Severity } from '../findings/model.js';
import type { AssetRecord, AssetRole } from '../inventory/model.js';
import type { Observation } from '../observations/observation.js';
import { loadPolicy } from '../policy/policy.js';
import { KyselyAlertsRepository } from '../store/kysely-alerts-repository.js';
import type { Store } from '../store/open.js';
import type { ArpEvent, BaselineView, FlowEvent, HostView, PolicyView, Rule, RuleContext } from './contract.js';
import { DetectionEngine, type ObservationFilter, type RuleError } from './engine.js';
import { ALL_RULES, RULE_FILTERS } from './rules/index.js';

/** What the baseline module hands the detection run (src/baseline/baseline.ts `loadBaseline`). */
export interface BaselineHandle {
  view: BaselineView | null;
  learner: {
    onObservation(obs: Observation, flow: FlowInfo, repeat?: boolean): void;
    onFlowEnd(f: FlowEvent): void;
    finish(): Promise<void>;
  } | null;
}

export interface DetectionOptions {
  /** Rules to run (default ALL_RULES) and their observation filters (default RULE_FILTERS). */
  rules?: readonly Rule[];
  filters?: Readonly<Record<string, ObservationFilter>>;
  /** Zone file (YAML, src/policy): zones of hosts, conduits, listed engineering stations. */
  zonesFile?: string;
  /** Loads the zone file (default src/policy/policy.ts `loadPolicy`). */
  loadPolicy?: (path: string) => Promise<PolicyView>;
  /** Learned baseline: true (default) loads it from the store and feeds its learner; false: none. */
  baseline?: boolean | ((store: Store) => Promise<BaselineHandle>);
  /** Wall-clock time (ISO) for suppression expiry; default now. */
  now?: string;
  maxAlerts?: number;
}

export interface DetectionSummary {
  /** Alerts of this analysis (new and seen before). */
  alerts: number;
  /** Alerts whose id the store did not hold before. */
  newAlerts: number;
  bySeverity: Record<Severity, number>;
  /** Alerts that a suppression covers (stored, not forwarded). */
  suppressed: number;
  /** Detections dropped because the in-memory alert bound was reached. */
  dropped: number;
  errors: RuleError[];
  /** The alerts of this analysis, as merged (most severe first). */
  list: Alert[];
}

export interface DetectionRun {
  hooks: {
    onObservation?: (obs: Observation, flow: FlowInfo, repeat?: boolean) => void;
    /** Op classes whose repeated transactions the rules need (the learner needs none). */
    repeatOps?: ReadonlySet<string>;
    onFlowEnd?: (flow: FlowEvent) => void;
    onArp?: (arp: ArpEvent) => void;
  };
  engine: DetectionEngine;
  /**
   * End of the analysis: the rules' 'end' event, the baseline learner's finish, host -> asset
   * key resolution (against the store as it is now: call after merging the inventory so new
   * hosts resolve), then the alerts merged into the store.
   */
  finish(): Promise<DetectionSummary>;
}

const ROLE_WORD: Record<AssetRole, string> = {
  plc: 'PLC',
  hmi: 'HMI',
  'engineering-workstation': 'engineering workstation',
  historian: 'historian',
  'network-device': 'network device',
  'it-host': 'IT host',
  unknown: 'host',
};
const NAME_FIELDS = ['device_name', 'hostname', 'product_name', 'model'];
const MAX_HOST_CACHE = 200_000;

/** The asset's best name for messages: a device/host name, else its product. */
function assetName(a: AssetRecord): string | null {
  let best: { value: string; rank: number; precedence: number } | null = null;
  for (const f of a.facts) {
    const rank = NAME_FIELDS.indexOf(f.field);
    if (rank < 0 || f.value.trim() === '') continue;
    if (best === null || rank < best.rank || (rank === best.rank && f.precedence > best.precedence)) {
      best = { value: f.value.trim().slice(0, 64), rank, precedence: f.precedence };
    }
  }
  return best?.value ?? null;
}

/**
 * Host views from the stored inventory (earlier analyses) and the policy. A host first seen in
 * this analysis is unknown to it: role 'unknown', not an engineering workstation unless the
 * zone file lists it.
 */
export function hostViews(assets: readonly AssetRecord[], policy: PolicyView | null): (ipOrMac: string) => HostView {
  const byIp = new Map<string, AssetRecord>();
  const byKey = new Map<string, AssetRecord>();
  for (const a of assets) {
    byKey.set(a.key, a);
    if (a.mac) byKey.set(`mac:${a.mac}`, a);
    for (const ip of a.ips) {
      const prev = byIp.get(ip);
      if (prev === undefined || a.lastSeenUs > prev.lastSeenUs) byIp.set(ip, a);
    }
  }
  const cache = new Map<string, HostView>();
  return (host) => {
    const hit = cache.get(host);
    if (hit !== undefined) return hit;
    const a = byIp.get(host) ?? byKey.get(host) ?? byKey.get(`ip:${host}`) ?? null;
    const role: AssetRole = a?.classification.role ?? 'unknown';
    const ip = host.startsWith('mac:') ? (a?.ips[0] ?? host.slice(4)) : host;
    const zone = policy?.zoneOf(ip, a?.vlans[0] ?? 0, a?.key ?? null) ?? null;
    const listed =
      policy !== null &&
      (policy.engineeringStations.has(host) || (a !== null && policy.engineeringStations.has(a.key)));
    const name = a ? assetName(a) : null;
    const view: HostView = {
      assetKey: a?.key ?? null,
      role,
      zone: zone?.name ?? null,
      level: zone?.level ?? null,
      engineering: listed || role === 'engineering-workstation',
      label: name !== null ? `${name} (${ip})` : role !== 'unknown' ? `${ROLE_WORD[role]} ${ip}` : ip,
    };
    if (cache.size < MAX_HOST_CACHE) cache.set(host, view);
    return view;
  };
}

/** Host (IP, 'mac:..' or key) -> asset key in the current inventory, or null. */
function resolver(assets: readonly AssetRecord[]): (host: string) => string | null {
  const byIp = new Map<string, AssetRecord>();
  const keys = new Map<string, string>();
  for (const a of assets) {
    keys.set(a.key, a.key);
    if (a.mac) keys.set(`mac:${a.mac}`, a.key);
    for (const ip of a.ips) {
      const prev = byIp.get(ip);
      if (prev === undefined || a.lastSeenUs > prev.lastSeenUs) byIp.set(ip, a);
    }
  }
  return (h) => byIp.get(h)?.key ?? keys.get(h) ?? null;
}

/**
 * Detection for one analysis: the engine over the rules, with contexts built from the stored
 * inventory, the zone policy and the learned baseline; suppressions from the alerts store.
 * Pass `hooks` to `analyzeCapture`, then `finish()` after the inventory is merged.
 */
export async function createDetection(store: Store, opts: DetectionOptions = {}): Promise<DetectionRun> {
  const alertsRepo = new KyselyAlertsRepository(store.db);
  let policy: PolicyView | null = null;
  if (opts.zonesFile !== undefined) policy = await (opts.loadPolicy ?? loadPolicy)(opts.zonesFile);
  let baseline: BaselineHandle = { view: null, learner: null };
  if (opts.baseline !== false) {
    baseline = typeof opts.baseline === 'function' ? await opts.baseline(store) : await loadBaseline(store);
  }
  const [assets, suppressions] = await Promise.all([store.listAssets(), alertsRepo.listSuppressions()]);
  const host = hostViews(assets, policy);
  const engine = new DetectionEngine({
    rules: opts.rules ?? ALL_RULES,
    filters: opts.filters ?? RULE_FILTERS,
    context: () => ({ host, baseline: baseline.view, policy, state: new Map() }) satisfies RuleContext,
    suppressions,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.maxAlerts !== undefined ? { maxAlerts: opts.maxAlerts } : {}),
  });
  let lastTs = 0;
  const learner = baseline.learner;
  const hooks: DetectionRun['hooks'] = {};
  if (engine.wantsObservations || learner !== null) {
    hooks.repeatOps = engine.repeatOps;
    hooks.onObservation =
      learner === null
        ? (obs, flow, repeat) => {
            if (obs.ts > lastTs) lastTs = obs.ts;
            engine.observe(obs, flow, repeat);
          }
        : (obs, flow, repeat) => {
            if (obs.ts > lastTs) lastTs = obs.ts;
            engine.observe(obs, flow, repeat);
            learner.onObservation(obs, flow, repeat);
          };
  }
  hooks.onFlowEnd = (flow) => {
    if (flow.lastUs > lastTs) lastTs = flow.lastUs;
    engine.flowEnded(flow);
    learner?.onFlowEnd(flow);
  };
  hooks.onArp = (arp) => {
    if (arp.ts > lastTs) lastTs = arp.ts;
    engine.arp(arp);
  };
  let finished = false;
  return {
    hooks,
    engine,
    async finish() {
      if (finished) throw new Error('detection already finished');
      finished = true;
      engine.handle({ kind: 'end', ts: lastTs });
      if (learner !== null) await learner.finish();
      const [now, before] = await Promise.all([store.listAssets(), alertsRepo.listAlerts()]);
      const list = engine.finish(resolver(now));
      await alertsRepo.mergeAlerts(list);
      const known = new Set(before.map((a) => a.id));
      const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
      for (const a of list) bySeverity[a.severity]++;
      return {
        alerts: list.length,
        newAlerts: list.filter((a) => !known.has(a.id)).length,
        bySeverity,
        suppressed: list.filter((a) => a.suppressedBy !== null).length,
        dropped: engine.dropped,
        errors: engine.errors(),
        list,
      };
    },
  };
}

/** One line for the end of `analyze`: "Alerts: 3 (1 new): 1 critical, 2 medium; 1 suppressed". */
export function formatDetectionSummary(s: DetectionSummary): string {
  if (s.alerts === 0 && s.errors.length === 0 && s.dropped === 0) return 'Alerts: none';
  const parts = SEVERITIES.filter((k) => s.bySeverity[k] > 0).map((k) => `${s.bySeverity[k]} ${k}`);
  let line = `Alerts: ${s.alerts} (${s.newAlerts} new)${parts.length ? `: ${parts.join(', ')}` : ''}`;
  if (s.suppressed > 0) line += `; ${s.suppressed} suppressed`;
  if (s.dropped > 0) line += `; ${s.dropped} detections dropped (alert limit reached)`;
  if (s.errors.length > 0) {
    line += `; ${s.errors.length} rule(s) failed: ${s.errors.map((e) => `${e.ruleId} (${e.count}x: ${e.message})`).join(', ')}`;
  }
  return `${line}. See \`plantwarden alerts\`.`;
}
