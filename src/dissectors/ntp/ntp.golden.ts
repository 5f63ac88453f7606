import { readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, parseZeekLog } from '../../testing/zeek-log.js';
import { ntpDissector } from './ntp.dissector.js';

/**
 * Golden-test support for NTP (tests only): Zeek's ntp.log, ntp_control.log and ntp_private.log
 * have one row per packet; our transactions pair a request with its answer, so each
 * transaction is unfolded back into one row per packet (the answer's fields carry the prefix
 * `resp`) and rows are compared per flow, in time order.
 */

export const ZEEK = ['zeek-btest', 'testing', 'btest'];
export const TRACES = [...ZEEK, 'Traces', 'ntp'];
export const BASE = [...ZEEK, 'Baseline'];

/** Per log: the Zeek column -> our detail key. */
export const LOG_FIELDS: Record<string, Record<string, string>> = {
  ntp: { version: 'version', mode: 'mode', stratum: 'stratum', ref_id: 'refId', num_exts: 'numExts', poll: 'poll' },
  ntp_control: { version: 'version', mode: 'mode', op_code: 'opcode', sequence: 'sequence', resp_bit: 'response' },
  ntp_private: {
    version: 'version',
    mode: 'mode',
    req_code: 'reqCode',
    sequence: 'sequence',
    implementation: 'implementation',
  },
};

type Row = Record<string, string>;

function value(col: string, v: string | number | boolean | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  // Zeek writes poll as an interval in seconds; we keep the log2 exponent.
  if (col === 'poll') return (2 ** Number(v)).toFixed(6);
  return String(v);
}

/** One row per packet from our transactions of `log`'s kind, grouped by flow, in time order. */
export function ourRows(obs: Observation[], log: string): Map<number, Row[]> {
  const fields = LOG_FIELDS[log] as Record<string, string>;
  const modes = log === 'ntp' ? [1, 2, 3, 4, 5] : log === 'ntp_control' ? [6] : [7];
  const byFlow = new Map<number, { ts: number; row: Row }[]>();
  for (const o of obs) {
    if (o.kind !== 'transaction' || o.protocol !== 'ntp') continue;
    const t = o as TransactionObservation;
    const d = t.detail ?? {};
    if (!modes.includes(Number(d.mode))) continue;
    let g = byFlow.get(t.flowId);
    if (!g) {
      g = [];
      byFlow.set(t.flowId, g);
    }
    for (const prefix of ['', 'resp']) {
      if (prefix && d.respMode === undefined) continue;
      const row: Row = {};
      for (const [col, k] of Object.entries(fields)) {
        const v = value(col, d[prefix ? `resp${k.charAt(0).toUpperCase()}${k.slice(1)}` : k]);
        if (v !== undefined) row[col] = v;
      }
      g.push({ ts: prefix ? t.ts + (t.rttUs ?? 0) : t.ts, row });
    }
  }
  const out = new Map<number, Row[]>();
  for (const [f, g] of byFlow)
    out.set(
      f,
      g.sort((a, b) => a.ts - b.ts).map((x) => x.row),
    );
  return out;
}

/** Zeek's ref_id keeps the raw bytes (`\x00\x00\x00\x00`); we drop NULs. */
function zeekValue(col: string, v: string | null): string {
  if (v === null) return '';
  return col === 'ref_id' ? v.replace(/\x00/g, '') : v;
}

export interface NtpCompare {
  matched: number;
  total: number;
  mismatches: string[];
}

/**
 * Baseline rows are grouped by 5-tuple (Zeek splits one 5-tuple into several connections after
 * its 1 min UDP inactivity timeout; our flow table keeps them as one flow for 2 min); each group
 * takes the flow of ours whose rows agree best, then rows are compared in order.
 */
export function compareLog(obs: Observation[], text: string, log: string): NtpCompare {
  const z = parseZeekLog(text);
  const cols = Object.keys(LOG_FIELDS[log] as Record<string, string>);
  const groups = new Map<string, Row[]>();
  for (const r of z.rows) {
    const uid = `${r['id.orig_h']}:${r['id.orig_p']}>${r['id.resp_h']}:${r['id.resp_p']}`;
    let g = groups.get(uid);
    if (!g) {
      g = [];
      groups.set(uid, g);
    }
    const row: Row = {};
    for (const c of cols) row[c] = zeekValue(c, r[c] ?? null);
    g.push(row);
  }
  const ours = [...ourRows(obs, log).values()];
  const used = ours.map(() => false);
  const res: NtpCompare = { matched: 0, total: z.rows.length, mismatches: [] };
  const same = (a: Row, b: Row | undefined) => b !== undefined && cols.every((c) => (a[c] ?? '') === (b[c] ?? ''));
  for (const [uid, want] of groups) {
    let best = -1;
    let bestScore = -1;
    ours.forEach((g, i) => {
      if (used[i]) return;
      const score = want.filter((w, j) => same(w, g[j])).length;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    if (best < 0) {
      res.mismatches.push(`${uid}: no flow of ours left for ${want.length} row(s)`);
      continue;
    }
    used[best] = true;
    const got = ours[best] as Row[];
    want.forEach((w, j) => {
      if (same(w, got[j])) res.matched++;
      else res.mismatches.push(`${uid} row ${j + 1}: expected ${JSON.stringify(w)}, got ${JSON.stringify(got[j])}`);
    });
  }
  return res;
}

export async function observe(...parts: string[]): Promise<Observation[]> {
  return (await collectObservations(corpusPath(...parts), { dissectors: [ntpDissector] })).observations;
}

/** [test, trace, log]: every Zeek NTP baseline with a log. */
export const NTP_LOGS: ReadonlyArray<readonly [string, string, string]> = [
  ['ntp', 'ntp.pcap', 'ntp'],
  ['ntp2', 'ntp2.pcap', 'ntp'],
  ['ntp3', 'NTP_sync.pcap', 'ntp'],
  ['ntp-digest', 'NTP-digest.pcap', 'ntp'],
  ['misordered-ntp', 'misordered-ntp.pcap', 'ntp'],
  ['ntpmode67', 'ntpmode67.pcap', 'ntp_control'],
  ['ntpmode67', 'ntpmode67.pcap', 'ntp_private'],
];

export async function compareNtpLog(test: string, trace: string, log: string): Promise<NtpCompare> {
  const text = readFileSync(corpusPath(...BASE, `scripts.base.protocols.ntp.${test}`, `${log}.log`), 'utf8');
  return compareLog(await observe(...TRACES, trace), text, log);
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const [test, trace, log] of NTP_LOGS) {
    const r = await compareNtpLog(test, trace, log);
    out.push({ protocol: 'ntp', baseline: `zeek ${test}/${log}.log (${trace})`, matched: r.matched, total: r.total });
  }
  return out;
}

/** Our golden lines: NTP transactions, identities and anomalies, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => o.protocol === 'ntp').map((o) => canonicalJson(o));
}
