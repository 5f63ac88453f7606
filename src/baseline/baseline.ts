import type { Kysely } from 'kysely';
import type { BaselineView, FlowEvent } from '../detect/contract.js';
import type { FlowInfo } from '../dissectors/contract.js';
import type { Observation } from '../observations/observation.js';
import type { BaselineRepository, BaselineState } from '../store/baseline-repository.js';
import { KyselyBaselineRepository } from '../store/kysely-baseline-repository.js';
import type { Store } from '../store/open.js';
import type { BaselineDatabase } from '../store/schema-baseline.js';
import { macIsMulticast, macToString } from '../util/net.js';
import {
  DAY_US,
  formatWelford,
  HOUR_US,
  hourOfDay,
  parseWelford,
  spreadOverHours,
  type Welford,
  welford,
  welfordAdd,
  welfordRemove,
} from './stats.js';

/**
 * The learned baseline: what normal looks like on this network, learned from analyses while
 * the baseline is learning, and the view the deviation rules (src/detect/rules/baseline.ts)
 * compare against once it is frozen. See README.md in this folder for the lifecycle and the
 * stored documents.
 */

/** Packet-time days an automatic learning period lasts (mode 'off' -> first analysis). */
export const DEFAULT_LEARN_DAYS = 7;
/** Days of learning needed before "traffic at an unusual hour" can be judged. */
export const MIN_DAYS_FOR_HOURS = 3;

/**
 * Caps on what is learned (memory and store stay bounded on a hostile or huge network). Items
 * beyond a cap are not learned (counted in `dropped`); they then look new to the rules, which
 * is the safe side for a monitor.
 */
export const CAPS = {
  assets: 100_000,
  links: 200_000,
  functions: 200_000,
  /** (asset, hour of day) volume statistics. */
  assetHours: 500_000,
  /** (client, server, hour of day) volume statistics. */
  linkHours: 500_000,
  /** Pairs with active-hour sets. */
  pairs: 200_000,
  /** Open (host or pair, absolute hour) byte counters of one analysis before they are folded. */
  buckets: 1_000_000,
  /** Distinct learned days remembered. */
  days: 3_660,
} as const;

/** Kinds of stored documents (`BaselineRepository` (kind, key) -> JSON). */
export const KIND = {
  /** key: host id ('10.0.0.5', 'mac:00:1b:..'); value {"f": first seen µs}. */
  asset: 'asset',
  /** key: client|server|protocol; value {"f": first seen µs}. */
  link: 'link',
  /** key: client|server|protocol|fn; value {"f": first seen µs}. */
  fn: 'fn',
  /** key: host|hour of day; value Welford {"n","mean","m2"} of bytes sent in that hour, one sample per day active. */
  sent: 'sent',
  /** key: client|server|hour of day; value Welford of bytes both ways on the pair. */
  linkBytes: 'linkbytes',
  /** key: client|server; value {"h": 24-bit mask of hours of day the pair talked}. */
  hours: 'hours',
  /** key 'days': {"days": [day numbers since the epoch learned]}; key 'learnDays': {"days": N} from `baseline learn --days`. */
  meta: 'meta',
} as const;

/** A flow's protocol as the baseline names it: the dissector's or port's name, else 'tcp/502'. */
export function linkProtocol(f: { protocol: string | null; transport: string; serverPort: number }): string {
  return f.protocol ?? `${f.transport}/${f.serverPort}`;
}

/** Host ids as the baseline keys them: IP strings as given, 'mac:..' as given, asset key 'ip:x' -> 'x'. */
export function hostId(key: string): string {
  return key.startsWith('ip:') ? key.slice(3) : key;
}

/** The id of a flow's client or server: its IP, or 'mac:..' on a non-IP (L2) flow. */
function endpoint(flow: FlowInfo, side: 'client' | 'server'): string {
  const ip = side === 'client' ? flow.clientIp : flow.serverIp;
  if (ip) return ip;
  const mac = side === 'client' ? flow.clientMac : flow.serverMac;
  return mac ? `mac:${macToString(mac)}` : '';
}

function firstSeen(text: string): number | null {
  try {
    const v = JSON.parse(text) as { f?: unknown };
    return typeof v?.f === 'number' && Number.isFinite(v.f) ? v.f : null;
  } catch {
    return null;
  }
}

/** The learned statistics in memory: loaded from the store, extended by the learner, saved back. */
export class BaselineModel {
  readonly assets = new Map<string, number>();
  readonly links = new Map<string, number>();
  readonly fns = new Map<string, number>();
  readonly sent = new Map<string, Welford>();
  readonly linkBytes = new Map<string, Welford>();
  readonly hours = new Map<string, number>();
  readonly days = new Set<number>();
  /** Items not learned because a cap was reached, plus unreadable stored documents. */
  dropped = 0;
  /** Keys changed since loading, per kind. */
  readonly dirty = new Map<string, Set<string>>();

  private mark(kind: string, key: string): void {
    let s = this.dirty.get(kind);
    if (!s) {
      s = new Set();
      this.dirty.set(kind, s);
    }
    s.add(key);
  }

  addSeen(kind: 'asset' | 'link' | 'fn', key: string, ts: number): void {
    const map = kind === 'asset' ? this.assets : kind === 'link' ? this.links : this.fns;
    if (map.has(key)) return;
    const cap = kind === 'asset' ? CAPS.assets : kind === 'link' ? CAPS.links : CAPS.functions;
    if (map.size >= cap) {
      this.dropped++;
      return;
    }
    map.set(key, ts);
    this.mark(kind, key);
  }

  addHours(pair: string, mask: number): void {
    const cur = this.hours.get(pair);
    if (cur === undefined && this.hours.size >= CAPS.pairs) {
      this.dropped++;
      return;
    }
    const next = (cur ?? 0) | mask;
    if (next !== cur) {
      this.hours.set(pair, next);
      this.mark(KIND.hours, pair);
    }
  }

  addVolume(kind: 'sent' | 'linkbytes', key: string, bytes: number, replaces?: number): void {
    const map = kind === 'sent' ? this.sent : this.linkBytes;
    let w = map.get(key);
    if (!w) {
      if (map.size >= (kind === 'sent' ? CAPS.assetHours : CAPS.linkHours)) {
        this.dropped++;
        return;
      }
      w = welford();
      map.set(key, w);
    }
    if (replaces !== undefined) welfordRemove(w, replaces);
    welfordAdd(w, bytes);
    this.mark(kind, key);
  }

  addDay(day: number): void {
    if (this.days.has(day)) return;
    if (this.days.size >= CAPS.days) return;
    this.days.add(day);
    this.mark(KIND.meta, 'days');
  }

  /** Load every document from the repository (unreadable documents are skipped and counted). */
  async load(repo: BaselineRepository): Promise<void> {
    for (const [kind, map] of [
      [KIND.asset, this.assets],
      [KIND.link, this.links],
      [KIND.fn, this.fns],
    ] as const) {
      for (const r of await repo.getStats(kind)) {
        const f = firstSeen(r.value);
        if (f === null) this.dropped++;
        else map.set(r.key, f);
      }
    }
    for (const [kind, map] of [
      [KIND.sent, this.sent],
      [KIND.linkBytes, this.linkBytes],
    ] as const) {
      for (const r of await repo.getStats(kind)) {
        const w = parseWelford(r.value);
        if (w === null) this.dropped++;
        else map.set(r.key, w);
      }
    }
    for (const r of await repo.getStats(KIND.hours)) {
      try {
        const h = (JSON.parse(r.value) as { h?: unknown }).h;
        if (typeof h === 'number' && Number.isInteger(h) && h >= 0 && h < 1 << 24) this.hours.set(r.key, h);
        else this.dropped++;
      } catch {
        this.dropped++;
      }
    }
    for (const r of await repo.getStats(KIND.meta)) {
      if (r.key !== 'days') continue;
      try {
        const days = (JSON.parse(r.value) as { days?: unknown }).days;
        if (Array.isArray(days)) {
          for (const d of days) if (Number.isSafeInteger(d) && this.days.size < CAPS.days) this.days.add(d as number);
        }
      } catch {
        this.dropped++;
      }
    }
  }

  /** Write the changed documents back (one batched transaction). */
  async save(repo: BaselineRepository): Promise<void> {
    const rows: { kind: string; key: string; value: string }[] = [];
    for (const [kind, keys] of this.dirty) {
      for (const key of keys) {
        let value: string | undefined;
        if (kind === KIND.asset || kind === KIND.link || kind === KIND.fn) {
          const map = kind === KIND.asset ? this.assets : kind === KIND.link ? this.links : this.fns;
          const f = map.get(key);
          if (f !== undefined) value = JSON.stringify({ f });
        } else if (kind === KIND.sent || kind === KIND.linkBytes) {
          const w = (kind === KIND.sent ? this.sent : this.linkBytes).get(key);
          if (w) value = formatWelford(w);
        } else if (kind === KIND.hours) {
          const h = this.hours.get(key);
          if (h !== undefined) value = JSON.stringify({ h });
        } else if (kind === KIND.meta && key === 'days') {
          value = JSON.stringify({ days: [...this.days].sort((a, b) => a - b) });
        }
        if (value !== undefined) rows.push({ kind, key, value });
      }
    }
    this.dirty.clear();
    await repo.putStats(rows);
  }

  /** Counts of learned items, for `baseline status`. */
  counts(): Record<string, number> {
    return {
      assets: this.assets.size,
      links: this.links.size,
      functions: this.fns.size,
      assetHourVolumes: this.sent.size,
      linkHourVolumes: this.linkBytes.size,
      pairsWithHours: this.hours.size,
      daysLearned: this.days.size,
    };
  }
}

/** The BaselineView plus what the deviation rules need beyond the contract. */
export interface LearnedBaselineView extends BaselineView {
  /** Distinct days (UTC, packet time) the baseline has learned. */
  readonly daysLearned: number;
  /**
   * Packet time at which learning ended during this analysis (null otherwise): flows before it
   * are still learned when the pipeline reports them late, and the rules do not judge them.
   */
  readonly learnedUntilUs: number | null;
}

/** Whether an event at `ts` belongs to the learning period that ended during this analysis. */
export function beforeFreeze(view: BaselineView, ts: number): boolean {
  const u = (view as Partial<LearnedBaselineView>).learnedUntilUs;
  return typeof u === 'number' && ts < u;
}

/** Days learned behind a view: views other than this module's are trusted to have enough. */
export function daysLearned(view: BaselineView): number {
  const d = (view as Partial<LearnedBaselineView>).daysLearned;
  return typeof d === 'number' ? d : Number.POSITIVE_INFINITY;
}

const hourSets = new WeakMap<BaselineModel, Map<number, ReadonlySet<number>>>();

function maskToSet(model: BaselineModel, mask: number): ReadonlySet<number> {
  let cache = hourSets.get(model);
  if (!cache) {
    cache = new Map();
    hourSets.set(model, cache);
  }
  let s = cache.get(mask);
  if (!s) {
    const set = new Set<number>();
    for (let h = 0; h < 24; h++) if (mask & (1 << h)) set.add(h);
    s = set;
    cache.set(mask, s);
  }
  return s;
}

/** A view over a model; `learning` is read live from `isLearning` (learning can end mid-capture). */
export function modelView(
  model: BaselineModel,
  isLearning: () => boolean,
  learnedUntilUs: () => number | null = () => null,
  sync: () => void = () => {},
): LearnedBaselineView {
  const stat = (w: Welford | undefined) => {
    if (!w || w.n === 0) return null;
    return { mean: w.mean, sd: w.n > 1 ? Math.sqrt(Math.max(0, w.m2) / (w.n - 1)) : 0, samples: w.n };
  };
  return {
    get learning() {
      return isLearning();
    },
    get daysLearned() {
      return model.days.size;
    },
    get learnedUntilUs() {
      return learnedUntilUs();
    },
    knownAsset: (key) => model.assets.has(hostId(key)),
    knownLink: (c, s, p) => model.links.has(`${hostId(c)}|${hostId(s)}|${p}`),
    knownFunction: (c, s, p, fn) => model.fns.has(`${hostId(c)}|${hostId(s)}|${p}|${fn}`),
    hourlyBytesSent: (asset, hour) => {
      sync();
      return stat(model.sent.get(`${hostId(asset)}|${hour}`));
    },
    hourlyLinkBytes: (c, s, hour) => {
      sync();
      return stat(model.linkBytes.get(`${hostId(c)}|${hostId(s)}|${hour}`));
    },
    activeHours: (c, s) => {
      const m = model.hours.get(`${hostId(c)}|${hostId(s)}`);
      return m === undefined ? null : maskToSet(model, m);
    },
  };
}

/** Hours of day (as a 24-bit mask) a time span touches. */
export function hoursMask(firstUs: number, lastUs: number): number {
  const h0 = Math.floor(Math.min(firstUs, lastUs) / HOUR_US);
  const h1 = Math.floor(Math.max(firstUs, lastUs) / HOUR_US);
  if (h1 - h0 >= 23) return (1 << 24) - 1;
  let m = 0;
  for (let h = h0; h <= h1; h++) m |= 1 << hourOfDay(h);
  return m;
}

export interface BaselineLearner {
  onObservation(obs: Observation, flow: FlowInfo, repeat?: boolean): void;
  onFlowEnd(f: FlowEvent): void;
  /** End of the analysis: fold this capture's hourly volumes, save the statistics and the state. */
  finish(): Promise<void>;
}

/**
 * Learns from one analysis. Volumes are counted per (host, absolute hour) and per (pair,
 * absolute hour) while the capture runs, and folded into per-hour-of-day statistics (one sample
 * per day and hour the host or pair was active) when learning freezes or the analysis ends.
 */
export class Learner implements BaselineLearner {
  /** This analysis's byte counters per (host|absolute hour) and (client|server|absolute hour). */
  private readonly sentBuckets = new Map<string, number>();
  private readonly linkBuckets = new Map<string, number>();
  /** The value each counter had when it was last folded into the statistics. */
  private readonly folded = new Map<string, number>();
  /** Counters changed since the last fold. */
  private readonly changed = new Set<string>();
  /** Functions already learned per flow in this analysis (the flow object is the key: dropped with it). */
  private readonly fnsByFlow = new WeakMap<FlowInfo, Set<string>>();
  private lastFlow: FlowInfo | null = null;
  private lastSeen: Set<string> | undefined = undefined;
  private lastDay = Number.NaN;
  private stateDirty = false;
  /** Packet time of the newest event seen. */
  nowUs = 0;
  /** Packet time at which learning ended in this analysis (null: it did not). */
  frozeAtUs: number | null = null;
  /** `baseline learn --days N` left the period open until the first packet: set by loadBaseline. */
  pendingDays = false;

  constructor(
    readonly model: BaselineModel,
    readonly state: BaselineState,
    private readonly learnDays: number,
    private readonly repo: BaselineRepository | null,
  ) {}

  get learning(): boolean {
    return this.state.mode !== 'frozen';
  }

  /**
   * Advance packet time (start an automatic learning period, or freeze when it is over) and
   * say whether an event at `ts` teaches: true while learning, and after a freeze in this
   * analysis for events from before it (the pipeline reports flows when they end, often late).
   */
  private tick(ts: number): boolean {
    if (!Number.isFinite(ts) || ts <= 0) return false;
    if (ts > this.nowUs) this.nowUs = ts;
    const st = this.state;
    if (st.mode === 'frozen') return this.frozeAtUs !== null && ts < this.frozeAtUs;
    if (st.mode === 'off') {
      st.mode = 'learning';
      st.startedAt = new Date(Math.floor(ts / 1000)).toISOString();
      st.learnUntilUs = ts + this.learnDays * DAY_US;
      this.stateDirty = true;
    } else if (st.learnUntilUs === null && this.pendingDays) {
      st.learnUntilUs = ts + this.learnDays * DAY_US;
      this.pendingDays = false;
      this.stateDirty = true;
    }
    if (st.learnUntilUs !== null && this.nowUs >= st.learnUntilUs) {
      const at = st.learnUntilUs;
      this.freeze(at);
      return ts < at;
    }
    const day = Math.floor(ts / DAY_US);
    if (day !== this.lastDay) {
      this.lastDay = day;
      this.model.addDay(day);
    }
    return true;
  }

  /** Stop learning at packet time `atUs`. */
  freeze(atUs: number): void {
    this.sync();
    this.frozeAtUs = atUs;
    this.state.mode = 'frozen';
    this.state.learnUntilUs = null;
    this.state.frozenAt = new Date(Math.floor(atUs / 1000)).toISOString();
    this.stateDirty = true;
  }

  private bucket(map: Map<string, number>, key: string, bytes: number): void {
    const cur = map.get(key);
    if (cur === undefined && this.sentBuckets.size + this.linkBuckets.size >= CAPS.buckets) {
      // Out of counters: fold and start over (an hour split here counts as two samples).
      this.sync();
      this.sentBuckets.clear();
      this.linkBuckets.clear();
      this.folded.clear();
    }
    map.set(key, (cur ?? 0) + bytes);
    this.changed.add(key);
  }

  /**
   * Fold changed counters into the per-hour-of-day statistics: one sample per (host or pair,
   * day, hour); a counter that grew since it was folded replaces its earlier sample.
   */
  sync(): void {
    if (this.changed.size === 0) return;
    for (const key of this.changed) {
      const i = key.lastIndexOf('|');
      const hod = hourOfDay(Number(key.slice(i + 1)));
      const bytes = this.sentBuckets.get(key) ?? this.linkBuckets.get(key);
      if (bytes === undefined) continue;
      const kind = this.sentBuckets.has(key) ? 'sent' : 'linkbytes';
      const id = kind === 'sent' ? key.slice(0, i) : key.slice(0, i).replace('>', '|');
      this.model.addVolume(kind, `${id}|${hod}`, bytes, this.folded.get(key));
      this.folded.set(key, bytes);
    }
    this.changed.clear();
  }

  onFlowEnd(f: FlowEvent): void {
    if (!this.tick(f.lastUs)) return;
    const c = f.clientIp;
    const s = f.serverIp;
    if (!c || !s) return;
    const m = this.model;
    const ts = f.firstUs;
    if (f.packetsToServer > 0) {
      m.addSeen('asset', c, ts);
      if (f.clientMac && !macIsMulticast(f.clientMac)) m.addSeen('asset', `mac:${macToString(f.clientMac)}`, ts);
      spreadOverHours(f.firstUs, f.lastUs, f.bytesToServer, (h, b) => this.bucket(this.sentBuckets, `${c}|${h}`, b));
    }
    if (f.packetsToClient > 0) {
      m.addSeen('asset', s, ts);
      if (f.serverMac && !macIsMulticast(f.serverMac)) m.addSeen('asset', `mac:${macToString(f.serverMac)}`, ts);
      spreadOverHours(f.firstUs, f.lastUs, f.bytesToClient, (h, b) => this.bucket(this.sentBuckets, `${s}|${h}`, b));
      m.addSeen('link', `${c}|${s}|${linkProtocol(f)}`, ts);
      m.addHours(`${c}|${s}`, hoursMask(f.firstUs, f.lastUs));
      spreadOverHours(f.firstUs, f.lastUs, f.bytesToServer + f.bytesToClient, (h, b) =>
        this.bucket(this.linkBuckets, `${c}>${s}|${h}`, b),
      );
    }
  }

  onObservation(obs: Observation, flow: FlowInfo, repeat = false): void {
    // A function already seen on this flow teaches nothing new.
    if (repeat || obs.kind !== 'transaction') return;
    // Polling repeats the same few functions on a flow hundreds of thousands of times: learn each
    // (flow, function) once per analysis, not once per transaction.
    // The same flow many times in a row: skip the WeakMap for it.
    let seen = flow === this.lastFlow ? this.lastSeen : this.fnsByFlow.get(flow);
    if (seen === undefined) {
      seen = new Set();
      this.fnsByFlow.set(flow, seen);
    }
    this.lastFlow = flow;
    this.lastSeen = seen;
    if (seen.has(obs.fn)) return;
    seen.add(obs.fn);
    if (!this.tick(obs.ts)) return;
    const c = endpoint(flow, 'client');
    const s = endpoint(flow, 'server');
    if (!c) return;
    if (flow.transport === 'l2') this.model.addSeen('asset', c, obs.ts);
    this.model.addSeen('fn', `${c}|${s}|${obs.protocol}|${obs.fn}`, obs.ts);
  }

  async finish(): Promise<void> {
    this.sync();
    if (!this.repo) return;
    await this.model.save(this.repo);
    if (this.stateDirty) await this.repo.setState({ ...this.state });
    this.stateDirty = false;
  }
}

/**
 * Stop learning: from now on the view answers and deviations alert. `baseline freeze` and the
 * demo (after its normal day) both come through here. Returns the state it stored.
 */
export async function freezeBaseline(repo: BaselineRepository, now: Date = new Date()): Promise<BaselineState> {
  const prev = await repo.getState();
  const next: BaselineState = {
    mode: 'frozen',
    learnUntilUs: null,
    startedAt: prev.startedAt ?? now.toISOString(),
    frozenAt: now.toISOString(),
  };
  await repo.setState(next);
  return next;
}

export function baselineRepository(store: Store): KyselyBaselineRepository {
  return new KyselyBaselineRepository(store.db as unknown as Kysely<BaselineDatabase>);
}

/** Days set by `baseline learn --days N`, read from the meta document. */
export async function learnDaysSetting(repo: BaselineRepository): Promise<number | null> {
  for (const r of await repo.getStats(KIND.meta)) {
    if (r.key !== 'learnDays') continue;
    try {
      const d = (JSON.parse(r.value) as { days?: unknown }).days;
      if (typeof d === 'number' && d > 0 && d <= 3650) return d;
      return null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Load the baseline for one analysis.
 *
 * - mode 'off': learning starts at the first packet, for DEFAULT_LEARN_DAYS days of packet time;
 * - mode 'learning': the learner accumulates; when packet time passes `learnUntilUs` the
 *   baseline freezes by itself (mid-capture if need be: the view turns `learning: false` then);
 * - mode 'frozen': the view answers and nothing is learned (a changed plant re-learns with
 *   `baseline learn`, which adds to what is known, or `baseline reset`, which forgets it).
 *
 * The view is never null: rules read `view.learning` (it may change during the analysis).
 */
export async function loadBaseline(
  store: Store | { baseline: BaselineRepository },
): Promise<{ view: BaselineView | null; learner: BaselineLearner }> {
  const repo = 'baseline' in store ? store.baseline : baselineRepository(store);
  const state = await repo.getState();
  const model = new BaselineModel();
  await model.load(repo);
  const days = await learnDaysSetting(repo);
  const learner = new Learner(model, state, days ?? DEFAULT_LEARN_DAYS, repo);
  learner.pendingDays = state.mode === 'learning' && state.learnUntilUs === null && days !== null;
  const view = modelView(
    model,
    () => learner.learning,
    () => learner.frozeAtUs,
    () => learner.sync(),
  );
  return { view, learner };
}
