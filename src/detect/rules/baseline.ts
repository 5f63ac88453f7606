import { beforeFreeze, daysLearned, hoursMask, linkProtocol, MIN_DAYS_FOR_HOURS } from '../../baseline/baseline.js';
import { HOUR_US, hourOfDay, spreadOverHours, volumeThreshold } from '../../baseline/stats.js';
import type { Severity } from '../../findings/model.js';
import { OT_ROLES } from '../../inventory/model.js';
import type { BaselineView, Detection, FlowEvent, HostView, Rule, RuleContext, RuleEvent } from '../contract.js';
import type { ObservationFilter } from '../engine.js';

/**
 * Deviation rules: compare traffic against the learned baseline (src/baseline) once it is frozen.
 * All stay silent while the baseline is learning (or absent). Their state is bounded: at most
 * MAX_STATE keys each; beyond that new keys are not tracked (repeat detections may follow, which
 * the engine aggregates into the same alert).
 */

const MAX_STATE = 100_000;
/** How long after an hour ends its volume bucket is judged (flows end a little late). */
const CLOSE_GRACE_US = 5 * 60_000_000;
/** Closed volume buckets are kept this long for flows that report late (long flows end late). */
const KEEP_CLOSED_US = 48 * HOUR_US;

/** Protocols of control systems: a new link or function on them matters more. */
const OT_PROTOCOLS: ReadonlySet<string> = new Set([
  'modbus',
  's7comm',
  's7comm-plus',
  'enip',
  'cip',
  'dnp3',
  'bacnet',
  'opcua',
  'iec104',
  'profinet',
  'profinet-dcp',
  'melsoft',
  'fins',
  'umas',
]);

function frozen(ctx: RuleContext): BaselineView | null {
  const b = ctx.baseline;
  return b && !b.learning ? b : null;
}

/**
 * The frozen baseline a flow event is news against, or null: not a flow, the baseline still
 * learning, or a flow of the learning period that ended in this analysis (reported late).
 */
function newsAgainst(ev: RuleEvent, ctx: RuleContext): BaselineView | null {
  if (ev.kind !== 'flow') return null;
  const b = frozen(ctx);
  return b !== null && !beforeFreeze(b, ev.flow.lastUs) ? b : null;
}

function isOt(h: HostView): boolean {
  return (h.level !== null && h.level <= 2) || OT_ROLES.has(h.role);
}

/** Broadcast, multicast and unspecified addresses are not devices. */
function notADevice(ip: string): boolean {
  if (ip === '' || ip === '0.0.0.0' || ip === '::' || ip === '255.255.255.255') return true;
  const first = Number(ip.split('.', 1)[0]);
  if (!ip.includes(':') && first >= 224 && first <= 239) return true;
  return ip.toLowerCase().startsWith('ff');
}

function once(ctx: RuleContext, key: string): boolean {
  let seen = ctx.state.get('seen') as Set<string> | undefined;
  if (!seen) {
    seen = new Set();
    ctx.state.set('seen', seen);
  }
  if (seen.has(key)) return false;
  if (seen.size < MAX_STATE) seen.add(key);
  return true;
}

function known(b: BaselineView, ctx: RuleContext, ip: string): boolean {
  if (b.knownAsset(ip)) return true;
  const k = ctx.host(ip).assetKey;
  return k !== null && b.knownAsset(k);
}

function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace('.000Z', 'Z');
}

/** Bytes for people: 9.1 kB, 52.4 MB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function detection(rule: Rule, p: Omit<Detection, 'ruleId' | 'attack'> & { attack?: string[] }): Detection {
  return { ruleId: rule.id, attack: p.attack ?? [...rule.attack], ...p };
}

export const newAssetRule: Rule = {
  id: 'baseline.new-asset',
  revision: 1,
  severity: 'medium',
  title: 'New device on the network',
  remediation:
    'A device that was not there while the baseline was learned is now talking. Confirm it is an approved ' +
    'device (new equipment, a contractor laptop, a replacement). If nobody can account for it, disconnect ' +
    'it from the switch port and inspect it; if it is approved, add it to the plant inventory.',
  attack: ['T0864', 'T0848'],
  events: ['flow'],
  evaluate(ev: RuleEvent, ctx: RuleContext): Detection[] | null {
    const b = newsAgainst(ev, ctx);
    if (b === null || ev.kind !== 'flow') return null;
    const f = ev.flow;
    const out: Detection[] = [];
    for (const [ip, sent, peer] of [
      [f.clientIp, f.packetsToServer > 0, f.serverIp],
      [f.serverIp, f.packetsToClient > 0, f.clientIp],
    ] as const) {
      if (!sent || notADevice(ip) || known(b, ctx, ip) || !once(ctx, ip)) continue;
      const h = ctx.host(ip);
      const severity: Severity = isOt(h) || OT_PROTOCOLS.has(f.protocol ?? '') ? 'high' : 'medium';
      out.push(
        detection(this, {
          key: ip,
          severity,
          title: `New device ${h.label} appeared after the baseline was learned`,
          remediation: this.remediation,
          ts: f.firstUs,
          hosts: [ip],
          evidence: `first flow ${f.clientIp}:${f.clientPort} -> ${f.serverIp}:${f.serverPort} ${linkProtocol(f)}${f.vlan ? ` vlan ${f.vlan}` : ''} at ${iso(f.firstUs)} (peer ${peer})`,
          ...(f.protocol ? { protocol: f.protocol } : {}),
          flowId: f.id,
        }),
      );
    }
    return out.length ? out : null;
  },
};

export const newLinkRule: Rule = {
  id: 'baseline.new-link',
  revision: 1,
  severity: 'low',
  title: 'New conversation between known devices',
  remediation:
    'Two known devices talk in a way they never did while the baseline was learned (a new pair, or a new ' +
    'protocol between a known pair). Check that the change was planned (a new HMI screen, a new historian ' +
    'tag, a maintenance session); if not, find which program on the client opened it.',
  attack: ['T0886', 'T0869'],
  events: ['flow'],
  evaluate(ev: RuleEvent, ctx: RuleContext): Detection[] | null {
    const b = newsAgainst(ev, ctx);
    if (b === null || ev.kind !== 'flow') return null;
    const f = ev.flow;
    // Unanswered attempts are scans, not conversations; new devices have their own rule.
    if (f.packetsToClient === 0 || !f.clientIp || !f.serverIp || notADevice(f.serverIp)) return null;
    const proto = linkProtocol(f);
    if (b.knownLink(f.clientIp, f.serverIp, proto)) return null;
    if (!known(b, ctx, f.clientIp) || !known(b, ctx, f.serverIp)) return null;
    const key = `${f.clientIp}>${f.serverIp}:${proto}`;
    if (!once(ctx, key)) return null;
    const pairKnown = b.activeHours(f.clientIp, f.serverIp) !== null;
    const c = ctx.host(f.clientIp);
    const s = ctx.host(f.serverIp);
    const ot = OT_PROTOCOLS.has(f.protocol ?? '') || (s.level !== null && s.level <= 1);
    const severity: Severity = ot ? (pairKnown ? 'medium' : 'high') : pairKnown ? 'low' : 'medium';
    return [
      detection(this, {
        key,
        severity,
        title: pairKnown
          ? `New protocol ${proto} between ${c.label} and ${s.label}`
          : `New connection from ${c.label} to ${s.label} over ${proto}`,
        remediation: this.remediation,
        ts: f.firstUs,
        hosts: [f.clientIp, f.serverIp],
        evidence: `${f.clientIp}:${f.clientPort} -> ${f.serverIp}:${f.serverPort} ${proto}, ${f.packetsToServer + f.packetsToClient} packets at ${iso(f.firstUs)}`,
        ...(f.protocol ? { protocol: f.protocol } : {}),
        flowId: f.id,
      }),
    ];
  },
};

const RISKY_OPS: ReadonlySet<string> = new Set(['write', 'program', 'control', 'firmware']);

export const newFunctionRule: Rule = {
  id: 'baseline.new-function',
  revision: 1,
  severity: 'medium',
  title: 'New function code between known devices',
  remediation:
    'A client used a protocol function on a server that it never used while the baseline was learned. ' +
    'Ask the owner of the client whether this was planned work (a recipe change, a new tag, maintenance); ' +
    'if not, treat it as an unauthorised command and check the controller for changes.',
  attack: ['T0855'],
  events: ['observation'],
  evaluate(ev: RuleEvent, ctx: RuleContext): Detection[] | null {
    if (ev.kind !== 'observation' || ev.obs.kind !== 'transaction') return null;
    const b = frozen(ctx);
    if (!b) return null;
    const { obs, flow } = ev;
    const c = flow.clientIp;
    const s = flow.serverIp;
    if (!c || !s) return null;
    // Most transactions repeat a function already checked on the same flow: answer those from
    // a small per-flow cache instead of building lookup keys on every read.
    let flows = ctx.state.get('flows') as Map<number, { link: boolean; fns: Set<string> }> | undefined;
    if (!flows) {
      flows = new Map();
      ctx.state.set('flows', flows);
    }
    let fc = flows.get(flow.id);
    if (!fc) {
      if (flows.size >= 10_000) flows.clear();
      // Only between a pair known on this protocol: anything else is a new link or a new device.
      fc = { link: b.knownLink(c, s, obs.protocol), fns: new Set() };
      flows.set(flow.id, fc);
    }
    if (!fc.link || fc.fns.has(obs.fn)) return null;
    if (fc.fns.size < 1000) fc.fns.add(obs.fn);
    if (b.knownFunction(c, s, obs.protocol, obs.fn)) return null;
    const key = `${c}>${s}:${obs.protocol}:${obs.fn}`;
    if (!once(ctx, key)) return null;
    const risky = RISKY_OPS.has(obs.op);
    return [
      detection(this, {
        key,
        severity: risky ? 'high' : 'medium',
        title: `${ctx.host(c).label} used ${obs.protocol} ${obs.fn} (${obs.op}) on ${ctx.host(s).label} for the first time`,
        remediation: this.remediation,
        attack: risky ? ['T0855', 'T0836'] : ['T0855'],
        ts: obs.ts,
        hosts: [c, s],
        evidence: `${obs.protocol} ${obs.fn} (code ${obs.fnCode}, op ${obs.op}, status ${obs.status}) ${c} -> ${s}:${flow.serverPort} at ${iso(obs.ts)}`,
        protocol: obs.protocol,
        flowId: obs.flowId,
      }),
    ];
  },
};

/** One (host or pair, absolute hour) byte counter of the volume rule. */
interface Bucket {
  /** Host id (asset buckets) or 'client>server' (link buckets). */
  id: string;
  link: boolean;
  hour: number;
  bytes: number;
  closed: boolean;
  alerted: boolean;
  /** The flow that contributed most: its start (clipped to the hour), peer and bytes. */
  bigBytes: number;
  bigTs: number;
  bigWhat: string;
}

interface VolumeState {
  now: number;
  nextClose: number;
  assets: Map<string, Bucket>;
  links: Map<string, Bucket>;
  dropped: number;
}

function volumeState(ctx: RuleContext): VolumeState {
  let st = ctx.state.get('volume') as VolumeState | undefined;
  if (!st) {
    st = { now: 0, nextClose: Number.POSITIVE_INFINITY, assets: new Map(), links: new Map(), dropped: 0 };
    ctx.state.set('volume', st);
  }
  return st;
}

function addBytes(
  st: VolumeState,
  map: Map<string, Bucket>,
  id: string,
  link: boolean,
  hour: number,
  bytes: number,
  fromUs: number,
  what: string,
): Bucket | null {
  const k = `${id}|${hour}`;
  let bk = map.get(k);
  if (!bk) {
    if (st.assets.size + st.links.size >= MAX_STATE) {
      st.dropped++;
      return null;
    }
    bk = { id, link, hour, bytes: 0, closed: false, alerted: false, bigBytes: 0, bigTs: fromUs, bigWhat: what };
    map.set(k, bk);
    const closeAt = (hour + 1) * HOUR_US + CLOSE_GRACE_US;
    if (closeAt < st.nextClose) st.nextClose = closeAt;
  }
  bk.bytes += bytes;
  if (bytes > bk.bigBytes) {
    bk.bigBytes = bytes;
    bk.bigTs = Math.max(fromUs, hour * HOUR_US);
    bk.bigWhat = what;
  }
  return bk;
}

function judge(rule: Rule, b: BaselineView, ctx: RuleContext, st: VolumeState, bk: Bucket, out: Detection[]): void {
  if (bk.alerted) return;
  const hod = hourOfDay(bk.hour);
  let stats: { mean: number; sd: number; samples: number } | null;
  let hosts: string[];
  if (bk.link) {
    hosts = bk.id.split('>');
    stats = b.hourlyLinkBytes(hosts[0] as string, hosts[1] as string, hod);
  } else {
    hosts = [bk.id];
    stats = b.hourlyBytesSent(bk.id, hod);
  }
  const threshold = volumeThreshold(stats);
  if (bk.bytes <= threshold) return;
  if (bk.link) {
    // One incident, one alert: the sender's own volume alert for this hour already says it.
    for (const h of hosts) if (st.assets.get(`${h}|${bk.hour}`)?.alerted) return;
  }
  bk.alerted = true;
  const labels = hosts.map((h) => ctx.host(h).label);
  const ot = hosts.some((h) => isOt(ctx.host(h)));
  const from = iso(bk.hour * HOUR_US).slice(0, 16);
  const normal = stats ? `${formatBytes(stats.mean)} (sd ${formatBytes(stats.sd)}, ${stats.samples} days)` : 'nothing';
  out.push(
    detection(rule, {
      key: bk.link ? `link:${bk.id}` : `asset:${bk.id}`,
      severity: ot ? 'high' : 'medium',
      title: bk.link
        ? `Unusual data volume between ${labels[0]} and ${labels[1]}: ${formatBytes(bk.bytes)} in the hour from ${from.slice(11)} UTC (normally ${stats ? formatBytes(stats.mean) : 'none'})`
        : `Unusual data volume: ${labels[0]} sent ${formatBytes(bk.bytes)} in the hour from ${from.slice(11)} UTC (normally ${stats ? formatBytes(stats.mean) : 'none'})`,
      remediation: rule.remediation,
      ts: bk.bigTs,
      hosts,
      evidence: `${Math.round(bk.bytes)} bytes ${from}Z+1h; learned for ${hod}:00 ${normal}; threshold ${Math.round(threshold)}; largest: ${bk.bigWhat}`,
    }),
  );
}

export const unusualVolumeRule: Rule = {
  id: 'baseline.unusual-volume',
  revision: 1,
  severity: 'high',
  title: 'Unusual data volume',
  remediation:
    'A device (or a conversation) moved far more data in one hour than it does at that time of day. A ' +
    'controller or other OT device sending out large amounts of data may be leaking process data, ' +
    'recipes or programs. Find where the data went (the largest transfer is named); if the destination ' +
    'is outside the plant or unknown, block it at the firewall and examine the device and its peer.',
  attack: ['T0882', 'T0802'],
  events: ['flow', 'end'],
  evaluate(ev: RuleEvent, ctx: RuleContext): Detection[] | null {
    const b = frozen(ctx);
    if (!b) return null;
    const st = volumeState(ctx);
    const out: Detection[] = [];
    if (ev.kind === 'flow') {
      const f = ev.flow;
      // Flows from the learning period that ended in this analysis are reported late: not news.
      if (beforeFreeze(b, f.lastUs)) return null;
      if (f.lastUs > st.now) st.now = f.lastUs;
      const what = `${f.clientIp}:${f.clientPort} -> ${f.serverIp}:${f.serverPort} ${linkProtocol(f)}`;
      const touched: Bucket[] = [];
      const track = (bk: Bucket | null) => {
        if (bk?.closed) touched.push(bk);
      };
      const sides: [string, number][] = [
        [f.clientIp, f.bytesToServer],
        [f.serverIp, f.bytesToClient],
      ];
      for (const [ip, bytes] of sides) {
        if (!ip || bytes <= 0 || !b.knownAsset(ip)) continue;
        spreadOverHours(f.firstUs, f.lastUs, bytes, (h, n, from) =>
          track(addBytes(st, st.assets, ip, false, h, n, from, what)),
        );
      }
      if (f.clientIp && f.serverIp && b.activeHours(f.clientIp, f.serverIp) !== null) {
        spreadOverHours(f.firstUs, f.lastUs, f.bytesToServer + f.bytesToClient, (h, n, from) =>
          track(addBytes(st, st.links, `${f.clientIp}>${f.serverIp}`, true, h, n, from, what)),
        );
      }
      // Late bytes for an hour already judged: judge it again (at most one alert per bucket).
      for (const bk of touched) if (!bk.link) judge(this, b, ctx, st, bk, out);
      for (const bk of touched) if (bk.link) judge(this, b, ctx, st, bk, out);
    } else if (ev.kind === 'end') {
      if (ev.ts > st.now) st.now = ev.ts;
      st.nextClose = Number.NEGATIVE_INFINITY;
    } else return null;
    if (st.now >= st.nextClose || ev.kind === 'end') {
      const all = ev.kind === 'end';
      let next = Number.POSITIVE_INFINITY;
      for (const map of [st.assets, st.links]) {
        for (const [k, bk] of map) {
          const closeAt = (bk.hour + 1) * HOUR_US + CLOSE_GRACE_US;
          if (bk.closed) {
            if (st.now - closeAt > KEEP_CLOSED_US) map.delete(k);
            continue;
          }
          if (all || st.now >= closeAt) {
            bk.closed = true;
            judge(this, b, ctx, st, bk, out);
          } else if (closeAt < next) next = closeAt;
        }
      }
      st.nextClose = next;
    }
    return out.length ? out : null;
  },
};

export const unusualHourRule: Rule = {
  id: 'baseline.unusual-hour',
  revision: 1,
  severity: 'medium',
  title: 'Traffic at an unusual time',
  remediation:
    'Two devices talked at an hour of the day at which they never talked while the baseline was learned ' +
    '(for example an engineering session at night). Check with the shift log or the owner of the client ' +
    'whether this was planned work; if not, check the accounts used and the changes made.',
  attack: ['T0886', 'T0859'],
  events: ['flow'],
  evaluate(ev: RuleEvent, ctx: RuleContext): Detection[] | null {
    const b = newsAgainst(ev, ctx);
    if (b === null || ev.kind !== 'flow' || daysLearned(b) < MIN_DAYS_FOR_HOURS) return null;
    const f: FlowEvent = ev.flow;
    if (f.packetsToClient === 0 || !f.clientIp || !f.serverIp) return null;
    const hours = b.activeHours(f.clientIp, f.serverIp);
    if (hours === null || hours.size === 24) return null;
    const mask = hoursMask(f.firstUs, f.lastUs);
    const odd: number[] = [];
    for (let h = 0; h < 24; h++) if (mask & (1 << h) && !hours.has(h)) odd.push(h);
    if (odd.length === 0) return null;
    // One detection per pair and calendar hour: the alert's count then says how many odd hours.
    let oddHour = Math.floor(f.firstUs / HOUR_US);
    while (hours.has(hourOfDay(oddHour))) oddHour++;
    const firstOddUs = Math.max(f.firstUs, oddHour * HOUR_US);
    const key = `${f.clientIp}>${f.serverIp}`;
    if (!once(ctx, `${key}|${Math.floor(firstOddUs / HOUR_US)}`)) return null;
    const c = ctx.host(f.clientIp);
    const s = ctx.host(f.serverIp);
    const usual = [...hours].sort((x, y) => x - y).join(',');
    return [
      detection(this, {
        key,
        severity: OT_PROTOCOLS.has(f.protocol ?? '') || isOt(s) ? 'medium' : 'low',
        title: `${c.label} talked to ${s.label} at ${String(odd[0]).padStart(2, '0')}:00 UTC, an hour it never did while learning`,
        remediation: this.remediation,
        ts: firstOddUs,
        hosts: [f.clientIp, f.serverIp],
        evidence: `${f.clientIp}:${f.clientPort} -> ${f.serverIp}:${f.serverPort} ${linkProtocol(f)} ${iso(f.firstUs)}..${iso(f.lastUs)}; unusual hours ${odd.join(',')}; learned hours ${usual} over ${daysLearned(b)} days`,
        ...(f.protocol ? { protocol: f.protocol } : {}),
        flowId: f.id,
      }),
    ];
  },
};

/** Engine-side observation filters (src/detect/engine.ts): the function rule wants transactions only. */
export const BASELINE_FILTERS: Readonly<Record<string, ObservationFilter>> = {
  [newFunctionRule.id]: { kinds: ['transaction'], firstPerFunction: true },
};

/** The baseline's deviation rules, in the order they are listed. */
export const BASELINE_RULES: readonly Rule[] = [
  newAssetRule,
  newLinkRule,
  newFunctionRule,
  unusualVolumeRule,
  unusualHourRule,
];
