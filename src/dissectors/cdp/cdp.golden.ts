import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { parseZeekLog } from '../../testing/zeek-log.js';
import type { Dissector } from '../contract.js';
import { goldenLines, observe, scoreLines } from '../profinet/profinet.golden.js';
import { CDP_L2_KEY, cdpDissector } from './cdp.dissector.js';

/**
 * Golden support for CDP (tests only). Zeek's `snap-cdp` test logs the CDP frame of cdp-v1.pcap
 * as an unknown SNAP protocol (`unknown_protocols.log`: protocol id 0xc2000 and the PDU's first
 * 10 bytes): we check that we claim the same key and decode those bytes (version, TTL,
 * checksum, first TLV). Our own reviewed JSON-lines baselines cover the CDP traces.
 */

const LIU = ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'cdp'];
export const ZEEK_TRACE = ['zeek-btest', 'testing', 'btest', 'Traces', 'cdp-v1.pcap'];
export const ZEEK_LOG = [
  'zeek-btest',
  'testing',
  'btest',
  'Baseline',
  'scripts.base.protocols.snap.snap-cdp',
  'unknown_protocols.log',
];
export const GOLDEN_TRACES: readonly string[][] = [ZEEK_TRACE, [...LIU, 'cdp_v2.pcap'], [...LIU, 'cdp_v2_voice.pcap']];

const dir = join(repoRoot, 'src', 'dissectors', 'cdp', 'golden');
export function goldenFile(trace: readonly string[]): string {
  return join(dir, `${basename(trace[trace.length - 1] as string).replace(/\.pcap(ng)?$/, '')}.jsonl`);
}
export const observeCdp = (t: readonly string[]) => observe(t, cdpDissector as Dissector);
export const cdpLines = (obs: Parameters<typeof goldenLines>[0]) => goldenLines(obs, 'cdp');

/**
 * Zeek's row: `protocol_id` must be our registry key and `first_bytes` must decode to the
 * version, TTL and Device ID our transaction reports.
 */
export async function zeekScore(): Promise<{ matched: number; total: number; mismatches: string[] }> {
  const log = parseZeekLog(readFileSync(corpusPath(...ZEEK_LOG), 'utf8'));
  const obs = await observeCdp(ZEEK_TRACE);
  const txs = obs.filter((o) => o.kind === 'transaction' && o.protocol === 'cdp');
  let matched = 0;
  const mismatches: string[] = [];
  log.rows.forEach((r, i) => {
    const bytes = Buffer.from(r.first_bytes ?? '', 'hex');
    const key = Number(r.protocol_id);
    const tx = txs[i];
    const want = { version: bytes[0], ttl: bytes[1] };
    const ok =
      r.analyzer === 'SNAP' &&
      key === CDP_L2_KEY &&
      tx?.kind === 'transaction' &&
      tx.detail?.version === want.version &&
      tx.detail?.ttl === want.ttl &&
      // first TLV: type 1 (Device ID), length 6 -> 2 bytes of name ("R1")
      bytes.readUInt16BE(4) === 1 &&
      tx.detail?.deviceId === bytes.subarray(8, 10).toString('latin1');
    if (ok) matched++;
    else mismatches.push(`row ${i + 1}: ${JSON.stringify(r)} vs ${JSON.stringify(tx)}`);
  });
  return { matched, total: log.rows.length, mismatches };
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const z = await zeekScore();
  const out: GoldenScore[] = [
    {
      protocol: 'cdp',
      baseline: 'Zeek snap-cdp/unknown_protocols.log (cdp-v1.pcap)',
      matched: z.matched,
      total: z.total,
    },
  ];
  for (const t of GOLDEN_TRACES) {
    const file = goldenFile(t);
    const { matched, total } = scoreLines(file, cdpLines(await observeCdp(t)));
    out.push({ protocol: 'cdp', baseline: `golden/${basename(file)} (${t[t.length - 1]})`, matched, total });
  }
  return out;
}
