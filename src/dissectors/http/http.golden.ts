import { readFileSync } from 'node:fs';
import type { TransactionObservation } from '../../observations/observation.js';
import { corpusPath } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { connKey, parseZeekLog } from '../../testing/zeek-log.js';
import { type Compared, credsOf, type Run, runTrace, testFingerprint, txsOf } from '../snmp/snmp.golden.js';
import { httpDissector } from './http.dissector.js';

/**
 * HTTP golden support: Zeek's http.log rows (one per request/response pair) against our
 * transactions on the same connection, in order: method, host, uri, status_code, user_agent
 * must agree; `username` must be our credential's user; a `password` Zeek shows must have the
 * same fingerprint as our credential. Tests only.
 */
export function compareHttpLog(run: Run, text: string): Compared {
  const log = parseZeekLog(text);
  const txs = txsOf(run.observations, 'http');
  const creds = credsOf(run.observations, 'http');
  const used = new Set<TransactionObservation>();
  const res: Compared = { total: log.rows.length, matched: 0, allowed: 0, mismatches: [] };
  log.rows.forEach((r, i) => {
    const key = connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
    const onKey = (flowId: number) => run.flows.get(flowId) === key;
    const problems: string[] = [];
    const tx = txs.find((t) => onKey(t.flowId) && !used.has(t));
    if (!tx) problems.push('no transaction');
    else {
      used.add(tx);
      const d = tx.detail ?? {};
      const pairs: [string, unknown, string | null | undefined][] = [
        ['method', tx.fn, r.method],
        ['host', d.host, r.host],
        ['uri', d.uri, r.uri],
        ['status_code', d.statusCode === undefined ? undefined : String(d.statusCode), r.status_code],
        ['user_agent', d.userAgent, r.user_agent],
      ];
      for (const [f, ours, theirs] of pairs) {
        if (theirs !== null && theirs !== undefined && ours !== theirs)
          problems.push(`${f}: expected ${theirs}, got ${ours}`);
      }
    }
    const flowCreds = creds.filter((c) => onKey(c.flowId));
    if (r.username !== null && !flowCreds.some((c) => c.user === r.username)) problems.push(`username ${r.username}`);
    if (r.password !== null) {
      const fp = testFingerprint(r.password);
      if (!flowCreds.some((c) => c.user === r.username && c.secretFingerprint === fp)) {
        problems.push('no credential with fingerprint(password)');
      }
    }
    if (problems.length === 0) res.matched++;
    else res.mismatches.push(`row ${i + 1}: ${problems.join('; ')}`);
  });
  return res;
}

export const HTTP_BASELINES: readonly [trace: string, test: string][] = [
  ['basic-auth-with-colon.pcap', 'http-basic-auth-colon'],
  ['basic-auth-with-extra-space.pcap', 'http-basic-auth-extra-space'],
];
export function httpTrace(t: string): string {
  return corpusPath('zeek-btest', 'testing', 'btest', 'Traces', 'http', t);
}
export function httpBaseline(test: string): string {
  const dir = `scripts.base.protocols.http.${test}`;
  return readFileSync(corpusPath('zeek-btest', 'testing', 'btest', 'Baseline', dir, 'http.log'), 'utf8');
}

export async function goldenScores(): Promise<GoldenScore[]> {
  const out: GoldenScore[] = [];
  for (const [trace, test] of HTTP_BASELINES) {
    const r = compareHttpLog(await runTrace(httpDissector, httpTrace(trace)), httpBaseline(test));
    out.push({ protocol: 'http', baseline: `zeek ${test}/http.log (${trace})`, matched: r.matched, total: r.total });
  }
  return out;
}
