import { readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, connKey, parseZeekLog } from '../../testing/zeek-log.js';
import { dnp3Dissector } from './dnp3.dissector.js';

/**
 * Golden-test support for DNP3: Zeek's `dnp3.log` (fc_request, fc_reply, iin) against our
 * transactions. Tests only; nothing here runs in the product.
 *
 * Zeek logs one row per application response fragment, with `fc_request` = the last request
 * seen on the connection since the previous logged response (a single slot, cleared at every
 * response; '-' when empty), `fc_reply` = the response's function and `iin` = IIN1 << 8 | IIN2.
 * We pair by application sequence number instead, so our transactions are not the same
 * rows. `zeekView` replays our transactions through Zeek's rule: request at `ts`, response at
 * `ts + rttUs` (plus one row per further fragment), CONFIRM right after a confirmed response;
 * the rows it yields must equal Zeek's exactly. Where Zeek's single slot pairs a request with
 * the wrong response (retried requests, an unsolicited response between a request and its
 * answer), the replay reproduces Zeek's row and our transaction still carries the right pair.
 */

export interface ZeekDnp3Row {
  fcRequest: string;
  fcReply: string;
  iin: number;
}

interface Ev {
  t: number;
  order: number;
  kind: 'req' | 'resp';
  fn: string;
  iin: number;
}

function detailNum(tx: TransactionObservation, k: string): number | undefined {
  const v = tx.detail?.[k];
  return typeof v === 'number' ? v : undefined;
}

/** Zeek's dnp3.log rows as our transactions of one flow imply them. */
export function zeekView(txs: readonly TransactionObservation[]): ZeekDnp3Row[] {
  const evs: Ev[] = [];
  txs.forEach((tx, i) => {
    const base = i * 8;
    if (tx.status !== 'unsolicited') evs.push({ t: tx.ts, order: base, kind: 'req', fn: tx.fn, iin: 0 });
    if (tx.status === 'no-response') return;
    const t = tx.ts + (tx.rttUs ?? 0);
    const reply = (tx.detail?.replyFn as string | undefined) ?? tx.fn;
    const iin = detailNum(tx, 'iin') ?? 0;
    const n = detailNum(tx, 'fragments') ?? 1;
    for (let f = 0; f < n; f++) evs.push({ t, order: base + 1 + f, kind: 'resp', fn: reply, iin });
    if (tx.detail?.confirmed === true) evs.push({ t, order: base + 7, kind: 'req', fn: 'CONFIRM', iin: 0 });
  });
  evs.sort((a, b) => a.t - b.t || a.order - b.order);
  const rows: ZeekDnp3Row[] = [];
  let last = '-';
  for (const e of evs) {
    if (e.kind === 'req') last = e.fn;
    else {
      rows.push({ fcRequest: last, fcReply: e.fn, iin: e.iin });
      last = '-';
    }
  }
  // Zeek's connection-removal hook logs a request still waiting for its response (iin unset).
  if (last !== '-') rows.push({ fcRequest: last, fcReply: '-', iin: -1 });
  return rows;
}

export interface Dnp3Compare {
  matched: number;
  total: number;
  mismatches: string[];
}

function rowText(r: ZeekDnp3Row): string {
  return `${r.fcRequest} ${r.fcReply} ${r.iin}`;
}

/**
 * Compares a Zeek dnp3.log with our observations: rows grouped by 5-tuple, each group takes the
 * unused flow whose replayed rows agree most, rows compared in order.
 */
export function compareDnp3Log(text: string, obs: readonly Observation[]): Dnp3Compare {
  const log = parseZeekLog(text);
  const groups = new Map<string, ZeekDnp3Row[]>();
  for (const r of log.rows) {
    const key = connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
    let g = groups.get(key);
    if (!g) {
      g = [];
      groups.set(key, g);
    }
    g.push({
      fcRequest: r.fc_request ?? '-',
      fcReply: r.fc_reply ?? '-',
      iin: r.iin === null || r.iin === undefined ? -1 : Number(r.iin),
    });
  }
  const byFlow = new Map<number, TransactionObservation[]>();
  for (const o of obs) {
    if (o.kind !== 'transaction' || o.protocol !== 'dnp3') continue;
    let g = byFlow.get(o.flowId);
    if (!g) {
      g = [];
      byFlow.set(o.flowId, g);
    }
    g.push(o);
  }
  const views = [...byFlow.values()].map((txs) => zeekView(txs).map(rowText));
  const used = views.map(() => false);
  const res: Dnp3Compare = { matched: 0, total: 0, mismatches: [] };
  for (const [key, rows] of groups) {
    res.total += rows.length;
    const want = rows.map(rowText);
    let best = -1;
    let bestScore = -1;
    views.forEach((v, i) => {
      if (used[i]) return;
      let s = 0;
      for (let k = 0; k < Math.min(v.length, want.length); k++) if (v[k] === want[k]) s++;
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    });
    const got = best >= 0 ? (views[best] as string[]) : [];
    if (best >= 0) used[best] = true;
    want.forEach((w, k) => {
      if (got[k] === w) res.matched++;
      else res.mismatches.push(`${key} row ${k + 1}: expected "${w}", got "${got[k] ?? 'nothing'}"`);
    });
    if (got.length > want.length) res.mismatches.push(`${key}: ${got.length - want.length} extra row(s)`);
  }
  return res;
}

const ZEEK_TRACES = ['zeek-btest', 'testing', 'btest', 'Traces', 'dnp3'];
const ZEEK_BASE = ['zeek-btest', 'testing', 'btest', 'Baseline'];

/** The Zeek/ICSNPP baselines with a dnp3.log: [name, trace path parts, log path parts]. */
export const DNP3_BASELINES: ReadonlyArray<readonly [string, readonly string[], readonly string[]]> = [
  [
    'icsnpp analyzer.basic dnp3.log',
    ['icsnpp', 'icsnpp-dnp3', 'testing', 'traces', 'dnp3_example.pcap'],
    ['icsnpp', 'icsnpp-dnp3', 'testing', 'baseline', 'analyzer.basic', 'dnp3.log'],
  ],
  ...[
    ['events', 'dnp3.pcap'],
    ['dnp3_del_measure', 'dnp3_del_measure.pcap'],
    ['dnp3_en_spon', 'dnp3_en_spon.pcap'],
    ['dnp3_file_del', 'dnp3_file_del.pcap'],
    ['dnp3_file_read', 'dnp3_file_read.pcap'],
    ['dnp3_file_write', 'dnp3_file_write.pcap'],
    ['dnp3_read', 'dnp3_read.pcap'],
    ['dnp3_rec_time', 'dnp3_rec_time.pcap'],
    ['dnp3_select_operate', 'dnp3_select_operate.pcap'],
    ['dnp3_udp_en_spon', 'dnp3_udp_en_spon.pcap'],
    ['dnp3_udp_read', 'dnp3_udp_read.pcap'],
    ['dnp3_udp_select_operate', 'dnp3_udp_select_operate.pcap'],
    ['dnp3_udp_write', 'dnp3_udp_write.pcap'],
    ['dnp3_write', 'dnp3_write.pcap'],
  ].map(
    ([test, trace]) =>
      [
        `zeek ${test} dnp3.log`,
        [...ZEEK_TRACES, trace as string],
        [...ZEEK_BASE, `scripts.base.protocols.dnp3.${test}`, 'dnp3.log'],
      ] as const,
  ),
];

const runs = new Map<string, Promise<Observation[]>>();
/** Observations of a corpus trace through the whole pipeline with the DNP3 dissector, once per run. */
export function observe(parts: readonly string[]): Promise<Observation[]> {
  const path = corpusPath(...parts);
  let p = runs.get(path);
  if (!p) {
    p = collectObservations(path, { dissectors: [dnp3Dissector] }).then((r) => r.observations);
    runs.set(path, p);
  }
  return p;
}

/** Runs every baseline; the result per baseline (with its mismatches). */
export async function compareAll(): Promise<{ name: string; r: Dnp3Compare }[]> {
  const out: { name: string; r: Dnp3Compare }[] = [];
  for (const [name, trace, log] of DNP3_BASELINES) {
    const obs = await observe(trace);
    out.push({ name, r: compareDnp3Log(readFileSync(corpusPath(...log), 'utf8'), obs) });
  }
  return out;
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  return (await compareAll()).map(({ name, r }) => ({
    protocol: 'dnp3',
    baseline: name,
    matched: r.matched,
    total: r.total,
  }));
}

/** Our golden lines: DNP3 transactions and identities, in emission order. */
export function goldenLines(obs: readonly Observation[]): string[] {
  return obs
    .filter(
      (o) => o.protocol === 'dnp3' && (o.kind === 'transaction' || o.kind === 'asset.identity' || o.kind === 'anomaly'),
    )
    .map((o) => canonicalJson(o));
}
