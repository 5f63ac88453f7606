import { readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, parseZeekLog } from '../../testing/zeek-log.js';
import { syslogDissector } from './syslog.dissector.js';

/**
 * Golden-test support for syslog (tests only). Zeek's syslog.log has a row per message; we
 * emit one summary transaction per flow counting messages per `FACILITY.SEVERITY`. A baseline
 * row matches when our summary for that connection still has a message of its facility and
 * severity left to claim.
 */

export const ZEEK = ['zeek-btest', 'testing', 'btest'];
export const BASE = [...ZEEK, 'Baseline'];

/** [test, trace]. */
export const SYSLOG_LOGS: ReadonlyArray<readonly [string, string]> = [
  ['trace', 'syslog-single-udp.pcap'],
  ['missing-pri', 'syslog-missing-pri.pcap'],
  ['tcp-framing', 'tcp-syslog.pcap'],
  ['tcp-framing-nontransparent', 'tcp-syslog-nontransparent.pcap'],
];

export interface SyslogCompare {
  matched: number;
  total: number;
  mismatches: string[];
  /** Messages we counted that no baseline row claimed. */
  extra: number;
}

export function compareSyslog(obs: Observation[], text: string): SyslogCompare {
  // `btest-diff-cut -m` baselines have no header: their first line names the columns.
  const first = text.split('\n').find((l) => l !== '' && !l.startsWith('#')) ?? '';
  const log = text.includes('#fields')
    ? parseZeekLog(text)
    : parseZeekLog(text.replace(`${first}\n`, ''), first.split('\t'));
  const summaries = obs.filter(
    (o): o is TransactionObservation => o.kind === 'transaction' && o.protocol === 'syslog' && o.fn === 'SYSLOG',
  );
  // Each baseline connection takes one summary (traces here have one connection per 5-tuple).
  const left = summaries.map(
    (t) => new Map(Object.entries(t.detail ?? {}).filter(([k]) => k.includes('.')) as [string, number][]),
  );
  const byConn = new Map<string, number>();
  const res: SyslogCompare = { matched: 0, total: log.rows.length, mismatches: [], extra: 0 };
  log.rows.forEach((r, i) => {
    const conn = `${r['id.orig_h']}:${r['id.orig_p']}>${r['id.resp_h']}:${r['id.resp_p']}`;
    const key = `${r.facility}.${r.severity}`;
    let s = byConn.get(conn);
    if (s === undefined) {
      s = left.findIndex((m, j) => ![...byConn.values()].includes(j) && (m.get(key) ?? 0) > 0);
      if (s >= 0) byConn.set(conn, s);
    }
    const m = s !== undefined && s >= 0 ? left[s] : undefined;
    const n = m?.get(key) ?? 0;
    if (m && n > 0) {
      m.set(key, n - 1);
      res.matched++;
    } else res.mismatches.push(`row ${i + 1} ${conn}: no ${key} message left`);
  });
  for (const m of left) for (const n of m.values()) res.extra += n;
  return res;
}

export async function observe(...parts: string[]): Promise<Observation[]> {
  return (await collectObservations(corpusPath(...parts), { dissectors: [syslogDissector] })).observations;
}

export async function compareSyslogLog(test: string, trace: string): Promise<SyslogCompare> {
  const text = readFileSync(corpusPath(...BASE, `scripts.base.protocols.syslog.${test}`, 'syslog.log'), 'utf8');
  return compareSyslog(await observe(...ZEEK, 'Traces', trace), text);
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const [test, trace] of SYSLOG_LOGS) {
    const r = await compareSyslogLog(test, trace);
    out.push({
      protocol: 'syslog',
      baseline: `zeek ${test}/syslog.log (${trace})`,
      matched: r.matched,
      total: r.total,
    });
  }
  return out;
}

/** Our golden lines: syslog summaries, identities and anomalies, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => o.protocol === 'syslog').map((o) => canonicalJson(o));
}
