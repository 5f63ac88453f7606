import { createHash } from 'node:crypto';
import type { Alert, Suppression } from '../alerts/model.js';
import type { FlowInfo } from '../dissectors/contract.js';
import { acceptanceExpired, severityRank } from '../findings/engine.js';
import type { Observation, Op } from '../observations/observation.js';
import type { ArpEvent, Detection, FlowEvent, Rule, RuleContext, RuleEvent } from './contract.js';

/**
 * Which observations a rule wants, beyond `Rule.events` (engine-side, not part of the rule
 * contract): `ops` = only transactions with one of these op classes (most transactions are
 * reads, and a rule about STOPs or downloads must not pay for them); `kinds` = only these
 * observation kinds. With both, a transaction must match `ops` and other kinds `kinds`.
 * A rule without a filter gets every observation.
 * `firstPerFunction`: of the transactions, only the first of each function on each flow (a rule
 * about functions never used before does not need the other million polling reads).
 */
export interface ObservationFilter {
  ops?: readonly Op[];
  kinds?: readonly Observation['kind'][];
  firstPerFunction?: boolean;
}

export interface DetectionEngineOptions {
  rules: readonly Rule[];
  /** A context per rule: shared host/baseline/policy views, the rule's own `state` map. */
  context: (rule: Rule) => RuleContext;
  /** Observation filters by rule id (see ObservationFilter). */
  filters?: ReadonlyMap<string, ObservationFilter> | Readonly<Record<string, ObservationFilter>>;
  suppressions?: readonly Suppression[];
  /** Wall-clock time suppressions are checked against (ISO); default: now. */
  now?: string;
  /** Alerts kept in memory; detections for new alerts beyond it are counted in `dropped`. */
  maxAlerts?: number;
  /** Errors from one rule after which it is no longer called (it still counts as failing). */
  maxRuleErrors?: number;
}

/** A rule that threw: how often, and the first message. */
export interface RuleError {
  ruleId: string;
  count: number;
  message: string;
  disabled: boolean;
}

const SHA_PREFIX = 20;
const MAX_EVIDENCE = 10;
const MAX_HOSTS_PER_ALERT = 64;

interface Pending {
  alert: Alert;
  rank: number;
  hosts: Set<string>;
}

interface Bound {
  rule: Rule;
  ctx: RuleContext;
  index: number;
}

/** sha256(ruleId + '\0' + key), hex, first 20 characters. */
export function alertId(ruleId: string, key: string): string {
  return createHash('sha256').update(`${ruleId}\0${key}`).digest('hex').slice(0, SHA_PREFIX);
}

/**
 * Dispatches events to the rules that asked for them and folds their detections into alerts.
 *
 * - Rules are bound once, per event kind; observations further by op class (transactions) and
 *   observation kind, so a read costs one map lookup when no rule wants reads.
 * - Detections with the same (rule, key) become one alert: count, first/last seen, the newest
 *   10 evidence lines, the hosts involved; severity is the highest seen, and title/remediation
 *   come from the newest detection at that severity.
 * - At most `maxAlerts` alerts (default 100,000); detections for further new alerts are dropped
 *   and counted. A rule that throws is isolated: counted, reported by `errors()`, and after
 *   `maxRuleErrors` (default 1,000) no longer called; the analysis goes on.
 * - Suppressions (rule or all rules; assets or all; until a date) mark alerts in `finish`.
 */
export class DetectionEngine {
  /** Detections folded in so far (including those on dropped alerts). */
  detections = 0;
  /** Detections that would have opened an alert beyond `maxAlerts`. */
  dropped = 0;
  private readonly byKind = new Map<RuleEvent['kind'], Bound[]>();
  /** Observation rules: per transaction op, per other observation kind. */
  private readonly byOp = new Map<string, Bound[]>();
  /** The same without the firstPerFunction rules: for transactions that repeat a function. */
  private readonly byOpRepeat = new Map<string, Bound[]>();
  private readonly byObsKind = new Map<string, Bound[]>();
  private readonly pending = new Map<string, Pending>();
  private readonly errs: RuleError[] = [];
  private readonly maxAlerts: number;
  private readonly maxRuleErrors: number;
  private readonly suppressions: readonly Suppression[];
  private readonly now: string;
  private readonly obsRules: number;
  private readonly obsEvent: { kind: 'observation'; obs: Observation; flow: FlowInfo } = {
    kind: 'observation',
    obs: null as unknown as Observation,
    flow: null as unknown as FlowInfo,
  };

  constructor(opts: DetectionEngineOptions) {
    this.maxAlerts = opts.maxAlerts ?? 100_000;
    this.maxRuleErrors = opts.maxRuleErrors ?? 1_000;
    this.suppressions = opts.suppressions ?? [];
    this.now = opts.now ?? new Date().toISOString();
    const filters =
      opts.filters instanceof Map
        ? (opts.filters as ReadonlyMap<string, ObservationFilter>)
        : new Map(Object.entries((opts.filters ?? {}) as Record<string, ObservationFilter>));
    const allOps: Op[] = [
      'read',
      'write',
      'program',
      'control',
      'firmware',
      'diagnostic',
      'discovery',
      'auth',
      'other',
    ];
    const allKinds: Observation['kind'][] = ['transaction', 'asset.identity', 'anomaly', 'credential'];
    let obsRules = 0;
    opts.rules.forEach((rule, index) => {
      const b: Bound = { rule, ctx: opts.context(rule), index };
      this.errs.push({ ruleId: rule.id, count: 0, message: '', disabled: false });
      for (const kind of new Set(rule.events)) {
        if (kind === 'observation') {
          obsRules++;
          const f = filters.get(rule.id);
          const kinds = f?.kinds ?? (f?.ops ? ['transaction'] : allKinds);
          for (const k of kinds) {
            if (k === 'transaction') {
              for (const op of f?.ops ?? allOps) {
                push(this.byOp, op, b);
                if (f?.firstPerFunction !== true) push(this.byOpRepeat, op, b);
              }
            } else push(this.byObsKind, k, b);
          }
          continue;
        }
        push(this.byKind, kind, b);
      }
    });
    this.obsRules = obsRules;
  }

  /** The op classes some rule wants every transaction of (repeats included); the others only first uses. */
  get repeatOps(): ReadonlySet<string> {
    return new Set(this.byOpRepeat.keys());
  }

  /** True when some rule wants observations at all (callers may skip the hook otherwise). */
  get wantsObservations(): boolean {
    return this.obsRules > 0;
  }

  /** One event, to the rules that asked for it. */
  handle(event: RuleEvent): void {
    if (event.kind === 'observation') {
      this.observe(event.obs, event.flow);
      return;
    }
    const list = this.byKind.get(event.kind);
    if (list !== undefined) this.run(list, event);
  }

  /**
   * Hot path for observations: one map lookup when no rule wants this one, and one event object
   * for them all (rules read the event during `evaluate` and keep nothing of it but its values).
   */
  observe(obs: Observation, flow: FlowInfo, repeat = false): void {
    const list =
      obs.kind === 'transaction' ? (repeat ? this.byOpRepeat : this.byOp).get(obs.op) : this.byObsKind.get(obs.kind);
    if (list === undefined) return;
    const ev = this.obsEvent;
    ev.obs = obs;
    ev.flow = flow;
    this.run(list, ev);
  }

  flowEnded(flow: FlowEvent): void {
    const list = this.byKind.get('flow');
    if (list !== undefined) this.run(list, { kind: 'flow', flow });
  }

  arp(arp: ArpEvent): void {
    const list = this.byKind.get('arp');
    if (list !== undefined) this.run(list, { kind: 'arp', arp });
  }

  private run(list: readonly Bound[], event: RuleEvent): void {
    for (let i = 0; i < list.length; i++) {
      const b = list[i] as Bound;
      const err = this.errs[b.index] as RuleError;
      if (err.disabled) continue;
      let out: Detection[] | null;
      try {
        out = b.rule.evaluate(event, b.ctx);
      } catch (e) {
        err.count++;
        if (err.message === '') err.message = (e instanceof Error ? e.message : String(e)).split('\n')[0] || 'threw';
        if (err.count >= this.maxRuleErrors) err.disabled = true;
        continue;
      }
      if (out !== null && out.length > 0) for (const d of out) this.add(b.rule, d);
    }
  }

  /** Fold one detection into its alert. */
  add(rule: Rule, d: Detection): void {
    this.detections++;
    const mapKey = `${d.ruleId}\0${d.key}`;
    let p = this.pending.get(mapKey);
    if (p === undefined) {
      if (this.pending.size >= this.maxAlerts) {
        this.dropped++;
        return;
      }
      p = {
        alert: {
          id: alertId(d.ruleId, d.key),
          ruleId: d.ruleId,
          revision: d.ruleId === rule.id ? rule.revision : 1,
          key: d.key,
          severity: d.severity,
          title: d.title,
          remediation: d.remediation,
          attack: [...d.attack],
          assets: [],
          count: 0,
          firstSeenUs: d.ts,
          lastSeenUs: d.ts,
          evidence: [],
          protocol: d.protocol ?? null,
          status: 'open',
          suppressedBy: null,
        },
        rank: severityRank(d.severity),
        hosts: new Set(),
      };
      this.pending.set(mapKey, p);
    }
    const a = p.alert;
    a.count++;
    if (d.ts < a.firstSeenUs) a.firstSeenUs = d.ts;
    if (d.ts >= a.lastSeenUs) a.lastSeenUs = d.ts;
    const rank = severityRank(d.severity);
    if (rank <= p.rank) {
      p.rank = rank;
      a.severity = d.severity;
      a.title = d.title;
      a.remediation = d.remediation;
      for (const t of d.attack) if (!a.attack.includes(t)) a.attack.push(t);
    }
    if (a.protocol === null && d.protocol !== undefined) a.protocol = d.protocol;
    a.evidence.push(d.evidence);
    if (a.evidence.length > MAX_EVIDENCE) a.evidence.shift();
    for (const h of d.hosts) if (p.hosts.size < MAX_HOSTS_PER_ALERT && h !== '') p.hosts.add(h);
  }

  /** Alerts held so far. */
  get size(): number {
    return this.pending.size;
  }

  /** Rules that threw, with counts and the first message. */
  errors(): RuleError[] {
    return this.errs.filter((e) => e.count > 0).map((e) => ({ ...e }));
  }

  /**
   * The alerts: hosts resolved to asset keys (unresolved hosts stay as given), suppressions
   * applied, most severe first, then by id.
   */
  finish(resolve: (host: string) => string | null = () => null): Alert[] {
    const out: Alert[] = [];
    for (const p of this.pending.values()) {
      const a = p.alert;
      const assets = new Set<string>();
      for (const h of p.hosts) assets.add(resolve(h) ?? h);
      a.assets = [...assets];
      a.suppressedBy = matchSuppression(a, p.hosts, this.suppressions, this.now);
      out.push({ ...a, attack: [...a.attack], assets: [...a.assets], evidence: [...a.evidence] });
    }
    return out.sort((x, y) => severityRank(x.severity) - severityRank(y.severity) || (x.id < y.id ? -1 : 1));
  }
}

/**
 * The id of the first suppression that covers the alert at `now`: same rule (or every rule),
 * one of its assets or hosts listed (or every asset), not expired. A date-only `until` stands
 * through the end of that day (UTC).
 */
export function matchSuppression(
  a: Pick<Alert, 'ruleId' | 'assets'>,
  hosts: Iterable<string>,
  suppressions: readonly Suppression[],
  now: string,
): string | null {
  for (const s of suppressions) {
    if (s.ruleId !== null && s.ruleId !== a.ruleId) continue;
    if (acceptanceExpired(s.until, now)) continue;
    if (s.assets.length > 0) {
      const listed = new Set(s.assets);
      let hit = a.assets.some((k) => listed.has(k));
      if (!hit) for (const h of hosts) if (listed.has(h)) hit = true;
      if (!hit) continue;
    }
    return s.id;
  }
  return null;
}

function push<K>(m: Map<K, Bound[]>, k: K, b: Bound): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [b]);
  else if (!l.includes(b)) l.push(b);
}
